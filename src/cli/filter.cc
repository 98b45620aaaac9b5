// filter: the consent stream filter over JSON Lines (optin/enforce.h).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "optin/enforce.h"
#include "src/cli/cli.h"
#include "src/common/json_writer.h"

namespace optin::cli {
namespace {

// A line longer than this is not read into memory whole: it is rejected.
constexpr size_t kMaxLineBytes = 64 * 1024 * 1024;

void WriteStats(std::ostream& out, const Enforcer& e, uint64_t too_long) {
  const FilterStats& s = e.stats();
  JsonWriter w;
  w.BeginObject().Key("snapshot_seq").Uint(e.snapshot_seq()).Key("records").Uint(s.records + too_long);
  w.Key("bytes").Uint(s.bytes).Key("kept").Uint(s.kept).Key("redacted").Uint(s.redacted);
  w.Key("dropped").Uint(s.dropped).Key("no_subject").Uint(s.no_subject).Key("malformed").Uint(s.malformed + too_long);
  w.Key("fields_redacted").Uint(s.fields_redacted).Key("denied_by_reason").BeginObject();
  for (size_t i = 0; i < s.denied_by_reason.size(); ++i) {
    if (s.denied_by_reason[i] > 0) w.Key(ReasonName(static_cast<Reason>(i))).Uint(s.denied_by_reason[i]);
  }
  w.EndObject().EndObject();
  out << w.str() << "\n";
}

}  // namespace

int RunFilter(const Globals& g, const FilterFlags& flags) {
  FilterOptions options;
  options.purpose = flags.purpose;
  options.subject_field = flags.subject_field;
  if (flags.mode == "drop") {
    options.mode = FilterMode::kDrop;
  } else if (flags.mode == "redact") {
    options.mode = FilterMode::kRedact;
  } else {
    return Fail(InvalidArgumentError("--mode must be `drop` or `redact`, not `" + flags.mode + "`"));
  }
  if (flags.format != "jsonl" && flags.format != "csv") {
    return Fail(InvalidArgumentError("--format must be `jsonl` or `csv`, not `" + flags.format + "`"));
  }
  const bool csv = flags.format == "csv";
  Result<std::unique_ptr<Engine>> engine = OpenEngine(g);
  if (!engine.ok()) return Fail(engine.status());
  Result<std::unique_ptr<Enforcer>> enforcer = Enforcer::Create(**engine, options);
  if (!enforcer.ok()) return Fail(enforcer.status());
  std::ofstream reject;
  if (!flags.reject_file.empty()) {
    reject.open(flags.reject_file, std::ios::binary | std::ios::trunc);
    if (!reject) return Fail(UnavailableError("cannot write `" + flags.reject_file + "`"));
  }
  std::ios::sync_with_stdio(false);
  std::string line, record, out, why;
  uint64_t number = 0, too_long = 0;
  // On a terminal, a progress line on stderr twice a second.
  const bool terminal = isatty(STDERR_FILENO);
  const auto started = std::chrono::steady_clock::now();
  auto last_shown = started;
  auto progress = [&] {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_shown < std::chrono::milliseconds(500)) return;
    last_shown = now;
    const FilterStats& s = (*enforcer)->stats();
    const double seconds = std::chrono::duration<double>(now - started).count();
    std::fprintf(stderr, "\roptin filter: %.1f MB, %.0f records/s, %llu kept, %llu redacted, %llu dropped   ",
                 static_cast<double>(s.bytes) / 1e6, static_cast<double>(s.records) / seconds,
                 static_cast<unsigned long long>(s.kept), static_cast<unsigned long long>(s.redacted),
                 static_cast<unsigned long long>(s.dropped + s.no_subject + s.malformed));
  };
  // Reads one line, refusing to hold more than kMaxLineBytes of it; false at the end.
  auto read_line = [&](std::istream& in, bool& cut) {
    line.clear();
    cut = false;
    char c;
    bool any = false;
    while (in.get(c)) {
      any = true;
      if (c == '\n') break;
      if (line.size() < kMaxLineBytes) line += c;
      else cut = true;
    }
    if (any) ++number;
    return any;
  };
  auto run = [&](std::istream& in, const std::string& name) -> Status {
    bool header_done = !csv;
    while (true) {
      bool cut = false;
      if (!read_line(in, cut)) break;
      const uint64_t first_line = number;
      record = line;
      // A CSV cell in quotes may hold line breaks: a record ends where its quotes balance.
      while (csv && !cut && std::count(record.begin(), record.end(), '"') % 2 == 1 && record.size() < kMaxLineBytes &&
             read_line(in, cut)) {
        record += '\n';
        record += line;
      }
      std::string_view ending = "\n";
      if (!record.empty() && record.back() == '\r') {
        record.pop_back();
        ending = "\r\n";
      }
      if (record.empty()) continue;
      if (cut || record.size() > kMaxLineBytes) {
        ++too_long;
        if (reject) reject << name << ":" << first_line << ": longer than 64 MiB\n";
        continue;
      }
      if (!header_done) {
        OPTIN_RETURN_IF_ERROR((*enforcer)->SetCsvHeader(record));
        std::cout << record << ending;
        header_done = true;
        continue;
      }
      if (terminal && ((*enforcer)->stats().records & 4095) == 0) progress();
      out.clear();
      const RecordOutcome o = csv ? (*enforcer)->FilterCsvRow(record, out, &why) : (*enforcer)->FilterJson(record, out, &why);
      if (o == RecordOutcome::kKept || o == RecordOutcome::kRedacted) {
        std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
        std::cout << ending;
      } else if (o == RecordOutcome::kMalformed && reject) {
        reject << name << ":" << first_line << ": " << why << "\t" << record << "\n";
      }
    }
    if (!header_done) return InvalidArgumentError(name + ": no CSV header row");
    return OkStatus();
  };
  if (flags.files.empty()) {
    if (Status s = run(std::cin, "stdin"); !s.ok()) return Fail(s);
  } else {
    for (const std::string& f : flags.files) {
      std::ifstream in(f, std::ios::binary);
      if (!in) return Fail(NotFoundError("cannot read `" + f + "`"));
      number = 0;
      if (Status s = run(in, f); !s.ok()) return Fail(s);
    }
  }
  std::cout.flush();
  if (!std::cout) return Fail(UnavailableError("could not write the output"));
  const FilterStats& s = (*enforcer)->stats();
  if (terminal && s.records >= 4096) std::cerr << "\n";
  if (flags.stats) {
    WriteStats(std::cerr, **enforcer, too_long);
  } else {
    std::cerr << "optin filter: " << (s.records + too_long) << " records in, " << s.kept << " kept, " << s.redacted
              << " redacted (" << s.fields_redacted << " fields), " << s.dropped << " dropped, " << s.no_subject
              << " without a subject, " << (s.malformed + too_long) << " malformed; snapshot at event "
              << (*enforcer)->snapshot_seq() << "\n";
  }
  return kExitOk;
}

}  // namespace optin::cli
