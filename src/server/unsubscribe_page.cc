#include "src/server/unsubscribe_page.h"

#include "src/server/page_texts.h"

namespace optin::server {
namespace {

constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;line-height:1.5;max-width:36rem;margin:3rem auto;padding:0 1rem;"
    "color:#1a1a1a}h1{font-size:1.4rem}button{font:inherit;padding:.6rem 1.2rem;border:2px solid #1a1a1a;"
    "border-radius:.3rem;background:#fff;color:#1a1a1a;cursor:pointer}button:focus-visible{outline:3px solid #0b57d0;"
    "outline-offset:2px}.muted{color:#555}";

}  // namespace

std::string UnsubscribePageHtml(const UnsubscribePage& page) {
  const Texts t(page.locale);
  const std::map<std::string, std::string> values{
      {"org", page.org}, {"purpose", page.purpose_title}, {"date", DateInWords(t, page.time)}};
  std::string_view state;
  switch (page.state) {
    case UnsubscribePage::State::kAsk: state = "ask"; break;
    case UnsubscribePage::State::kDone: state = "done"; break;
    case UnsubscribePage::State::kAlready: state = "already"; break;
    case UnsubscribePage::State::kInvalid: state = "invalid"; break;
  }
  const std::string key = "unsubscribe." + std::string(state);
  const std::string title = t(key + "_title", values);
  std::string out = "<!doctype html>\n<html lang=\"" + Escaped(page.locale) + "\"><head><meta charset=\"utf-8\">";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"referrer\" content=\"no-referrer\">";
  out += "<title>" + title + "</title><style>" + std::string(kStyle) + "</style></head><body><main>";
  out += "<h1>" + title + "</h1><p>" + t(key + "_text", values) + "</p>";
  if (page.state == UnsubscribePage::State::kAsk) {
    // The same form a mail provider posts (RFC 8058 §3.2), to this address.
    out += "<form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">";
    out += "<button type=\"submit\">" + t("unsubscribe.button", values) + "</button></form>";
  }
  out += "<p class=\"muted\">" + t("unsubscribe.more", values);
  if (!page.center_url.empty()) {
    out += " <a href=\"" + Escaped(page.center_url) + "\">" + t("page.title") + "</a>";
  }
  out += "</p></main></body></html>\n";
  return out;
}

}  // namespace optin::server
