// File: optin/enforce.h
//
// The consent stream filter: lets through only what each customer agreed to.
// For a purpose P (used by a recipient R, or by the company itself), a
// record whose subject is allowed for P (and whose notice names R) passes byte for
// byte; any other record is dropped (mode drop) or passes without the fields
// of every data category P uses (mode redact; the fields come from the
// catalog's `fields`; where a field's parent is not an object, the parent
// goes whole). A record without a string subject, or that is not a
// well-formed JSON object, never passes (default deny).
//
// All decisions of one Enforcer come from the engine's state when it was
// created (its ledger sequence number is snapshot_seq()) at a fixed time, so
// a run is reproducible; do not record changes through the same engine
// during a run.
//
// Thread-safety: one Enforcer per thread.
//
// Example:
//   OPTIN_ASSIGN_OR_RETURN(auto enforcer, Enforcer::Create(engine, {.purpose = "ad_targeting"}));
//   std::string out;
//   for (const std::string& line : lines) {
//     out.clear();
//     if (enforcer->FilterJson(line, out) != RecordOutcome::kMalformed) emit(out);
//   }
#ifndef OPTIN_ENFORCE_H_
#define OPTIN_ENFORCE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "optin/decision.h"
#include "optin/engine.h"
#include "optin/status.h"

namespace optin {

enum class FilterMode { kDrop, kRedact };

struct FilterOptions {
  std::string purpose;
  // Who uses the records: a recipient id of the catalog; empty: the company.
  std::string recipient;
  std::string subject_field = "subject";  // a dotted path into the record
  FilterMode mode = FilterMode::kDrop;
};

enum class RecordOutcome {
  kKept,         // allowed: passed unchanged
  kRedacted,     // not allowed, mode redact: passed without the purpose's fields
  kDropped,      // not allowed, mode drop
  kNoSubject,    // no subject, or not a string: dropped
  kMalformed,    // not a JSON object (or a repeated key, too deep, not UTF-8): dropped
};

struct FilterStats {
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint64_t kept = 0;
  uint64_t redacted = 0;
  uint64_t dropped = 0;
  uint64_t no_subject = 0;
  uint64_t malformed = 0;
  uint64_t fields_redacted = 0;
  // Records not allowed (dropped or redacted), by the decision's reason.
  std::array<uint64_t, kReasonCount> denied_by_reason{};
};

class Enforcer {
 public:
  // kInvalidArgument for an empty subject field; kFailedPrecondition before
  // any catalog; kNotFound when the purpose, or the recipient, is not in the
  // catalog in force.
  static Result<std::unique_ptr<Enforcer>> Create(const Engine& engine, FilterOptions options);

  // Filters one JSON record (without its line break), appending what passes
  // to `out` (nothing when it is dropped). For kMalformed, `why` (when given)
  // says what is wrong.
  RecordOutcome FilterJson(std::string_view record, std::string& out, std::string* why = nullptr);

  // The same for a record inside a larger buffer whose kRecordPadding bytes
  // after the record are readable (their content does not matter): the
  // record is parsed where it is, without a copy.
  static constexpr size_t kRecordPadding = 64;
  RecordOutcome FilterPaddedJson(std::string_view record, std::string& out, std::string* why = nullptr);

  // CSV (RFC 4180): the header row first, then each row (without its final
  // line break; quoted cells may hold line breaks). The subject field and
  // the catalog's fields are column names. Redaction empties the cells of
  // the purpose's columns and keeps the row's shape. kInvalidArgument for a
  // header without the subject column or with a repeated name; a row with
  // another number of cells than the header is kMalformed.
  Status SetCsvHeader(std::string_view header);
  RecordOutcome FilterCsvRow(std::string_view row, std::string& out, std::string* why = nullptr);

  uint64_t snapshot_seq() const { return snapshot_seq_; }
  const FilterStats& stats() const { return stats_; }
  // The dotted paths redaction removes (from the purpose's data categories).
  const std::vector<std::string>& redacted_fields() const { return fields_; }

  ~Enforcer();

 private:
  struct Impl;
  Enforcer(const Engine& engine, FilterOptions options);
  const Engine& engine_;
  FilterOptions options_;
  std::vector<std::string> fields_;
  std::vector<std::string> subject_path_;
  uint64_t snapshot_seq_ = 0;
  int64_t now_ = 0;
  FilterStats stats_;
  bool declared_ = true;  // the purpose's notice names options_.recipient (or there is none)
  size_t csv_subject_ = 0;          // column of the subject
  std::vector<bool> csv_redact_;    // per column: emptied by redaction
  std::unique_ptr<Impl> impl_;
  RecordOutcome Decided(std::string_view subject, std::string_view record, std::string& out, bool& redact);
  RecordOutcome Json(std::string_view record, bool padded, std::string& out, std::string* why);
};

}  // namespace optin

#endif  // OPTIN_ENFORCE_H_
