// File: src/server/unsubscribe_page.h
//
// The page behind a one-click e-mail opt-out link (RFC 8058), for a person
// who opens the link in a browser: it asks with one button, which posts the
// same one-click form a mail provider posts; or says what was done, that
// nothing was needed, or that the link does not work. No script; its texts
// are the preference center's (web/i18n, `unsubscribe.*`).
//
// Thread-safety: a pure function.
#ifndef OPTIN_SRC_SERVER_UNSUBSCRIBE_PAGE_H_
#define OPTIN_SRC_SERVER_UNSUBSCRIBE_PAGE_H_

#include <cstdint>
#include <string>

namespace optin::server {

struct UnsubscribePage {
  enum class State {
    kAsk,      // one button that withdraws
    kDone,     // withdrawn at `time`
    kAlready,  // nothing to withdraw
    kInvalid,  // a token that is not genuine or has expired
  };
  State state = State::kAsk;
  std::string locale;
  std::string org;            // the organization's name, "" when unknown
  std::string purpose_title;  // in `locale`
  int64_t time = 0;           // of the withdrawal (kDone)
  std::string center_url;     // the preference center
};

// The page's HTML; its form posts to the address it is served from.
std::string UnsubscribePageHtml(const UnsubscribePage& page);

// The page's Content-Security-Policy: no script, its form posts only to
// this server, nothing may frame it.
inline constexpr std::string_view kUnsubscribePageCsp =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

}  // namespace optin::server

#endif  // OPTIN_SRC_SERVER_UNSUBSCRIBE_PAGE_H_
