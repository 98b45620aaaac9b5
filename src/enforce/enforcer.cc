// The consent stream filter (optin/enforce.h). Records are validated with
// simdjson (which stays inside this file); a redacted record is rebuilt from
// byte ranges of the original by a small scanner over the validated text, so
// what is kept of it is never re-serialised.
#include "optin/enforce.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <set>

#include "src/common/json_keys.h"
#include "src/common/utf8.h"

namespace optin {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    out.emplace_back(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

// ---- A scanner over text simdjson has already validated.

void SkipSpace(std::string_view t, size_t& p) {
  while (p < t.size() && (t[p] == ' ' || t[p] == '\t' || t[p] == '\n' || t[p] == '\r')) ++p;
}

// At a '"': moves past the closing quote, which is the first '"' after
// an even run of backslashes.
void SkipString(std::string_view t, size_t& p) {
  ++p;
  while (true) {
    const void* quote = std::memchr(t.data() + p, '"', t.size() - p);
    if (!quote) {
      p = t.size();
      return;
    }
    const size_t at = static_cast<size_t>(static_cast<const char*>(quote) - t.data());
    size_t run = at;
    while (run > p && t[run - 1] == '\\') --run;  // t[p - 1] is a quote, never a backslash
    p = at + 1;
    if ((at - run) % 2 == 0) return;
  }
}

// The bytes a scan through an object or array must stop at.
constexpr std::array<bool, 256> kStructural = [] {
  std::array<bool, 256> table{};
  for (unsigned char c : {'"', '{', '}', '[', ']'}) table[c] = true;
  return table;
}();

void SkipValue(std::string_view t, size_t& p) {
  if (t[p] == '"') return SkipString(t, p);
  if (t[p] == '{' || t[p] == '[') {
    int depth = 0;
    while (p < t.size()) {
      const char c = t[p];
      if (!kStructural[static_cast<unsigned char>(c)]) {
        ++p;
        continue;
      }
      if (c == '"') {
        SkipString(t, p);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) {
        ++p;
        return;
      }
      ++p;
    }
    return;
  }
  // A number, true, false or null.
  while (p < t.size() && t[p] != ',' && t[p] != '}' && t[p] != ']' && t[p] != ' ' && t[p] != '\t' && t[p] != '\n' &&
         t[p] != '\r') {
    ++p;
  }
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// The unescaped text of the (validated) string between its quotes.
std::string Unescape(std::string_view raw) {
  if (raw.find('\\') == std::string_view::npos) return std::string(raw);
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out += raw[i];
      continue;
    }
    const char e = raw[++i];
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t cp = static_cast<uint32_t>(std::stoul(std::string(raw.substr(i + 1, 4)), nullptr, 16));
        i += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < raw.size() + 1 && raw.substr(i + 1, 2) == "\\u") {
          const uint32_t low = static_cast<uint32_t>(std::stoul(std::string(raw.substr(i + 3, 4)), nullptr, 16));
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          i += 6;
        }
        AppendUtf8(out, cp);
        break;
      }
      default: out += e;  // " \ /
    }
  }
  return out;
}

// The fields redaction removes, as a tree of keys: `page.title` and
// `page.referrer` are two leaves under `page`.
struct FieldNode {
  std::string key;
  bool whole = false;  // the member goes, whatever is inside
  std::vector<FieldNode> inner;
};

void AddField(std::vector<FieldNode>& nodes, const std::vector<std::string>& path, size_t depth) {
  auto it = std::find_if(nodes.begin(), nodes.end(), [&](const FieldNode& n) { return n.key == path[depth]; });
  if (it == nodes.end()) it = nodes.insert(nodes.end(), FieldNode{path[depth], false, {}});
  if (depth + 1 == path.size()) {
    it->whole = true;
  } else {
    AddField(it->inner, path, depth + 1);
  }
}

const FieldNode* FindField(const std::vector<FieldNode>& nodes, std::string_view key) {
  for (const FieldNode& n : nodes) {
    if (n.key.size() == key.size() && std::memcmp(n.key.data(), key.data(), key.size()) == 0) return &n;
  }
  return nullptr;
}

// Copies the object at t[p] to `out` without the members `remove` names,
// going into nested objects for deeper fields. Returns the number of
// members removed.
uint64_t CopyWithout(std::string_view t, size_t& p, const std::vector<FieldNode>& remove, std::string& out) {
  uint64_t removed = 0;
  out += '{';
  ++p;  // '{'
  bool first = true;
  while (true) {
    SkipSpace(t, p);
    if (t[p] == '}') {
      ++p;
      break;
    }
    const size_t key_begin = p;
    SkipString(t, p);
    std::string_view key = t.substr(key_begin + 1, p - key_begin - 2);
    std::string unescaped;  // only for keys that hold escapes
    if (key.find('\\') != std::string_view::npos) {
      unescaped = Unescape(key);
      key = unescaped;
    }
    SkipSpace(t, p);
    ++p;  // ':'
    SkipSpace(t, p);
    const FieldNode* field = FindField(remove, key);
    // A redacted field goes, and so does a member that should hold one but
    // is not an object (an array, a string): nothing of it is let through.
    if (field && (field->whole || t[p] != '{')) {
      SkipValue(t, p);
      ++removed;
    } else {
      if (!first) out += ',';
      first = false;
      if (field) {
        out.append(t.substr(key_begin, p - key_begin));
        removed += CopyWithout(t, p, field->inner, out);
      } else {
        SkipValue(t, p);
        out.append(t.substr(key_begin, p - key_begin));
      }
    }
    SkipSpace(t, p);
    if (t[p] == ',') ++p;
  }
  out += '}';
  return removed;
}

}  // namespace

