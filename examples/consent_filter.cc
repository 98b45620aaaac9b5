// An example of embedding the consent stream filter in a stream consumer:
// reads JSON Lines from stdin, writes to stdout only the records whose
// subject agreed to the purpose (the fields of the purpose's data categories
// removed from the others), and reports on stderr.
//
//   build/examples/consent_filter optin.db ad_targeting < clicks.jsonl > allowed.jsonl
#include <iostream>
#include <string>

#include "optin/enforce.h"
#include "optin/engine.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: consent_filter STORE PURPOSE < records.jsonl\n";
    return 2;
  }
  optin::EngineOptions options;
  options.store = argv[1];
  auto engine = optin::Engine::Open(std::move(options));
  if (!engine.ok()) {
    std::cerr << engine.status().message() << "\n";
    return 3;
  }
  auto enforcer = optin::Enforcer::Create(**engine, {.purpose = argv[2], .mode = optin::FilterMode::kRedact});
  if (!enforcer.ok()) {
    std::cerr << enforcer.status().message() << "\n";
    return 3;
  }
  std::string line, out;
  while (std::getline(std::cin, line)) {
    out.clear();
    const optin::RecordOutcome o = (*enforcer)->FilterJson(line, out);
    if (o == optin::RecordOutcome::kKept || o == optin::RecordOutcome::kRedacted) std::cout << out << '\n';
  }
  const optin::FilterStats& s = (*enforcer)->stats();
  std::cerr << s.kept << " kept, " << s.redacted << " redacted, " << (s.dropped + s.no_subject + s.malformed)
            << " dropped, as of ledger event " << (*enforcer)->snapshot_seq() << "\n";
  return 0;
}
