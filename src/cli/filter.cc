// filter: the consent stream filter over JSON Lines (optin/enforce.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>

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

// Hands out the lines of a file descriptor in place, read in large blocks.
// Each line is followed by Enforcer::kRecordPadding readable bytes, so that
// records are parsed where they lie.
class LineReader {
 public:
  // `before_read` runs before each read(2) that may block (the caller
  // flushes what it has, so that a live stream is not held back).
  LineReader(int fd, std::function<Status()> before_read)
      : fd_(fd), before_read_(std::move(before_read)), buffer_(kBlockBytes + Enforcer::kRecordPadding) {}

  // The next line, without its '\n', valid until the next call; false at
  // the end. A line longer than kMaxLineBytes is not held: it is skipped and
  // comes back empty with `cut` set. Each byte is searched once, however
  // long the line and however little each read(2) returns.
  Result<bool> Next(std::string_view& line, bool& cut) {
    cut = false;
    while (true) {
      const char* data = buffer_.data();
      if (const void* nl = std::memchr(data + scanned_, '\n', end_ - scanned_)) {
        const size_t at = static_cast<size_t>(static_cast<const char*>(nl) - data);
        line = std::string_view(data + begin_, at - begin_);
        begin_ = scanned_ = at + 1;
        return Line(line, cut);
      }
      scanned_ = end_;
      if (eof_) {
        if (begin_ == end_ && !cutting_) return false;
        line = std::string_view(data + begin_, end_ - begin_);
        begin_ = end_;
        return Line(line, cut);
      }
      if (end_ - begin_ > kMaxLineBytes) {
        cutting_ = true;  // forget the start of a line too long to hold
        begin_ = scanned_ = end_ = 0;
      } else if (begin_ > 0) {
        std::memmove(buffer_.data(), data + begin_, end_ - begin_);
        end_ -= begin_;
        scanned_ = end_;
        begin_ = 0;
      }
      if (buffer_.size() - Enforcer::kRecordPadding - end_ < kBlockBytes) {
        buffer_.resize(std::max(buffer_.size() * 2, end_ + kBlockBytes + Enforcer::kRecordPadding));
      }
      OPTIN_RETURN_IF_ERROR(before_read_());
      const ssize_t n = read(fd_, buffer_.data() + end_, buffer_.size() - Enforcer::kRecordPadding - end_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return UnavailableError(std::string("cannot read: ") + std::strerror(errno));
      if (n == 0) eof_ = true;
      end_ += static_cast<size_t>(n);
    }
  }

 private:
  static constexpr size_t kBlockBytes = 1 << 20;
  bool Line(std::string_view& line, bool& cut) {
    if (cutting_) {
      cutting_ = false;
      cut = true;
      line = {};
    }
    return true;
  }
  int fd_;
  std::function<Status()> before_read_;
  std::vector<char> buffer_;  // zero-filled, so the padding is initialised
  size_t begin_ = 0, scanned_ = 0, end_ = 0;  // scanned_: bytes from begin_ on searched for '\n'
  bool eof_ = false, cutting_ = false;
};

// One input, opened before any is read: a missing or unreadable file stops
// the command before anything is written.
struct Input {
  std::string name;
  int fd = -1;
};

Result<std::vector<Input>> OpenInputs(const std::vector<std::string>& files) {
  std::vector<Input> inputs;
  auto close_all = [&inputs] {
    for (const Input& in : inputs) {
      if (in.fd != STDIN_FILENO) close(in.fd);
    }
  };
  if (files.empty()) return std::vector<Input>{{"stdin", STDIN_FILENO}};
  for (const std::string& f : files) {
    if (f == "-") {
      inputs.push_back({"stdin", STDIN_FILENO});
      continue;
    }
    const int fd = open(f.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
      const std::string why = fd < 0 ? std::strerror(errno) : "it is a directory";
      if (fd >= 0) close(fd);
      close_all();
      return NotFoundError("cannot read `" + f + "`: " + why);
    }
    inputs.push_back({f, fd});
  }
  return inputs;
}

// Whether `path` names the same file as one of the inputs (writing rejects
// there would destroy the input).
bool IsAnInput(const std::string& path, const std::vector<Input>& inputs) {
  struct stat target;
  if (stat(path.c_str(), &target) != 0 || !S_ISREG(target.st_mode)) return false;
  for (const Input& in : inputs) {
    struct stat st;
    if (fstat(in.fd, &st) == 0 && st.st_dev == target.st_dev && st.st_ino == target.st_ino) return true;
  }
  return false;
}

// Output collected in a large buffer and written with write(2).
class Output {
 public:
  std::string& buffer() { return buffer_; }
  Status FlushIfFull() { return buffer_.size() >= kFlushBytes ? Flush() : OkStatus(); }
  Status Flush() {
    size_t done = 0;
    while (done < buffer_.size()) {
      const ssize_t n = write(STDOUT_FILENO, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return UnavailableError(std::string("could not write the output: ") + std::strerror(errno));
      done += static_cast<size_t>(n);
    }
    buffer_.clear();
    return OkStatus();
  }

 private:
  static constexpr size_t kFlushBytes = 1 << 20;
  std::string buffer_;
};

}  // namespace

CommandResult RunFilter(const Globals& g, const FilterFlags& flags) {
  FilterOptions options;
  options.purpose = flags.purpose;
  options.recipient = flags.recipient;
  options.subject_field = flags.subject_field;
  if (flags.mode == "drop") {
    options.mode = FilterMode::kDrop;
  } else if (flags.mode == "redact") {
    options.mode = FilterMode::kRedact;
  } else {
    return InvalidArgumentError("--mode must be `drop` or `redact`, not `" + flags.mode + "`");
  }
  if (flags.format != "jsonl" && flags.format != "csv") {
    return InvalidArgumentError("--format must be `jsonl` or `csv`, not `" + flags.format + "`");
  }
  const bool csv = flags.format == "csv";
  OPTIN_ASSIGN_OR_RETURN(std::vector<Input> inputs, OpenInputs(flags.files));
  struct CloseInputs {
    std::vector<Input>& inputs;
    ~CloseInputs() {
      for (const Input& in : inputs) {
        if (in.fd != STDIN_FILENO) close(in.fd);
      }
    }
  } close_inputs{inputs};
  if (!flags.reject_file.empty() && IsAnInput(flags.reject_file, inputs)) {
    return InvalidArgumentError("--reject `" + flags.reject_file + "` is one of the inputs");
  }
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Enforcer> enforcer, Enforcer::Create(*engine, options));
  std::ofstream reject;
  if (!flags.reject_file.empty()) {
    reject.open(flags.reject_file, std::ios::binary | std::ios::trunc);
    if (!reject) return UnavailableError("cannot write `" + flags.reject_file + "`");
  }
  std::string record, why;
  std::optional<std::string> csv_header;  // the first file's: later files must have the same
  Output output;
  uint64_t number = 0, too_long = 0;
  // On a terminal, a progress line on stderr twice a second.
  const bool terminal = isatty(STDERR_FILENO);
  const auto started = std::chrono::steady_clock::now();
  auto last_shown = started;
  auto progress = [&] {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_shown < std::chrono::milliseconds(500)) return;
    last_shown = now;
    const FilterStats& s = (enforcer)->stats();
    const double seconds = std::chrono::duration<double>(now - started).count();
    std::fprintf(stderr, "\roptin filter: %.1f MB, %.0f records/s, %llu kept, %llu redacted, %llu dropped   ",
                 static_cast<double>(s.bytes) / 1e6, static_cast<double>(s.records) / seconds,
                 static_cast<unsigned long long>(s.kept), static_cast<unsigned long long>(s.redacted),
                 static_cast<unsigned long long>(s.dropped + s.no_subject + s.malformed));
  };
  auto odd_quotes = [](std::string_view text) { return std::count(text.begin(), text.end(), '"') % 2 == 1; };
  auto run = [&](const Input& input) -> Status {
    const std::string& name = input.name;
    // What passed goes out before the reader waits for more input.
    LineReader lines(input.fd, [&output] { return output.Flush(); });
    bool header_done = !csv, first = true;
    while (true) {
      std::string_view line;
      bool cut = false;
      Result<bool> more = lines.Next(line, cut);
      if (!more.ok()) return UnavailableError("`" + name + "`: " + more.status().message());
      if (!*more) break;
      const uint64_t first_line = ++number;
      if (first && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // a UTF-8 byte order mark
      first = false;
      std::string_view view = line;
      // A CSV cell in quotes may hold line breaks: a record ends where its
      // quotes balance (counted line by line, so each byte once).
      if (csv && !cut && odd_quotes(line)) {
        record.assign(line);
        bool open = true;
        while (open && !cut && record.size() < kMaxLineBytes) {
          Result<bool> next = lines.Next(line, cut);
          if (!next.ok()) return UnavailableError("`" + name + "`: " + next.status().message());
          if (!*next) break;
          ++number;
          record += '\n';
          record += line;
          open = open != odd_quotes(line);
        }
        view = record;
      }
      std::string_view ending = "\n";
      if (!view.empty() && view.back() == '\r') {
        view.remove_suffix(1);
        ending = "\r\n";
      }
      // Blank lines (nothing, or only spaces and tabs) separate nothing: skipped.
      if (!cut && view.find_first_not_of(" \t") == std::string_view::npos) continue;
      if (cut || view.size() > kMaxLineBytes) {
        ++too_long;
        if (reject) reject << name << ":" << first_line << ": longer than 64 MiB\n";
        continue;
      }
      std::string& out = output.buffer();
      if (!header_done) {
        header_done = true;
        if (csv_header) {
          if (*csv_header != view) return InvalidArgumentError("`" + name + "`: the CSV header differs from the first input's");
          continue;  // written once, for the first input
        }
        if (Status s = (enforcer)->SetCsvHeader(view); !s.ok()) {
          return InvalidArgumentError("`" + name + "`: " + s.message());
        }
        csv_header = std::string(view);
        out.append(view).append(ending);
        continue;
      }
      if (terminal && ((enforcer)->stats().records & 4095) == 0) progress();
      // A JSON record is a line in the reader's padded buffer.
      const RecordOutcome o =
          csv ? (enforcer)->FilterCsvRow(view, out, &why) : (enforcer)->FilterPaddedJson(view, out, &why);
      if (o == RecordOutcome::kKept || o == RecordOutcome::kRedacted) {
        out.append(ending);
        OPTIN_RETURN_IF_ERROR(output.FlushIfFull());
      } else if (o == RecordOutcome::kMalformed && reject) {
        reject << name << ":" << first_line << ": " << why << "\t" << view << "\n";
      }
    }
    if (!header_done) return InvalidArgumentError("`" + name + "`: no CSV header row");
    return OkStatus();
  };
  Status ran = OkStatus();
  for (const Input& input : inputs) {
    number = 0;
    ran = run(input);
    if (!ran.ok()) break;
  }
  // An error found after records passed (a read error, a later CSV header
  // that differs) stops the run; what was written stays written.
  const Status flushed = output.Flush();
  OPTIN_RETURN_IF_ERROR(ran);
  OPTIN_RETURN_IF_ERROR(flushed);
  const FilterStats s = enforcer->stats();
  const uint64_t snapshot = enforcer->snapshot_seq();
  if (terminal && s.records >= 4096) std::cerr << "\n";
  if (flags.stats) WriteStats(std::cerr, *enforcer, too_long);
  // What the customers see as usage (docs/usage.md): the Enforcer hands its
  // counts over when it goes.
  enforcer.reset();
  if (Status kept = engine->FlushUsage(); !kept.ok()) {
    return Status(kept.code(), "the records were filtered, but their usage could not be kept: " + kept.message());
  }
  if (!flags.stats) {
    std::cerr << "optin filter: " << (s.records + too_long) << " records in, " << s.kept << " kept, " << s.redacted
              << " redacted (" << s.fields_redacted << " fields), " << s.dropped << " dropped, " << s.no_subject
              << " without a subject, " << (s.malformed + too_long) << " malformed; snapshot at event "
              << snapshot << "\n";
  }
  return kExitOk;
}

}  // namespace optin::cli
