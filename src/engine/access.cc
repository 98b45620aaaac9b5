// Access: API keys and their scopes, the preference-center link tokens,
// one-click e-mail opt-out links and what following one does, and where the
// preference center is reached.
#include <algorithm>

#include "src/common/bytes.h"
#include "src/common/time.h"
#include "src/engine/engine_impl.h"

namespace optin {
namespace {

// DO NOT CHANGE: the store setting `optin serve` keeps its public URL in.
constexpr std::string_view kPublicUrlSetting = "public_url";

}  // namespace

Status ValidatePublicUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError("`" + std::string(url) + "` is not a URL to link to: " + std::string(why) +
                                " (such as https://privacy.example.com or http://127.0.0.1:8080)");
  };
  std::string_view rest;
  if (url.starts_with("https://")) rest = url.substr(8);
  else if (url.starts_with("http://")) rest = url.substr(7);
  else return bad("it must start with http:// or https://");
  const std::string_view host = rest.substr(0, rest.find('/'));
  if (host.empty() || host.front() == ':') return bad("it has no host");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '?' || c == '#' || c == '"' || c == '<' || c == '>' || c == '\\') {
      return bad("it may not hold spaces, a query or a fragment");
    }
  }
  return OkStatus();
}

Result<std::string> ParsePublicUrl(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  OPTIN_RETURN_IF_ERROR(ValidatePublicUrl(url));
  return std::string(url);
}

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kCheck: return "check";
    case Scope::kWrite: return "write";
    case Scope::kAdmin: return "admin";
    case Scope::kRecipient: return "recipient";
  }
  return "check";
}

std::optional<Scope> ParseScope(std::string_view name) {
  for (Scope s : {Scope::kCheck, Scope::kWrite, Scope::kAdmin}) {
    if (ScopeName(s) == name) return s;
  }
  return std::nullopt;
}

Result<std::string> Engine::CreateRecipientKey(std::string_view recipient, std::string name) {
  std::shared_ptr<const Catalog> catalog = impl_->Current();
  if (!catalog || !catalog->FindRecipient(recipient)) {
    return NotFoundError("no recipient `" + std::string(recipient) + "` is in the catalog in force");
  }
  return impl_->CreateKey("recipient:" + std::string(recipient), std::move(name));
}

Result<std::string> Engine::CreateApiKey(Scope scope, std::string name) {
  if (scope == Scope::kRecipient) return InvalidArgumentError("a recipient's key is made for one recipient");
  return impl_->CreateKey(std::string(ScopeName(scope)), std::move(name));
}

Result<std::string> Engine::Impl::CreateKey(const std::string& scope, std::string name) {
  SecretKey random = RandomKey();
  if (name.empty()) name = "key-" + ToHex(std::string_view(reinterpret_cast<const char*>(random.data()), 4));
  const bool valid = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
  if (!valid) {
    return InvalidArgumentError("key name `" + name + "` must be 1 to 64 of a-z, 0-9, `-`, `_` and `.`");
  }
  // DO NOT CHANGE the prefix: secret scanners look for it.
  std::string key = "optin_" + Base64Url(std::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
  ApiKeyRow row{name, scope, std::string(AsBytes(Sha256(key))), clock()};
  OPTIN_RETURN_IF_ERROR(store->PutApiKey(row));
  return key;
}

Result<std::vector<ApiKeyInfo>> Engine::ListApiKeys() {
  OPTIN_ASSIGN_OR_RETURN(std::vector<ApiKeyRow> rows, impl_->store->ListApiKeys());
  std::vector<ApiKeyInfo> out;
  for (auto& r : rows) {
    // A scope this build does not know grants nothing: the key is left out.
    if (r.scope.starts_with("recipient:")) {
      out.push_back({std::move(r.name), Scope::kRecipient, r.scope.substr(10), r.created, std::move(r.hash)});
      continue;
    }
    std::optional<Scope> scope = ParseScope(r.scope);
    if (!scope || *scope == Scope::kRecipient) continue;
    out.push_back({std::move(r.name), *scope, "", r.created, std::move(r.hash)});
  }
  return out;
}

Status Engine::RevokeApiKey(std::string_view name) { return impl_->store->RevokeApiKey(name); }

Result<std::string> Engine::PublicUrl() {
  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> url, impl_->store->GetSetting(kPublicUrlSetting));
  if (!url) return NotFoundError("no server has run on this store, so its address is not known");
  return *url;
}

Status Engine::SetPublicUrl(std::string_view url) {
  OPTIN_RETURN_IF_ERROR(ValidatePublicUrl(url));
  return impl_->store->PutSetting(kPublicUrlSetting, url);
}

namespace {

// Both kinds of token are base64url(Seal(key, payload)) where payload is
// u8 version (1) | u64 expiry (microseconds, big-endian) | body. Sealed, not
// merely signed, so that a URL does not show whose record it is about.
std::string SealToken(const SecretKey& key, int64_t expires, std::string_view body) {
  ByteWriter w;
  w.U8(1);
  w.U64(static_cast<uint64_t>(expires));
  w.str().append(body);
  return Base64Url(Seal(key, w.str()));
}

struct OpenedToken {
  int64_t expires = 0;
  std::string body;
};
// nullopt when the token is not one sealed with `key` in this form.
std::optional<OpenedToken> OpenToken(const SecretKey& key, std::string_view token) {
  std::optional<std::string> sealed = FromBase64Url(token);
  std::optional<std::string> payload = sealed ? ::optin::Open(key, *sealed) : std::nullopt;
  if (!payload) return std::nullopt;
  ByteReader r(*payload);
  uint8_t version;
  uint64_t expires;
  if (!r.U8(version) || version != 1 || !r.U64(expires)) return std::nullopt;
  return OpenedToken{static_cast<int64_t>(expires), std::string(r.Rest())};
}

}  // namespace

