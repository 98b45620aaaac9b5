// The body of a choice the embed posts (docs/embed.md, "Recording a choice").
#include <algorithm>

#include "src/common/json_reader.h"
#include "src/embed/embed.h"

namespace optin::embed {
namespace {

// Longest idempotency key taken (the embed makes 22 characters).
constexpr size_t kMaxKeyBytes = 64;

Status ReadPurposes(const json::Value& list, const Catalog& catalog, const Property& property,
                    const VisitorChoice& so_far, std::vector<std::string>& out) {
  return list.ForEachItem([&](const json::Value& item) -> Status {
    OPTIN_ASSIGN_OR_RETURN(std::string id, item.String());
    const bool shown = std::find(property.purposes.begin(), property.purposes.end(), id) != property.purposes.end();
    const Purpose* p = catalog.FindPurpose(id);
    if (!shown || !p) {
      return item.Error("names `" + id + "`, which property `" + property.id + "` does not show");
    }
    if (p->basis != Basis::kConsent) {
      return item.Error("names `" + id + "`, which is necessary to provide the service: there is nothing to choose");
    }
    auto named = [&](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), id) != v.end(); };
    if (named(so_far.granted) || named(so_far.declined)) return item.Error("names `" + id + "` a second time");
    out.push_back(std::move(id));
    return OkStatus();
  });
}

}  // namespace

Result<VisitorChoice> ParseVisitorChoice(std::string_view body, const Catalog& catalog, const Property& property) {
  OPTIN_ASSIGN_OR_RETURN(json::Document doc, json::Document::ParseObject(body, "the choice"));
  VisitorChoice out;
  bool has_key = false;
  OPTIN_RETURN_IF_ERROR(doc.root().ForEachMember([&](std::string_view key, const json::Value& v) -> Status {
    if (key == "granted") return ReadPurposes(v, catalog, property, out, out.granted);
    if (key == "declined") return ReadPurposes(v, catalog, property, out, out.declined);
    if (key == "key") {
      OPTIN_ASSIGN_OR_RETURN(out.key, v.String());
      const bool ok = !out.key.empty() && out.key.size() <= kMaxKeyBytes &&
                      std::all_of(out.key.begin(), out.key.end(), [](char ch) {
                        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                               ch == '-' || ch == '_';
                      });
      if (!ok) return v.Error("must be 1 to 64 letters, digits, `-` or `_`");
      has_key = true;
      return OkStatus();
    }
    // The plain fields, each read into its place.
    const std::pair<std::string_view, std::string*> texts[] = {{"notices", &out.notices}, {"locale", &out.locale}};
    const std::pair<std::string_view, bool*> flags[] = {
        {"gpc", &out.gpc}, {"gpc_conflict_acknowledged", &out.gpc_conflict_acknowledged}};
    for (const auto& [name, field] : texts) {
      if (key != name) continue;
      OPTIN_ASSIGN_OR_RETURN(*field, v.String());
      return OkStatus();
    }
    for (const auto& [name, field] : flags) {
      if (key != name) continue;
      OPTIN_ASSIGN_OR_RETURN(*field, v.Bool());
      return OkStatus();
    }
    return v.UnknownKey();
  }));
  if (!has_key) return InvalidArgumentError("the choice needs `key`, an idempotency key");
  if (out.granted.empty() && out.declined.empty()) {
    return InvalidArgumentError("the choice names no purpose: give `granted`, `declined` or both");
  }
  return out;
}

}  // namespace optin::embed
