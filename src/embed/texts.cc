#include "src/embed/texts.h"

#include <array>
#include <utility>

namespace optin::embed {
namespace {

using Text = std::pair<std::string_view, std::string_view>;  // key, text

// DO NOT CHANGE a key: web/embed/ui.js reads them.
constexpr std::array<Text, 24> kEnglish = {{
    {"banner_title", "Your choice about your data"},
    {"banner_text", "{organization} would like to use data about your visit for these purposes, only if you "
                    "agree. Nothing is used until you say yes, and you can change your mind at any time from "
                    "\"Privacy choices\":"},
    {"accept_all", "Accept all"},
    {"reject_all", "Reject all"},
    {"choose", "Choose"},
    {"dialog_title", "Privacy choices"},
    {"save", "Save my choices"},
    {"close", "Close"},
    {"reopen", "Privacy choices"},
    {"data", "Data used"},
    {"benefit", "Who benefits"},
    {"recipients", "Shared with"},
    {"retention", "Kept for"},
    {"nobody", "No one outside {organization}"},
    {"always_on", "Always on: needed to provide the service"},
    {"withdraw", "Withdraw all consent"},
    {"cannot_remove", "If these cookies are set, this page cannot remove them (they are out of its reach): they "
                      "are no longer used, and expire on their own: {cookies}"},
    {"saved", "Your choices are saved."},
    {"pending", "Your choices are saved in this browser and will be recorded as soon as the connection allows."},
    {"undelivered", "Your choices could not be recorded for more than a day. They apply in this browser; please "
                    "try again later."},
    {"gpc", "Your browser sends Global Privacy Control: purposes that sell or share your data stay off unless "
            "you turn them on yourself."},
    {"blocked", "This content is from {host} and is off until you allow \"{purpose}\"."},
    {"load_once", "Load once"},
    {"always_allow", "Always allow"},
}};

constexpr std::array<Text, 24> kJapanese = {{
    {"banner_title", "お客様のデータについての選択"},
    {"banner_text", "{organization}は、ご同意いただいた場合に限り、次の目的でこのサイトのご利用に関するデータを"
                    "利用します。ご同意いただくまで利用することはなく、「プライバシー設定」からいつでも変更できます："},
    {"accept_all", "すべて同意する"},
    {"reject_all", "すべて拒否する"},
    {"choose", "選択する"},
    {"dialog_title", "プライバシー設定"},
    {"save", "選択を保存する"},
    {"close", "閉じる"},
    {"reopen", "プライバシー設定"},
    {"data", "利用するデータ"},
    {"benefit", "誰の利益になるか"},
    {"recipients", "提供先"},
    {"retention", "保存期間"},
    {"nobody", "{organization}以外には提供しません"},
    {"always_on", "常に有効：サービスの提供に必要です"},
    {"withdraw", "すべての同意を取り消す"},
    {"cannot_remove", "次のCookieが設定されている場合、このページからは削除できません。今後は利用されず、期限が来ると"
                      "消えます：{cookies}"},
    {"saved", "選択を保存しました。"},
    {"pending", "選択はこのブラウザに保存されており、接続でき次第記録されます。"},
    {"undelivered", "1日以上にわたり選択を記録できませんでした。このブラウザでは選択が適用されています。後ほど"
                    "もう一度お試しください。"},
    {"gpc", "お使いのブラウザはグローバル・プライバシー・コントロールを送信しています。データの販売や共有を伴う目的は、"
            "ご自身で有効にしない限り無効のままです。"},
    {"blocked", "このコンテンツは{host}のもので、「{purpose}」を許可するまで表示されません。"},
    {"load_once", "今回だけ表示する"},
    {"always_allow", "常に許可する"},
}};

}  // namespace

void WriteTexts(JsonWriter& w, std::string_view locale) {
  const auto& texts = locale == "ja" ? kJapanese : kEnglish;
  w.BeginObject();
  for (const auto& [key, text] : texts) w.Key(key).String(text);
  w.EndObject();
}

}  // namespace optin::embed