struct Enforcer::Impl {
  simdjson::dom::parser parser;
  std::vector<FieldNode> redacted;  // fields_ as a tree
};

Enforcer::Enforcer(const Engine& engine, FilterOptions options)
    : engine_(engine), options_(std::move(options)), impl_(std::make_unique<Impl>()) {}
Enforcer::~Enforcer() {
  // The denials of the run, counted by reason, to the engine's usage.
  for (size_t i = 0; i < kReasonCount; ++i) {
    engine_.NoteDenied(options_.purpose, options_.recipient, static_cast<Reason>(i), stats_.denied_by_reason[i], now_);
  }
}

Result<std::unique_ptr<Enforcer>> Enforcer::Create(const Engine& engine, FilterOptions options) {
  if (options.subject_field.empty()) return InvalidArgumentError("the subject field is empty");
  for (const std::string& segment : SplitPath(options.subject_field)) {
    if (segment.empty()) {
      return InvalidArgumentError("the subject field `" + options.subject_field + "` has an empty part");
    }
  }
  auto catalog = engine.catalog();
  if (!catalog) return FailedPreconditionError("no catalog has been published yet");
  const Purpose* purpose = catalog->FindPurpose(options.purpose);
  if (!purpose) return NotFoundError("purpose `" + options.purpose + "` is not in the catalog in force");
  if (!options.recipient.empty() && !catalog->FindRecipient(options.recipient)) {
    return NotFoundError("recipient " + UnknownRecipient(*catalog, options.recipient));
  }
  const bool declared =
      options.recipient.empty() || std::any_of(purpose->recipients.begin(), purpose->recipients.end(),
                                               [&](const Recipient& r) { return r.id == options.recipient; });
  auto e = std::unique_ptr<Enforcer>(new Enforcer(engine, std::move(options)));
  e->subject_path_ = SplitPath(e->options_.subject_field);
  for (const std::string& id : purpose->data) {
    if (const DataCategory* c = catalog->FindCategory(id)) {
      for (const std::string& f : c->fields) {
        if (std::find(e->fields_.begin(), e->fields_.end(), f) == e->fields_.end()) e->fields_.push_back(f);
      }
    }
  }
  for (const std::string& f : e->fields_) AddField(e->impl_->redacted, SplitPath(f), 0);
  e->declared_ = declared;
  e->snapshot_seq_ = engine.last_seq();
  e->now_ = engine.Now();
  return e;
}

namespace {

// The cells of one CSV row as raw byte ranges; nullopt when a quote is not
// closed or is followed by anything but a comma.
std::optional<std::vector<std::string_view>> SplitCsv(std::string_view row) {
  std::vector<std::string_view> cells;
  size_t p = 0;
  while (true) {
    const size_t begin = p;
    if (p < row.size() && row[p] == '"') {
      ++p;
      while (true) {
        if (p >= row.size()) return std::nullopt;
        if (row[p] == '"') {
          if (p + 1 < row.size() && row[p + 1] == '"') {
            p += 2;
            continue;
          }
          ++p;
          break;
        }
        ++p;
      }
      if (p < row.size() && row[p] != ',') return std::nullopt;
    } else {
      while (p < row.size() && row[p] != ',') {
        if (row[p] == '"') return std::nullopt;
        ++p;
      }
    }
    cells.push_back(row.substr(begin, p - begin));
    if (p >= row.size()) return cells;
    ++p;  // ','
  }
}

std::string CsvValue(std::string_view cell) {
  if (cell.empty() || cell.front() != '"') return std::string(cell);
  std::string out;
  for (size_t i = 1; i + 1 < cell.size(); ++i) {
    out += cell[i];
    if (cell[i] == '"') ++i;  // "" stands for "
  }
  return out;
}

}  // namespace

