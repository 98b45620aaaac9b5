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

// Prints `status` to stderr as `optin: message` and returns its exit code.
int Fail(const Status& status);
// Opens the engine on the existing store named by `g`.
Result<std::unique_ptr<Engine>> OpenEngine(const Globals& g);
// Reads a whole (small) file: kNotFound when it cannot be read.
Status ReadTextFile(const std::string& path, std::string& out);
// `cli:USER`: who is recording, for the ledger's actor field.
std::string CliActor();

int RunInit(const Globals& g, bool demo);
int RunCatalogLint(const std::string& file);
int RunCatalogPublish(const Globals& g, const std::string& file, const std::vector<std::string>& editorial);
int RunCatalogShow(const Globals& g, bool json, const std::string& locale);
// Every publication with what it changed and the word diffs of its texts.
int RunCatalogHistory(const Globals& g, bool json);
int RunGrant(const Globals& g, const std::string& subject, const std::vector<std::string>& purposes,
             const std::string& channel, const std::string& receipt_file);
int RunWithdraw(const Globals& g, const std::string& subject, const std::vector<std::string>& purposes, bool all,
                const std::string& channel, const std::string& receipt_file);
int RunCheck(const Globals& g, const std::string& subject, const std::string& purpose, bool json);
int RunStatus(const Globals& g, const std::string& subject, bool json);
int RunHistory(const Globals& g, const std::string& subject, bool json);
int RunSignals(const Globals& g, const std::string& subject, bool json);
// log head | log prove (SEQ [--tree-size N] | --from A --to B) | log key [--pem] [--rotate].
int RunLogHead(const Globals& g);
int RunLogProve(const Globals& g, uint64_t seq, uint64_t tree_size, uint64_t from, uint64_t to);
int RunLogKey(const Globals& g, bool pem, bool rotate);
// audit HEAD_A.json HEAD_B.json: both heads signed by this log, and the log
// only grew between them (a consistency proof).
// receipt list SUBJECT | receipt verify FILE [--key PEM_FILE].
int RunReceiptList(const Globals& g, const std::string& subject);
// filter --purpose P [--subject-field PATH] [--mode drop|redact] [--format jsonl] [--reject FILE] [--stats] [FILE...]
struct FilterFlags {
  std::string purpose;
  std::string subject_field = "subject";
  std::string mode = "drop";
  std::string format = "jsonl";
  std::string reject_file;
  bool stats = false;
  std::vector<std::string> files;
};
int RunFilter(const Globals& g, const FilterFlags& flags);
// store copy --from STORE --to STORE | migrate.
int RunStoreCopy(const std::string& from, const std::string& to);
int RunMigrate(const Globals& g);
// erase SUBJECT | export SUBJECT [--html] [--locale L].
int RunErase(const Globals& g, const std::string& subject);
int RunExport(const Globals& g, const std::string& subject, bool html, const std::string& locale);
int RunReceiptVerify(const std::string& file, const std::string& key_file);
int RunAudit(const Globals& g, const std::string& first_file, const std::string& second_file);
// verify [--json] [--head FILE...]: the hash chain, the store's latest
// signed head, and heads kept elsewhere.
int RunVerify(const Globals& g, bool json, const std::vector<std::string>& head_files);
struct ServeFlags {
  std::string public_url;
  int threads = 0;
  int request_timeout_s = 15;
  int max_connections = 1024;
  int max_connections_per_client = -1;  // -1: a quarter of max_connections
  int max_staleness_s = 30;
  int head_interval_s = 10;  // accepted, unused: every commit keeps a signed head
  std::vector<std::string> cors_origins;
};
int RunServe(const Globals& g, const std::string& listen, const ServeFlags& flags);
int RunLink(const Globals& g, const std::string& subject, const std::string& ttl, const std::string& base_url, bool json);
int RunUspDecode(const std::string& text, bool json);
int RunUspEncode(const std::string& notice, const std::string& opt_out_sale, const std::string& lspa);
int RunKeyCreate(const Globals& g, const std::string& scope, const std::string& name);
int RunKeyList(const Globals& g, bool json);
int RunKeyRevoke(const Globals& g, const std::string& name);
// Prints the TC string's fields (exit 0) or why it cannot be read (exit 1).
int RunTcfDecode(const std::string& text, bool json);
// Reads the JSON model on stdin and prints its TC string (exit 2 if invalid).
int RunTcfEncode();
// gpp decode STRING [--json] | gpp encode (JSON on stdin).
int RunGppDecode(const std::string& text, bool json);
int RunGppEncode();

}  // namespace optin::cli

#endif  // OPTIN_CLI_CLI_H_
