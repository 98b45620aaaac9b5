// Catalog publications: what a new catalog changes, what is refused as a
// material change called editorial, and the publication event's payload
// (docs/ledger_format.md, docs/notice_version.md).
#include <algorithm>

#include "src/catalog/notice_diff.h"
#include "src/common/bytes.h"
#include "src/engine/engine_impl.h"

namespace optin {

// DO NOT CHANGE: the payload of publication events (docs/ledger_format.md).
std::string EncodePublication(const Catalog& catalog, const std::vector<std::string>& editorial,
                              const std::vector<TextChange>& texts) {
  ByteWriter w;
  w.U32(static_cast<uint32_t>(editorial.size()));
  for (const auto& id : editorial) w.Field(id);
  w.Field(catalog.source);
  w.U32(static_cast<uint32_t>(texts.size()));
  for (const TextChange& t : texts) {
    w.Field(t.purpose);
    w.Field(t.field);
    w.Field(t.locale);
    w.Field(t.diff);
  }
  return std::move(w).Take();
}

Result<Publication> DecodePublication(const Event& e) {
  ByteReader r(e.payload);
  Publication out;
  uint32_t n;
  auto bad = [&] { return DataLossError("event " + std::to_string(e.seq) + ": damaged publication payload"); };
  if (!r.U32(n)) return bad();
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view id;
    if (!r.Field(id)) return bad();
    out.editorial.emplace_back(id);
  }
  std::string_view source;
  if (!r.Field(source)) return bad();
  out.source = source;
  if (r.AtEnd()) return out;
  if (!r.U32(n)) return bad();
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view purpose, field, locale, diff;
    if (!r.Field(purpose) || !r.Field(field) || !r.Field(locale) || !r.Field(diff)) return bad();
    out.texts.push_back({std::string(purpose), std::string(field), std::string(locale), std::string(diff)});
  }
  if (!r.AtEnd()) return bad();
  return out;
}

Result<PublishResult> Engine::Publish(const Catalog& catalog, const std::vector<std::string>& editorial,
                                      const WriteContext& context) {
  OPTIN_RETURN_IF_ERROR(ValidateChannel(context.channel));
  for (const auto& id : editorial) {
    if (!catalog.FindPurpose(id)) {
      return InvalidArgumentError("`" + id + "` is listed as editorial but is not a purpose in the catalog");
    }
  }
  PublishResult result;
  auto before = impl_->Current();
  // Every purpose ever published keeps its number in the index.
  size_t numbered = impl_->index.purposes().purposes.size();
  for (const Purpose& p : catalog.purposes) numbered += !impl_->index.purposes().by_id.contains(p.id);
  if (numbered > internal::Index::kMaxPurposes) {
    return InvalidArgumentError("this catalog would make " + std::to_string(numbered) +
                                " purposes ever published; a store holds at most " +
                                std::to_string(internal::Index::kMaxPurposes));
  }
  std::string refused;  // every purpose whose publication is refused, with why
  for (const Purpose& p : catalog.purposes) {
    const Purpose* old = before ? before->FindPurpose(p.id) : nullptr;
    const bool is_editorial = std::find(editorial.begin(), editorial.end(), p.id) != editorial.end();
    if (!old) {
      result.added.push_back(p.id);
      continue;
    }
    NoticeChanges changes = CompareNotices(*before, *old, catalog, p);
    auto refuse = [&](const std::string& why) { refused += "\n  `" + p.id + "`: " + why; };
    auto joined = [](const std::vector<std::string>& items) {
      std::string out;
      for (const auto& item : items) out += (out.empty() ? "" : "; ") + item;
      return out;
    };
    if (old->notice_version == p.notice_version) {
      // A mapping that grants more must be said in the notice first.
      if (changes.signals_grant_more) {
        refuse(joined(changes.material) + ", but its notice is unchanged: say in the notice what the mapping "
               "implies, then publish (earlier consents lapse)");
      }
      result.unchanged.push_back(p.id);
      continue;
    }
    if (is_editorial && !changes.material.empty()) {
      refuse(joined(changes.material) +
             " (material whatever the publisher says: publish it as changed, not editorial, so that earlier "
             "consents lapse)");
    }
    (is_editorial ? result.editorial : result.changed).push_back(p.id);
    for (const auto* list : {&changes.material, &changes.other}) {
      for (const std::string& note : *list) result.notes.push_back("`" + p.id + "`: " + note);
    }
    for (TextChange& t : changes.texts) result.texts.push_back(std::move(t));
  }
  if (!refused.empty()) {
    return Status(StatusCode::kFailedPrecondition, "nothing was published:" + refused, "material_change");
  }
  if (before) {
    for (const Purpose& p : before->purposes) {
      if (!catalog.FindPurpose(p.id)) result.removed.push_back(p.id);
    }
  }
  internal::EventDraft d;
  d.action = Action::kPublish;
  d.channel = context.channel;
  d.actor = context.actor;
  // Only purposes whose text changed can carry consents over.
  d.payload = EncodePublication(catalog, result.editorial, result.texts);
  OPTIN_ASSIGN_OR_RETURN(std::vector<Event> events, impl_->writer->Append({std::move(d)}));
  result.seq = events.front().seq;
  return result;
}

Result<std::vector<PublicationRecord>> Engine::Publications() {
  absl::MutexLock lock(&impl_->publications_mu);
  return impl_->publications;
}

void Engine::Impl::RecordPublication(const Event& e, const Catalog& next, Publication pub) {
  PublicationRecord r{e.seq, e.time, e.actor, {}, {}, std::move(pub.editorial), {}, std::move(pub.texts)};
  auto before = Current();
  for (const Purpose& p : next.purposes) {
    const Purpose* old = before ? before->FindPurpose(p.id) : nullptr;
    if (!old) {
      r.added.push_back(p.id);
    } else if (old->notice_version != p.notice_version &&
               std::find(r.editorial.begin(), r.editorial.end(), p.id) == r.editorial.end()) {
      r.changed.push_back(p.id);
    }
  }
  if (before) {
    for (const Purpose& p : before->purposes) {
      if (!next.FindPurpose(p.id)) r.removed.push_back(p.id);
    }
  }
  absl::MutexLock lock(&publications_mu);
  publications.push_back(std::move(r));
}

}  // namespace optin
