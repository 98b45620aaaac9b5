// Fuzz target: records read by the stream filter (optin filter, Enforcer).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "optin/enforce.h"

namespace {

// One engine with a catalog whose purpose redacts nested fields, and one
// customer who agreed to it.
optin::Enforcer& Filter(bool redact) {
  static std::unique_ptr<optin::Engine> engine = [] {
    auto e = optin::Engine::Open(optin::NewMemoryStore(), {});
    auto catalog = optin::ParseCatalog(R"(organization: {name: F}
locales: [en]
data_categories:
  c: {title: C, description: D, fields: [url, page.title, a.b.c]}
purposes:
  p: {basis: consent, title: T, description: D, benefit: B, data: [c], retention: P1Y}
)", "fuzz.yaml");
    optin::WriteContext ctx{.channel = "api", .actor = "fuzz", .evidence = ""};
    (void)(*e)->Publish(*catalog, {}, ctx);
    (void)(*e)->Grant("alice", std::vector<std::string>{"p"}, ctx);
    return std::move(*e);
  }();
  static auto drop = optin::Enforcer::Create(*engine, {.purpose = "p"});
  static auto red = optin::Enforcer::Create(*engine, {.purpose = "p", .mode = optin::FilterMode::kRedact});
  return redact ? **red : **drop;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view record(reinterpret_cast<const char*>(data), size);
  // The record in a buffer with padding after it, as `optin filter` reads.
  std::string buffer(record);
  buffer.append(optin::Enforcer::kRecordPadding, '"');
  for (int run = 0; run < 4; ++run) {
    const bool redact = run & 1, padded = run & 2;
    std::string out;
    const optin::RecordOutcome o = padded ? Filter(redact).FilterPaddedJson(std::string_view(buffer).substr(0, size), out)
                                          : Filter(redact).FilterJson(record, out);
    // Kept is byte for byte; nothing else but a redaction writes anything.
    if (o == optin::RecordOutcome::kKept && out != record) __builtin_trap();
    if (o != optin::RecordOutcome::kKept && o != optin::RecordOutcome::kRedacted && !out.empty()) __builtin_trap();
    // A redacted record is itself a well-formed record of the same subject.
    if (o == optin::RecordOutcome::kRedacted) {
      std::string again;
      if (Filter(true).FilterJson(out, again) != optin::RecordOutcome::kRedacted || again != out) __builtin_trap();
    }
  }
  return 0;
}
