// File: src/cli/cli.h
//
// The `optin` command: one function per command, each a thin shell that
// parses its arguments, calls the library and maps the Status to an exit
// code (docs/cli.md, "Exit codes": 0 ok, 1 a "no" answer, 2 usage errors, 3
// data or store errors).
#ifndef OPTIN_CLI_CLI_H_
#define OPTIN_CLI_CLI_H_

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "optin/engine.h"
#include "optin/status.h"

namespace optin::cli {

constexpr int kExitOk = 0;
constexpr int kExitNo = 1;  // deny, invalid catalog, tampered ledger
constexpr int kExitUsage = 2;

struct Globals {
  std::string db;  // store location
};

// What a command ends with: the exit code of its answer (kExitOk, or kExitNo
// for a "no"), or the Status of what went wrong.
using CommandResult = Result<int>;
// The one place a command's result becomes an exit code: a failure's Status
// is printed to stderr as `optin: message` and mapped by the status table
// (include/optin/status.h).
int Exit(const CommandResult& result);
// Prints `status` as Exit() does and returns its exit code, for a command
// that goes on or answers "no" after saying what went wrong.
int Fail(const Status& status);
// Opens the engine on the existing store named by `g`.
Result<std::unique_ptr<Engine>> OpenEngine(const Globals& g);
// Reads a whole (small) file: kNotFound when it cannot be read.
Status ReadTextFile(const std::string& path, std::string& out);
// `cli:USER`: who is recording, for the ledger's actor field.
std::string CliActor();

CommandResult RunInit(const Globals& g, bool demo);
CommandResult RunCatalogLint(const std::string& file);
CommandResult RunCatalogPublish(const Globals& g, const std::string& file, const std::vector<std::string>& editorial);
CommandResult RunCatalogShow(const Globals& g, bool json, const std::string& locale);
// Every publication with what it changed and the word diffs of its texts.
CommandResult RunCatalogHistory(const Globals& g, bool json);
CommandResult RunGrant(const Globals& g, const std::string& subject, const std::vector<std::string>& purposes,
                       const std::string& channel, const std::string& receipt_file);
CommandResult RunWithdraw(const Globals& g, const std::string& subject, const std::vector<std::string>& purposes, bool all,
                          const std::string& channel, const std::string& receipt_file);
CommandResult RunCheck(const Globals& g, const std::string& subject, const std::string& purpose, bool json);
CommandResult RunStatus(const Globals& g, const std::string& subject, bool json);
CommandResult RunHistory(const Globals& g, const std::string& subject, bool json);
CommandResult RunSignals(const Globals& g, const std::string& subject, bool json);
// log head | log prove (SEQ [--tree-size N] | --from A --to B) | log key [--pem] [--rotate].
CommandResult RunLogHead(const Globals& g);
CommandResult RunLogProve(const Globals& g, uint64_t seq, uint64_t tree_size, uint64_t from, uint64_t to);
CommandResult RunLogKey(const Globals& g, bool pem, bool rotate);
// audit HEAD_A.json HEAD_B.json: both heads signed by this log, and the log
// only grew between them (a consistency proof).
// receipt list SUBJECT | receipt verify FILE [--key PEM_FILE].
CommandResult RunReceiptList(const Globals& g, const std::string& subject);
// filter --purpose P [--subject-field PATH] [--mode drop|redact] [--format jsonl|csv] [--reject FILE] [--stats] [FILE...]
struct FilterFlags {
  std::string purpose;
  std::string recipient;
  std::string subject_field = "subject";
  std::string mode = "drop";
  std::string format = "jsonl";
  std::string reject_file;
  bool stats = false;
  std::vector<std::string> files;
};
CommandResult RunFilter(const Globals& g, const FilterFlags& flags);
// store copy --from STORE --to STORE | migrate.
CommandResult RunStoreCopy(const std::string& from, const std::string& to);
CommandResult RunMigrate(const Globals& g);
// erase SUBJECT | export SUBJECT [--html] [--locale L].
CommandResult RunErase(const Globals& g, const std::string& subject);
CommandResult RunExport(const Globals& g, const std::string& subject, bool html, const std::string& locale);
CommandResult RunReceiptVerify(const std::string& file, const std::string& key_file);
CommandResult RunAudit(const Globals& g, const std::string& first_file, const std::string& second_file);
// verify [--json] [--head FILE...]: the hash chain, the store's latest
// signed head, and heads kept elsewhere.
CommandResult RunVerify(const Globals& g, bool json, const std::vector<std::string>& head_files);
struct ServeFlags {
  std::string public_url;
  int threads = 0;
  int request_timeout_s = 15;
  int max_connections = 1024;
  int max_connections_per_client = -1;  // -1: a quarter of max_connections
  int max_staleness_s = 30;
  int head_interval_s = 10;  // accepted, unused: every commit keeps a signed head
  std::vector<std::string> cors_origins;
  bool deliveries = true;                // send webhooks to recipients
  bool usage = true;                     // checks note usage
  bool demo_shop = false;                // serve the demo shop page at /demo/shop
  bool allow_http_recipients = false;    // http:// webhook URLs (tests)
  bool allow_private_recipients = false; // private and loopback addresses
  int recipient_timeout_s = 10;          // for one webhook
  std::string recipient_ca;              // a PEM file of CAs trusted besides the system's
};
CommandResult RunServe(const Globals& g, const std::string& listen, const ServeFlags& flags);
// With `unsubscribe` a purpose, a one-click e-mail opt-out link for it
// instead; `ttl` empty: the default of the kind of link.
CommandResult RunLink(const Globals& g, const std::string& subject, const std::string& unsubscribe,
                      const std::string& ttl, const std::string& base_url, bool json);
// recipients.cc
// usage show SUBJECT [--locale L] [--json] | usage denied [--days N] [--json].
CommandResult RunUsageShow(const Globals& g, const std::string& subject, const std::string& locale, bool json);
CommandResult RunUsageDenied(const Globals& g, int days, bool json);
CommandResult RunRecipientsList(const Globals& g, bool json);
CommandResult RunRecipientsShow(const Globals& g, const std::string& id, bool json);
// Per recipient: pending, unconfirmed, overdue, failed, confirmed, time to
// confirmation (p50, p99) and the last error.
CommandResult RunRecipientsStatus(const Globals& g, bool json);
// The current signing secret of a webhook recipient (made when it has
// none), or with `rotate` a new one while the old signs on for `overlap`.
CommandResult RunRecipientsSecret(const Globals& g, const std::string& id, bool rotate, const std::string& overlap,
                                  bool json);
CommandResult RunUspDecode(const std::string& text, bool json);
CommandResult RunUspEncode(const std::string& notice, const std::string& opt_out_sale, const std::string& lspa);
CommandResult RunKeyCreate(const Globals& g, const std::string& scope, const std::string& name);
CommandResult RunKeyList(const Globals& g, bool json);
CommandResult RunKeyRevoke(const Globals& g, const std::string& name);
// Prints the TC string's fields (exit 0) or why it cannot be read (exit 1).
CommandResult RunTcfDecode(const std::string& text, bool json);
// Reads the JSON model on stdin and prints its TC string (exit 2 if invalid).
CommandResult RunTcfEncode();
// gpp decode STRING [--json] | gpp encode (JSON on stdin).
CommandResult RunGppDecode(const std::string& text, bool json);
CommandResult RunGppEncode();

}  // namespace optin::cli

#endif  // OPTIN_CLI_CLI_H_
