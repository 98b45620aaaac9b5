// A stand-in for a website tag, for the demo shop: it sets the cookie its
// purpose declares and says on the page that it ran, nothing else.
(function () {
  const tags = {
    analytics: { cookie: '_ea_id', text: 'The analytics tag ran and set its cookie _ea_id.' },
    ads: { cookie: '_ean', text: 'The personalized-ads tag ran and set its cookie _ean.' },
  };
  const tag = tags[document.currentScript.dataset.tag];
  if (!tag) return;
  document.cookie = `${tag.cookie}=demo; path=/; max-age=3600`;
  const list = document.getElementById('tags');
  if (list.dataset.any !== 'yes') {
    list.textContent = '';
    list.dataset.any = 'yes';
  }
  const item = document.createElement('li');
  item.textContent = tag.text;
  list.appendChild(item);
})();
