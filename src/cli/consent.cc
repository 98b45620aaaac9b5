// grant, withdraw, check, status, history, signals.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "src/cli/cli.h"
#include "src/cli/output.h"
#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "src/engine/wire_json.h"
#include "src/server/export_page.h"

namespace optin::cli {
namespace {

// The file `--receipt` names, opened before anything is recorded: a path
// that cannot be written refuses the command instead of leaving it half
// done. Closed and removed again (when it was new) if nothing gets recorded.
class ReceiptFile {
 public:
  explicit ReceiptFile(std::string path) : path_(std::move(path)) {
    if (path_.empty()) return;
    existed_ = std::filesystem::exists(path_);
    out_.open(path_, std::ios::binary | std::ios::trunc);
  }
  Status Opened() const {
    if (path_.empty() || out_.is_open()) return OkStatus();
    return UnavailableError("cannot write the receipt to `" + path_ + "`; nothing was recorded");
  }
  void Discard() {
    if (path_.empty()) return;
    out_.close();
    if (!existed_) std::filesystem::remove(path_);
  }
  const std::string& path() const { return path_; }
  std::ofstream& stream() { return out_; }

 private:
  std::string path_;
  bool existed_ = false;
  std::ofstream out_;
};

// Writes the choice's receipts to `file`: one receipt as it is, several as
// a JSON array. The events are recorded whatever happens here.
CommandResult WriteReceipts(const ChoiceResult& choice, ReceiptFile& file) {
  if (!choice.receipt_error.empty()) {
    return UnavailableError("recorded, but the receipt could not be made: " + choice.receipt_error);
  }
  std::string text;
  if (choice.receipts.size() == 1) {
    text = choice.receipts.front();
  } else {
    text = "[";
    for (const std::string& r : choice.receipts) text += (text.size() > 1 ? "," : "") + r;
    text += "]";
  }
  std::ofstream& out = file.stream();
  out << text << "\n";
  out.close();
  if (!out) return UnavailableError("recorded, but could not write the receipt to `" + file.path() + "`");
  return kExitOk;
}

// Records `choice` in one engine call and prints what was recorded.
CommandResult Record(Engine& engine, std::string_view verb, const std::string& subject, Choice choice,
                     const WriteContext& context, ReceiptFile& receipt_file) {
  choice.receipts = !receipt_file.path().empty();
  Result<ChoiceResult> result = engine.Choose(subject, choice, context);
  if (!result.ok()) {
    receipt_file.Discard();
    return result.status();
  }
  for (const Recorded& e : result->recorded) {
    std::cout << verb << " " << e.purpose << " for " << subject << " (event " << e.seq;
    if (!e.notice.empty()) std::cout << ", notice " << e.notice.substr(0, 12);
    std::cout << ")\n";
  }
  if (choice.receipts) return WriteReceipts(*result, receipt_file);
  return kExitOk;
}

// A grant or withdrawal from the command line, with channel `channel`.
CommandResult RecordFromCli(const Globals& g, std::string_view done, const std::string& subject, const Choice& choice,
                            const std::string& channel, const std::string& receipt_file) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_RETURN_IF_ERROR(ValidateChannel(channel));
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  ReceiptFile receipt(receipt_file);
  OPTIN_RETURN_IF_ERROR(receipt.Opened());
  WriteContext context{.channel = channel, .actor = CliActor(), .evidence = ""};
  return Record(*engine, done, subject, choice, context, receipt);
}

}  // namespace

CommandResult RunGrant(const Globals& g, const std::string& subject, const std::vector<std::string>& purposes,
                       const std::string& channel, const std::string& receipt_file) {
  return RecordFromCli(g, "granted", subject, {.action = Action::kGrant, .purposes = purposes}, channel, receipt_file);
}

CommandResult RunWithdraw(const Globals& g, const std::string& subject, const std::vector<std::string>& purposes, bool all,
                          const std::string& channel, const std::string& receipt_file) {
  if (all == !purposes.empty()) {
    std::cerr << "optin: withdraw needs either PURPOSE... or --all\n";
    return kExitUsage;
  }
  // No purposes: every consent purpose (--all).
  return RecordFromCli(g, "withdrew", subject, {.action = Action::kWithdraw, .purposes = purposes}, channel,
                       receipt_file);
}

CommandResult RunCheck(const Globals& g, const std::string& subject, const std::string& purpose, bool json) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  Decision d = engine->Decide(subject, purpose);
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("subject").String(subject).Key("purpose").String(purpose);
    WriteDecisionFields(w, d);
    w.EndObject();
    std::cout << w.str() << "\n";
  } else {
    std::cout << (d.allowed ? "allow " : "deny ") << ReasonName(d.reason) << "\n";
  }
  return d.allowed ? kExitOk : kExitNo;
}

CommandResult RunStatus(const Globals& g, const std::string& subject, bool json) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  if (!engine->catalog()) {
    // Nothing to decide about yet: a "no" answer, with what to do.
    Fail(FailedPreconditionError("no catalog has been published yet, so there are no purposes to show; run `optin "
                                 "catalog publish FILE`"));
    return kExitNo;
  }
  std::vector<PurposeDecision> all = engine->DecideAll(subject);
  if (json) {
    std::cout << DecisionsJson(subject, all) << "\n";
    return kExitOk;
  }
  size_t width = 8;
  for (const auto& pd : all) width = std::max(width, pd.purpose.size());
  for (const auto& pd : all) {
    std::cout << pd.purpose << std::string(width + 2 - pd.purpose.size(), ' ') << (pd.decision.allowed ? "allow  " : "deny   ")
              << ReasonName(pd.decision.reason);
    if (pd.decision.event) std::cout << " (event " << pd.decision.event << ")";
    std::cout << "\n";
  }
  return kExitOk;
}