Status Enforcer::SetCsvHeader(std::string_view header) {
  auto cells = SplitCsv(header);
  if (!cells) return InvalidArgumentError("the CSV header row is malformed");
  std::vector<std::string> names;
  for (std::string_view c : *cells) names.push_back(CsvValue(c));
  for (size_t i = 0; i < names.size(); ++i) {
    if (std::count(names.begin(), names.end(), names[i]) > 1) {
      return InvalidArgumentError("the CSV header names column `" + names[i] + "` twice");
    }
  }
  auto subject = std::find(names.begin(), names.end(), options_.subject_field);
  if (subject == names.end()) {
    return InvalidArgumentError("the CSV header has no column `" + options_.subject_field + "` for the subject");
  }
  csv_subject_ = static_cast<size_t>(subject - names.begin());
  csv_redact_.assign(names.size(), false);
  for (size_t i = 0; i < names.size(); ++i) {
    csv_redact_[i] = std::find(fields_.begin(), fields_.end(), names[i]) != fields_.end();
  }
  return OkStatus();
}

RecordOutcome Enforcer::FilterCsvRow(std::string_view row, std::string& out, std::string* why) {
  ++stats_.records;
  stats_.bytes += row.size();
  if (!IsValidUtf8(row)) {
    ++stats_.malformed;
    if (why) *why = "not valid UTF-8";
    return RecordOutcome::kMalformed;
  }
  auto cells = SplitCsv(row);
  if (!cells || cells->size() != csv_redact_.size()) {
    ++stats_.malformed;
    if (why) {
      *why = !cells ? "a quote is not closed or not followed by a comma"
                    : std::to_string(cells->size()) + " cells where the header has " + std::to_string(csv_redact_.size());
    }
    return RecordOutcome::kMalformed;
  }
  const std::string subject = CsvValue((*cells)[csv_subject_]);
  if (subject.empty()) {
    ++stats_.no_subject;
    return RecordOutcome::kNoSubject;
  }
  bool redact = false;
  const RecordOutcome o = Decided(subject, row, out, redact);
  if (!redact) return o;
  for (size_t i = 0; i < cells->size(); ++i) {
    if (i > 0) out += ',';
    if (csv_redact_[i] && !(*cells)[i].empty()) {
      ++stats_.fields_redacted;
    } else if (!csv_redact_[i]) {
      out.append((*cells)[i]);
    }
  }
  return RecordOutcome::kRedacted;
}

// Decides `subject`: a kept record is appended as it is; `redact` says the
// caller must write the redacted form (and the outcome is kRedacted).
RecordOutcome Enforcer::Decided(std::string_view subject, std::string_view record, std::string& out, bool& redact) {
  redact = false;
  Decision d = engine_.DecideAt(subject, options_.purpose, now_);
  if (d.allowed && !declared_) d = {false, Reason::kRecipientNotDeclared, d.event};
  if (d.reason == Reason::kGranted) engine_.NoteUse(subject, options_.purpose, options_.recipient, now_);
  if (d.allowed) {
    ++stats_.kept;
    out.append(record);
    return RecordOutcome::kKept;
  }
  ++stats_.denied_by_reason[static_cast<size_t>(d.reason)];
  if (options_.mode == FilterMode::kDrop) {
    ++stats_.dropped;
    return RecordOutcome::kDropped;
  }
  ++stats_.redacted;
  redact = true;
  return RecordOutcome::kRedacted;
}

static_assert(Enforcer::kRecordPadding >= simdjson::SIMDJSON_PADDING);

RecordOutcome Enforcer::FilterJson(std::string_view record, std::string& out, std::string* why) {
  return Json(record, /*padded=*/false, out, why);
}

RecordOutcome Enforcer::FilterPaddedJson(std::string_view record, std::string& out, std::string* why) {
  return Json(record, /*padded=*/true, out, why);
}

RecordOutcome Enforcer::Json(std::string_view record, bool padded, std::string& out, std::string* why) {
  ++stats_.records;
  stats_.bytes += record.size();
  auto malformed = [&](std::string message) {
    ++stats_.malformed;
    if (why) *why = std::move(message);
    return RecordOutcome::kMalformed;
  };
  simdjson::dom::element doc;
  if (auto error = impl_->parser.parse(record.data(), record.size(), /*realloc_if_needed=*/!padded).get(doc); error) {
    return malformed(std::string("not valid JSON: ") + simdjson::error_message(error));
  }
  simdjson::dom::object object;
  if (doc.get(object)) return malformed("not a JSON object");
  // A repeated key makes a record mean different things to different
  // readers: never pass one on.
  if (auto repeated = RepeatedKey(doc)) return malformed("the key `" + *repeated + "` repeats");
  // The subject: a string at the dotted path.
  simdjson::dom::element at = doc;
  bool found = true;
  for (const std::string& segment : subject_path_) {
    simdjson::dom::object o;
    if (at.get(o) || o[segment].get(at)) {
      found = false;
      break;
    }
  }
  std::string_view subject;
  if (!found || at.get(subject) || subject.empty()) {
    ++stats_.no_subject;
    return RecordOutcome::kNoSubject;
  }
  bool redact = false;
  const RecordOutcome o = Decided(subject, record, out, redact);
  if (!redact) return o;
  size_t p = record.find('{');
  stats_.fields_redacted += CopyWithout(record, p, impl_->redacted, out);
  return RecordOutcome::kRedacted;
}

}  // namespace optin
