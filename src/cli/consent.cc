// grant, withdraw, check, status, history.
#include <iostream>

#include "src/cli/cli.h"
#include "src/cli/output.h"
#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "src/engine/wire_json.h"

namespace optin::cli {
namespace {


int PrintRecorded(std::string_view verb, const std::string& subject, const Result<std::vector<Event>>& events) {
  if (!events.ok()) return Fail(events.status());
  for (const Event& e : *events) {
    std::cout << verb << " " << e.purpose << " for " << subject << " (event " << e.seq;
    if (!e.notice.empty()) std::cout << ", notice " << e.notice.substr(0, 12);
    std::cout << ")\n";
  }
  return kExitOk;
}

}  // namespace

int RunGrant(const Globals& g, const std::string& subject, const std::vector<std::string>& purposes,
             const std::string& channel) {
  if (Status s = ValidateSubjectId(subject); !s.ok()) return Fail(s);
  if (Status s = ValidateChannel(channel); !s.ok()) return Fail(s);
  Result<std::unique_ptr<Engine>> engine = OpenEngine(g);
  if (!engine.ok()) return Fail(engine.status());
  WriteContext context{.channel = channel, .actor = CliActor(), .evidence = ""};
  return PrintRecorded("granted", subject, (*engine)->Grant(subject, purposes, context));
}

int RunWithdraw(const Globals& g, const std::string& subject, const std::vector<std::string>& purposes, bool all,
                const std::string& channel) {
  if (all == !purposes.empty()) {
    std::cerr << "optin: withdraw needs either PURPOSE... or --all\n";
    return kExitUsage;
  }
  if (Status s = ValidateSubjectId(subject); !s.ok()) return Fail(s);
  if (Status s = ValidateChannel(channel); !s.ok()) return Fail(s);
  Result<std::unique_ptr<Engine>> engine = OpenEngine(g);
  if (!engine.ok()) return Fail(engine.status());
  WriteContext context{.channel = channel, .actor = CliActor(), .evidence = ""};
  auto events = all ? (*engine)->WithdrawAll(subject, context) : (*engine)->Withdraw(subject, purposes, context);
  return PrintRecorded("withdrew", subject, events);
}

int RunCheck(const Globals& g, const std::string& subject, const std::string& purpose, bool json) {
  if (Status s = ValidateSubjectId(subject); !s.ok()) return Fail(s);
  Result<std::unique_ptr<Engine>> engine = OpenEngine(g);
  if (!engine.ok()) return Fail(engine.status());
  Decision d = (*engine)->Decide(subject, purpose);
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

int RunStatus(const Globals& g, const std::string& subject, bool json) {
  if (Status s = ValidateSubjectId(subject); !s.ok()) return Fail(s);
  Result<std::unique_ptr<Engine>> engine = OpenEngine(g);
  if (!engine.ok()) return Fail(engine.status());
  std::vector<PurposeDecision> all = (*engine)->DecideAll(subject);
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

int RunHistory(const Globals& g, const std::string& subject, bool json) {
  if (Status s = ValidateSubjectId(subject); !s.ok()) return Fail(s);
  Result<std::unique_ptr<Engine>> engine = OpenEngine(g);
  if (!engine.ok()) return Fail(engine.status());
  Result<std::vector<HistoryEntry>> history = (*engine)->History(subject);
  if (!history.ok()) return Fail(history.status());
  if (json) {
    std::cout << HistoryJson(subject, *history) << "\n";
    return kExitOk;
  }
  if (history->empty()) std::cout << "no events about " << subject << "\n";
  for (const auto& h : *history) {
    std::cout << h.seq << "  " << FormatRfc3339(h.time) << "  " << ActionName(h.action) << "  " << h.purpose
              << "  via " << h.channel;
    if (!h.notice.empty()) std::cout << "  notice " << h.notice.substr(0, 12);
    std::cout << "\n";
  }
  return kExitOk;
}

int RunSignals(const Globals& g, const std::string& subject, bool json) {
  if (Status s = ValidateSubjectId(subject); !s.ok()) return Fail(s);
  Result<std::unique_ptr<Engine>> engine = OpenEngine(g);
  if (!engine.ok()) return Fail(engine.status());
  bool gpc = false;
  Result<SubjectSignals> signals = (*engine)->Signals(subject, &gpc);
  if (!signals.ok()) return Fail(signals.status());
  if (json) {
    Result<std::string> text = SubjectSignalsToJson(subject, *signals, gpc);
    if (!text.ok()) return Fail(text.status());
    std::cout << *text << "\n";
    return kExitOk;
  }
  if (signals->tc) {
    Result<std::string> tc = EncodeTcString(*signals->tc);
    if (!tc.ok()) return Fail(tc.status());
    std::cout << "TC string:    " << *tc << "\n";
  } else {
    std::cout << "TC string:    none (the catalog has no `signals.tcf`)\n";
  }
  Result<std::string> gpp = EncodeGppString(signals->gpp);
  if (!gpp.ok()) return Fail(gpp.status());
  std::cout << "GPP string:   " << *gpp << "\nGPP sections:";
  for (int id : GppSectionIds(signals->gpp)) std::cout << " " << GppSectionName(id);
  std::cout << "\nUS Privacy:   " << EncodeUspString(signals->usp) << "\nConsent Mode:";
  for (const auto& [type, granted] : signals->consent_mode) std::cout << " " << type << "=" << (granted ? "granted" : "denied");
  std::cout << "\nGPC:          " << (gpc ? "on record (opted out of sale and sharing)" : "none") << "\n";
  return kExitOk;
}

}  // namespace optin::cli