// A link token's body is the subject id.
Result<std::string> Engine::CreateLinkToken(std::string_view subject, int64_t ttl_micros) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  if (ttl_micros <= 0 || ttl_micros > kMaxLinkTtlMicros) {
    return InvalidArgumentError("a link must live between 1 second and 366 days");
  }
  return SealToken(impl_->link_key, impl_->clock() + ttl_micros, subject);
}

std::string PreferenceLinkUrl(std::string_view base_url, std::string_view token) {
  return std::string(base_url) + "/p/" + std::string(token);
}

// The microseconds from now that the ISO 8601 duration `ttl` spans on the
// civil calendar.
Result<int64_t> Engine::Impl::TtlMicros(std::string_view ttl_text) const {
  OPTIN_ASSIGN_OR_RETURN(IsoDuration ttl, ParseIsoDuration(ttl_text));
  const int64_t now = clock();
  return AddDuration(now, ttl) - now;
}

Result<PreferenceLink> Engine::CreateLink(std::string_view subject, std::string_view ttl_text,
                                          std::string_view base_url) {
  OPTIN_ASSIGN_OR_RETURN(int64_t ttl_micros, impl_->TtlMicros(ttl_text));
  const int64_t now = impl_->clock();
  OPTIN_ASSIGN_OR_RETURN(std::string token, CreateLinkToken(subject, ttl_micros));
  PreferenceLink link;
  link.url = PreferenceLinkUrl(base_url, token);
  link.token = std::move(token);
  link.expires = now + ttl_micros;
  return link;
}

Result<LinkToken> Engine::OpenLinkToken(std::string_view token) const {
  std::optional<OpenedToken> opened = OpenToken(impl_->link_key, token);
  if (!opened) return UnauthenticatedError("the link is not valid");
  LinkToken out{.subject = std::move(opened->body), .expires = opened->expires};
  if (impl_->clock() >= out.expires) return UnauthenticatedError("the link has expired; ask for a new one");
  return out;
}

// An opt-out token's body is the purpose (u32 length, bytes) and the
// subject id.
Result<std::string> Engine::CreateUnsubscribeToken(std::string_view subject, std::string_view purpose,
                                                   int64_t ttl_micros) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  if (ttl_micros <= 0 || ttl_micros > kMaxLinkTtlMicros) {
    return InvalidArgumentError("an opt-out link must live between 1 second and 366 days");
  }
  std::shared_ptr<const Catalog> catalog = impl_->Current();
  const Purpose* p = catalog ? catalog->FindPurpose(purpose) : nullptr;
  if (!p) return NotFoundError("no purpose `" + std::string(purpose) + "` is in force");
  if (p->basis != Basis::kConsent) {
    return FailedPreconditionError("`" + std::string(purpose) + "` is necessary: there is nothing to opt out of");
  }
  ByteWriter body;
  body.Field(purpose);
  body.str().append(subject);
  return SealToken(impl_->unsubscribe_key, impl_->clock() + ttl_micros, body.str());
}

Result<UnsubscribeToken> Engine::OpenUnsubscribeToken(std::string_view token) const {
  std::optional<OpenedToken> opened = OpenToken(impl_->unsubscribe_key, token);
  ByteReader r(opened ? std::string_view(opened->body) : std::string_view());
  std::string_view purpose;
  if (!opened || !r.Field(purpose)) return UnauthenticatedError("the opt-out link is not valid");
  UnsubscribeToken out{.subject = std::string(r.Rest()), .purpose = std::string(purpose), .expires = opened->expires};
  if (impl_->clock() >= out.expires) return UnauthenticatedError("the opt-out link has expired");
  return out;
}

std::string UnsubscribeLinkUrl(std::string_view base_url, std::string_view token) {
  return std::string(base_url) + "/u/" + std::string(token);
}

Result<UnsubscribeLink> Engine::CreateUnsubscribeLink(std::string_view subject, std::string_view purpose,
                                                      std::string_view ttl_text, std::string_view base_url) {
  OPTIN_ASSIGN_OR_RETURN(int64_t ttl_micros, impl_->TtlMicros(ttl_text));
  const int64_t now = impl_->clock();
  OPTIN_ASSIGN_OR_RETURN(std::string token, CreateUnsubscribeToken(subject, purpose, ttl_micros));
  UnsubscribeLink link;
  link.url = UnsubscribeLinkUrl(base_url, token);
  link.token = std::move(token);
  link.purpose = std::string(purpose);
  link.expires = now + ttl_micros;
  return link;
}

Result<Unsubscribed> Engine::Unsubscribe(std::string_view token, std::string_view locale, std::string_view evidence) {
  OPTIN_ASSIGN_OR_RETURN(UnsubscribeToken opened, OpenUnsubscribeToken(token));
  Unsubscribed out;
  out.purpose = opened.purpose;
  PurposeDecision now = impl_->DecidePurpose(opened.subject, opened.purpose, impl_->clock());
  if (!now.withdrawable) {
    out.result.decisions.push_back(std::move(now));
    return out;
  }
  const Choice choice{.action = Action::kWithdraw, .purposes = {opened.purpose}, .locale = std::string(locale)};
  const WriteContext context{.channel = "email", .actor = "list-unsubscribe", .evidence = std::string(evidence)};
  OPTIN_ASSIGN_OR_RETURN(out.result, Choose(opened.subject, choice, context));
  out.recorded = !out.result.recorded.empty();
  return out;
}

}  // namespace optin