CommandResult RunHistory(const Globals& g, const std::string& subject, bool json) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  OPTIN_ASSIGN_OR_RETURN(std::vector<HistoryEntry> history, engine->History(subject));
  if (json) {
    std::cout << HistoryJson(subject, history) << "\n";
    return kExitOk;
  }
  if (history.empty()) std::cout << "no events about " << subject << "\n";
  for (const auto& h : history) {
    std::cout << h.seq << "  " << FormatRfc3339(h.time) << "  " << ActionName(h.action) << "  " << h.purpose
              << "  via " << h.channel;
    if (!h.notice.empty()) std::cout << "  notice " << h.notice.substr(0, 12);
    if (h.gpc_conflict_acknowledged) std::cout << "  (despite Global Privacy Control, confirmed)";
    std::cout << "\n";
  }
  return kExitOk;
}

CommandResult RunSignals(const Globals& g, const std::string& subject, bool json) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  bool gpc = false;
  OPTIN_ASSIGN_OR_RETURN(SubjectSignals signals, engine->Signals(subject, &gpc));
  if (json) {
    OPTIN_ASSIGN_OR_RETURN(std::string text, SubjectSignalsToJson(subject, signals, gpc));
    std::cout << text << "\n";
    return kExitOk;
  }
  if (signals.tc) {
    OPTIN_ASSIGN_OR_RETURN(std::string tc, EncodeTcString(*signals.tc));
    std::cout << "TC string:    " << tc << "\n";
  } else {
    std::cout << "TC string:    none (the catalog has no `signals.tcf`)\n";
  }
  OPTIN_ASSIGN_OR_RETURN(std::string gpp, EncodeGppString(signals.gpp));
  std::cout << "GPP string:   " << gpp << "\nGPP sections:";
  for (int id : GppSectionIds(signals.gpp)) std::cout << " " << GppSectionName(id);
  std::cout << "\nUS Privacy:   " << EncodeUspString(signals.usp) << "\nConsent Mode:";
  for (const auto& [type, granted] : signals.consent_mode) std::cout << " " << type << "=" << (granted ? "granted" : "denied");
  std::cout << "\nGPC:          " << (gpc ? "on record (opted out of sale and sharing)" : "none") << "\n";
  return kExitOk;
}

CommandResult RunReceiptList(const Globals& g, const std::string& subject) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  OPTIN_ASSIGN_OR_RETURN(std::vector<std::string> receipts, engine->Receipts(subject));
  std::string text = "[";
  for (const std::string& r : receipts) text += (text.size() > 1 ? "," : "") + r;
  std::cout << text << "]\n";
  return kExitOk;
}

CommandResult RunErase(const Globals& g, const std::string& subject) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  WriteContext context{.channel = "cli", .actor = CliActor(), .evidence = ""};
  OPTIN_ASSIGN_OR_RETURN(Recorded e, engine->Erase(subject, context));
  std::cout << "erased " << subject << " (event " << e.seq
            << "): their key is destroyed; the ledger and its proofs still verify\n";
  return kExitOk;
}

CommandResult RunExport(const Globals& g, const std::string& subject, bool html, const std::string& locale) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  OPTIN_ASSIGN_OR_RETURN(SubjectExport data, engine->Export(subject, locale));
  std::cout << (html ? server::ExportPage(data) : ExportJson(data) + "\n");
  return kExitOk;
}

CommandResult RunReceiptVerify(const std::string& file, const std::string& key_file) {
  std::string text;
  OPTIN_RETURN_IF_ERROR(ReadTextFile(file, text));
  std::optional<std::string> key;
  if (!key_file.empty()) {
    // A file (PEM or base64), or the base64 key itself as GET /v1/log/key gives it.
    std::string text;
    if (!ReadTextFile(key_file, text).ok()) {
      Result<std::string> raw = ParseEd25519PublicKey(key_file);
      if (!raw.ok()) return NotFoundError("--key `" + key_file + "` is neither a readable file nor a base64 key");
      key = *raw;
    } else {
      Result<std::string> raw = ParseEd25519PublicKey(text);
      if (!raw.ok()) return InvalidArgumentError(key_file + ": " + raw.status().message());
      key = *raw;
    }
  }
  // A file from `receipt list` or a multi-purpose `--receipt` holds an array.
  std::vector<std::string> receipts;
  Result<std::vector<std::string>> items = ReceiptsInFile(text);
  if (!items.ok()) return InvalidArgumentError(file + ": " + items.status().message());
  receipts = std::move(*items);
  bool all_ok = true;
  for (const std::string& receipt : receipts) {
    Result<ReceiptVerification> v = VerifyReceipt(receipt, key);
    if (!v.ok()) return InvalidArgumentError(file + ": " + v.status().message());
    std::cout << "receipt " << v->sequence << ": " << v->action << (v->purpose.empty() ? "" : " " + v->purpose)
              << " for " << v->subject << " at " << v->time << "\n";
    for (const ReceiptCheck& c : v->checks) std::cout << "  " << (c.ok ? "ok    " : "FAILED") << " " << c.name << ": " << c.detail << "\n";
    if (v->key_from_receipt) {
      std::cout << "  note: checked against the key inside the receipt; pass --key with the company's key "
                   "(`optin log key --pem`, GET /v1/log/key) to check who signed it\n";
    }
    std::cout << (v->ok ? "VALID" : "INVALID") << "\n";
    all_ok = all_ok && v->ok;
  }
  return all_ok ? kExitOk : kExitNo;
}

}  // namespace optin::cli
