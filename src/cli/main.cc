// optin: the command line (docs/cli.md).
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "src/cli/cli.h"
#include "src/common/closest.h"

namespace {

// Says better what two usage errors are than CLI11 does: an unknown
// command (with the closest one), and a subject id that starts with `-`,
// which reads as an option. nullopt when the error is neither.
std::optional<std::string> ExplainUsageError(CLI::App& app, int argc, char** argv) {
  CLI::App* level = &app;
  std::string path = "optin";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") return std::nullopt;  // the rest are positional
    if (arg.size() > 1 && arg[0] == '-') {
      const std::string name = arg.substr(0, arg.find('='));
      const CLI::Option* option = level->get_option_no_throw(name);
      if (!option && level != &app) option = app.get_option_no_throw(name);  // global options
      if (option) {
        if (option->get_items_expected_min() > 0 && arg.find('=') == std::string::npos) ++i;  // its value
        continue;
      }
      if (name == "-h" || name == "--help" || name == "--version") continue;
      if (level == &app) return std::nullopt;
      return "`" + arg + "` is not an option of `" + path + "`; use -- before a subject that starts with -, as in `" +
             path + " -- " + arg + " ...`";
    }
    std::vector<CLI::App*> subcommands = level->get_subcommands([](CLI::App*) { return true; });
    if (subcommands.empty()) continue;  // a positional argument of a command
    CLI::App* next = nullptr;
    std::vector<std::string> names;
    for (CLI::App* s : subcommands) {
      if (s->get_name() == arg) next = s;
      names.push_back(s->get_name());
    }
    if (!next) {
      std::string closest = optin::ClosestMatch(arg, names);
      std::string message = "unknown command `" + (path == "optin" ? arg : path.substr(6) + " " + arg) + "`";
      if (!closest.empty()) return message + "; did you mean `" + closest + "`?";
      std::string all;
      for (const std::string& n : names) all += (all.empty() ? "" : ", ") + n;
      return message + " (the commands are " + all + ")";
    }
    level = next;
    path += " " + arg;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace optin::cli;
  CLI::App app{"optin: opt-in consent ledger and enforcement engine", "optin"};
  app.require_subcommand(1);
  app.fallthrough();
  Globals g;
  const char* env_db = std::getenv("OPTIN_DB");
  g.db = env_db && *env_db ? env_db : "optin.db";
  app.add_option("--db", g.db,
                 "Store: an SQLite file path or sqlite:PATH, or a PostgreSQL URL "
                 "postgresql://USER@HOST:PORT/DB (default ./optin.db, or $OPTIN_DB)");
  app.set_version_flag("--version", "optin " OPTIN_VERSION);
  app.footer(
      "Documentation (in the source tree): README.md to start; docs/cli.md for every command, its output and exit\n"
      "codes; docs/api.md for the HTTP API (also GET /v1/openapi.json on a running server); docs/catalog.md,\n"
      "docs/signals.md, docs/proof.md, docs/privacy.md, docs/filter.md, docs/storage.md and docs/deployment.md.");

  int code = kExitOk;
  auto* init = app.add_subcommand("init", "Create the store");
  bool demo = false;
  init->add_flag("--demo", demo, "Also publish the demo catalog");
  init->callback([&] { code = Exit(RunInit(g, demo)); });

  auto* catalog = app.add_subcommand("catalog", "Validate, publish and show the catalog");
  catalog->require_subcommand(1);
  std::string file;
  auto* lint = catalog->add_subcommand("lint", "Validate a catalog file (exit 1 if invalid)");
  lint->add_option("FILE", file, "Catalog YAML file")->required();
  lint->callback([&] { code = Exit(RunCatalogLint(file)); });
  auto* publish = catalog->add_subcommand(
      "publish", "Publish a catalog's notices (exit 1 if an --editorial purpose has a material change)");
  std::vector<std::string> editorial;
  publish->add_option("FILE", file, "Catalog YAML file")->required();
  publish->add_option("--editorial", editorial,
                      "Purposes whose change is editorial: existing consents carry over to the new version");
  publish->callback([&] { code = Exit(RunCatalogPublish(g, file, editorial)); });
  auto* show = catalog->add_subcommand("show", "Show the notices in force");
  bool json = false;
  std::string locale;
  show->add_flag("--json", json, "One JSON document on stdout");
  show->add_option("--locale", locale, "Locale of the texts (default: the catalog's first)");
  show->callback([&] { code = Exit(RunCatalogShow(g, json, locale)); });
  auto* catalog_history =
      catalog->add_subcommand("history", "Every publication: what it added, changed or called editorial, and its text diffs");
  catalog_history->add_flag("--json", json, "One JSON document on stdout");
  catalog_history->callback([&] { code = Exit(RunCatalogHistory(g, json)); });

  std::string subject, purpose, channel = "cli";
  std::vector<std::string> purposes;
  auto* grant = app.add_subcommand("grant", "Record opt-in to the current notice");
  grant->add_option("SUBJECT", subject, "Subject id")->required();
  grant->add_option("PURPOSE", purposes, "Purpose ids")->required();
  grant->add_option("--channel", channel, "web, api, cli, gpc, import or email (default cli)");
  std::string receipt_file, receipt_key;
  grant->add_option("--receipt", receipt_file, "Write the signed receipt(s) to this file");
  grant->callback([&] { code = Exit(RunGrant(g, subject, purposes, channel, receipt_file)); });

  auto* withdraw = app.add_subcommand("withdraw", "Record opt-out");
  bool all = false;
  withdraw->add_option("SUBJECT", subject, "Subject id")->required();
  withdraw->add_option("PURPOSE", purposes, "Purpose ids");
  withdraw->add_flag("--all", all, "Every consent purpose");
  withdraw->add_option("--channel", channel, "web, api, cli, gpc, import or email (default cli)");
  withdraw->add_option("--receipt", receipt_file, "Write the signed receipt(s) to this file");
  withdraw->callback([&] { code = Exit(RunWithdraw(g, subject, purposes, all, channel, receipt_file)); });

  auto* check = app.add_subcommand("check", "Decide: prints `allow REASON` (exit 0) or `deny REASON` (exit 1)");
  check->add_option("SUBJECT", subject, "Subject id")->required();
  check->add_option("PURPOSE", purpose, "Purpose id")->required();
  check->add_flag("--json", json, "One JSON document on stdout");
  check->callback([&] { code = Exit(RunCheck(g, subject, purpose, json)); });

  auto* status = app.add_subcommand("status", "Every purpose with its decision");
  status->add_option("SUBJECT", subject, "Subject id")->required();
  status->add_flag("--json", json, "One JSON document on stdout");
  status->callback([&] { code = Exit(RunStatus(g, subject, json)); });

  auto* history = app.add_subcommand("history", "Every event about the subject");
  history->add_option("SUBJECT", subject, "Subject id")->required();
  history->add_flag("--json", json, "One JSON document on stdout");
  history->callback([&] { code = Exit(RunHistory(g, subject, json)); });
  auto* signals = app.add_subcommand("signals", "The subject's TC, GPP and US Privacy strings and Consent Mode");
  signals->add_option("SUBJECT", subject, "Subject id")->required();
  signals->add_flag("--json", json, "One JSON document on stdout");
  signals->callback([&] { code = Exit(RunSignals(g, subject, json)); });

  auto* verify = app.add_subcommand(
      "verify", "Re-check the ledger's hash links and signed tree heads, and say what that proves (exit 1 if tampered)");
  std::vector<std::string> verify_heads;
  verify->add_flag("--json", json, "One JSON document on stdout");
  verify->add_option("--head", verify_heads,
                     "A signed tree head kept outside the store (`optin log head`, GET /v1/log/head, a receipt's "
                     "tree_head) that the log must still match");
  verify->callback([&] { code = Exit(RunVerify(g, json, verify_heads)); });

  auto* serve = app.add_subcommand("serve", "Run the HTTP server");
  std::string listen = "127.0.0.1:8080";
  ServeFlags serve_flags;
  serve->add_option("--listen", listen, "ADDR:PORT (default 127.0.0.1:8080; port 0 picks a free one)");
  serve->add_option("--threads", serve_flags.threads, "Worker threads (default: 4 per core)");
  serve->add_option("--request-timeout", serve_flags.request_timeout_s,
                    "Seconds a client has to send a whole request (default 15)");
  serve->add_option("--max-connections", serve_flags.max_connections, "Open connections at most (default 1024)");
  serve->add_option("--max-connections-per-client", serve_flags.max_connections_per_client,
                    "Open connections one client address may hold (default: a quarter of --max-connections; "
                    "0: no limit, e.g. behind a reverse proxy)");
  serve->add_option("--head-interval", serve_flags.head_interval_s,
                    "No longer needed: every commit keeps a signed tree head (accepted for compatibility)");
  serve->add_option("--max-staleness", serve_flags.max_staleness_s,
                    "Seconds without catching up with the store after which every consent purpose is denied "
                    "(default 30; 0: never)");
  serve->add_option("--cors-origin", serve_flags.cors_origins,
                    "A browser origin allowed to call the API from its pages (CORS), such as https://shop.example; "
                    "repeat for several");
  serve->add_flag("!--no-deliveries", serve_flags.deliveries,
                  "Send no webhooks to recipients from this node (another node on the store sends them)");
  serve->add_flag("!--no-usage", serve_flags.usage,
                  "Keep no usage: checks note no days of use and count no denials (docs/usage.md)");
  serve->add_flag("--allow-http-recipients", serve_flags.allow_http_recipients,
                  "Send webhooks to http:// URLs too (for a test recipient; never in production)");
  serve->add_flag("--allow-private-recipients", serve_flags.allow_private_recipients,
                  "Send webhooks to private, loopback and link-local addresses too");
  serve->add_option("--recipient-ca", serve_flags.recipient_ca,
                    "A PEM file of certificate authorities trusted for webhook recipients besides the system's (a "
                    "private CA)");
  serve->add_option("--recipient-timeout", serve_flags.recipient_timeout_s,
                    "Seconds a recipient has to answer one webhook (default 10)");
  serve->add_flag("--demo-shop", serve_flags.demo_shop,
                  "Also serve a demo shop page that uses the website embed, at /demo/shop (`make demo`)");
  serve->add_option("--public-url", serve_flags.public_url,
                    "Prefix of preference-center links, http(s)://... (default: http://ADDR:PORT as bound); "
                    "`optin link` uses it too");

  auto* link = app.add_subcommand("link", "Print a preference-center link that opens one subject's record");
  std::string ttl, base_url, unsubscribe;
  link->add_option("SUBJECT", subject, "Subject id")->required();
  link->add_option("--unsubscribe", unsubscribe,
                   "A one-click e-mail opt-out link for this consent purpose instead (RFC 8058: List-Unsubscribe); "
                   "it withdraws that purpose and does nothing else");
  link->add_option("--ttl", ttl,
                   "How long the link works, ISO 8601 (default P7D, P90D with --unsubscribe; at most 366 days)");
  link->add_option("--base-url", base_url,
                   "Where the preference center is reached, http(s)://... (default $OPTIN_PUBLIC_URL, else the "
                   "address of the server that runs on this store)");
  link->add_flag("--json", json, "One JSON document on stdout");
  link->callback([&] { code = Exit(RunLink(g, subject, unsubscribe, ttl, base_url, json)); });
  serve->callback([&] { code = Exit(RunServe(g, listen, serve_flags)); });

  auto* usage = app.add_subcommand("usage", "Who used customers' data for what, and the checks that were denied");
  usage->require_subcommand(1);
  std::string usage_subject, usage_locale;
  int usage_days = 30;
  auto* usage_show = usage->add_subcommand("show", "The days each recipient used one customer's data, per purpose");
  usage_show->add_option("SUBJECT", usage_subject, "Subject id")->required();
  usage_show->add_option("--locale", usage_locale, "The language of the texts (--json)");
  usage_show->add_flag("--json", json, "One JSON document on stdout, as GET /v1/subjects/{id}/usage");
  usage_show->callback([&] { code = Exit(RunUsageShow(g, usage_subject, usage_locale, json)); });
  auto* usage_denied = usage->add_subcommand(
      "denied", "Checks denied per day, purpose, recipient and reason: who keeps asking after a no");
  usage_denied->add_option("--days", usage_days, "How many days back, today included (default 30)");
  usage_denied->add_flag("--json", json, "One JSON document on stdout, as GET /v1/usage/denied");
  usage_denied->callback([&] { code = Exit(RunUsageDenied(g, usage_days, json)); });
  auto* recipients = app.add_subcommand("recipients", "Who receives customers' data (the catalog's `recipients`)");
  recipients->require_subcommand(1);
  std::string recipient, overlap = "P7D";
  bool rotate = false;
  auto* recipients_list = recipients->add_subcommand("list", "Every recipient of the catalog in force");
  recipients_list->add_flag("--json", json, "One JSON document on stdout");
  recipients_list->callback([&] { code = Exit(RunRecipientsList(g, json)); });
  auto* recipients_show = recipients->add_subcommand("show", "One recipient: what it receives and how it is told");
  recipients_show->add_option("ID", recipient, "Recipient id")->required();
  recipients_show->add_flag("--json", json, "One JSON document on stdout");
  recipients_show->callback([&] { code = Exit(RunRecipientsShow(g, recipient, json)); });
  auto* recipients_status = recipients->add_subcommand(
      "status", "How each recipient's deliveries stand: pending, overdue, failed, time to confirmation");
  recipients_status->add_flag("--json", json, "One JSON document on stdout");
  recipients_status->callback([&] { code = Exit(RunRecipientsStatus(g, json)); });
  auto* recipients_secret = recipients->add_subcommand(
      "secret", "Print a webhook recipient's signing secret (made when it has none), to give to the recipient");
  recipients_secret->add_option("ID", recipient, "Recipient id")->required();
  recipients_secret->add_flag("--rotate", rotate, "Make a new secret; the old one keeps signing for --overlap");
  recipients_secret->add_option("--overlap", overlap,
                                "How long the old secret keeps signing after --rotate, ISO 8601 (default P7D)");
  recipients_secret->add_flag("--json", json, "One JSON document on stdout, with the secrets that sign and until when");
  recipients_secret->callback([&] { code = Exit(RunRecipientsSecret(g, recipient, rotate, overlap, json)); });

  auto* key = app.add_subcommand("key", "Manage API keys");
  key->require_subcommand(1);
  std::string scope, name;
  auto* key_create = key->add_subcommand("create", "Create an API key; prints it once on stdout");
  key_create->add_option("--scope", scope, "check, write, admin, or recipient:ID (a recipient's own: it checks and confirms its deliveries)")->required();
  key_create->add_option("--name", name, "A name to list and revoke it by (default: generated)");
  key_create->callback([&] { code = Exit(RunKeyCreate(g, scope, name)); });
  auto* key_list = key->add_subcommand("list", "List API keys (never the keys themselves)");
  key_list->add_flag("--json", json, "One JSON document on stdout");
  key_list->callback([&] { code = Exit(RunKeyList(g, json)); });
  auto* key_revoke = key->add_subcommand("revoke", "Revoke an API key");
  key_revoke->add_option("NAME", name, "The key's name")->required();
  key_revoke->callback([&] { code = Exit(RunKeyRevoke(g, name)); });

  auto* log = app.add_subcommand("log", "The verifiable log: signed tree heads, proofs, the log key");
  log->require_subcommand(1);
  uint64_t log_seq = 0, log_tree_size = 0, log_from = 0, log_to = 0;
  bool log_pem = false, log_rotate = false;
  log->add_subcommand("head", "Sign (or show the kept) tree head of the log as it is now")->callback([&] {
    code = Exit(RunLogHead(g));
  });
  auto* log_prove = log->add_subcommand("prove", "An inclusion proof of event SEQ, or a consistency proof --from A --to B");
  // Event numbers and tree sizes start at 1.
  const CLI::Validator from_one(
      [](std::string& v) -> std::string {
        const bool digits = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
        return digits && v.find_first_not_of('0') != std::string::npos ? "" : "`" + v + "` is not a whole number from 1";
      },
      "N>=1");
  log_prove->add_option("SEQ", log_seq, "The event's sequence number")->check(from_one);
  log_prove->add_option("--tree-size", log_tree_size, "The tree the event is proven in (default: the whole log)")
      ->check(from_one);
  log_prove->add_option("--from", log_from, "The older tree size")->check(from_one);
  log_prove->add_option("--to", log_to, "The newer tree size (default: the whole log)")->check(from_one);
  log_prove->callback([&] { code = Exit(RunLogProve(g, log_seq, log_tree_size, log_from, log_to)); });
  auto* log_key = log->add_subcommand("key", "The log's public keys (JSON), or with --pem the signing key as PEM");
  log_key->add_flag("--pem", log_pem, "Only the signing key, as a PEM public key (for openssl)");
  log_key->add_flag("--rotate", log_rotate, "Retire the signing key and make a new one first");
  log_key->callback([&] { code = Exit(RunLogKey(g, log_pem, log_rotate)); });

  auto* receipt = app.add_subcommand("receipt", "Signed receipts of grants, withdrawals and signals");
  receipt->require_subcommand(1);
  auto* receipt_list = receipt->add_subcommand("list", "Every receipt of the subject's events, as a JSON list");
  receipt_list->add_option("SUBJECT", subject, "Subject id")->required();
  receipt_list->callback([&] { code = Exit(RunReceiptList(g, subject)); });
  auto* receipt_verify = receipt->add_subcommand("verify", "Check a receipt file offline and explain any failure (no store needed)");
  receipt_verify->add_option("FILE", receipt_file, "A receipt, or a JSON list of receipts")->required();
  receipt_verify->add_option("--key", receipt_key, "The company's log key: PEM (`optin log key --pem`) or base64");
  receipt_verify->callback([&] { code = Exit(RunReceiptVerify(receipt_file, receipt_key)); });

  auto* erase = app.add_subcommand("erase", "Forget a subject: destroy their key, record the erasure");
  erase->add_option("SUBJECT", subject, "Subject id")->required();
  erase->callback([&] { code = Exit(RunErase(g, subject)); });
  bool export_html = false;
  std::string export_locale;
  auto* export_cmd = app.add_subcommand("export", "Everything held about a subject (JSON, or --html for people)");
  export_cmd->add_option("SUBJECT", subject, "Subject id")->required();
  export_cmd->add_flag("--html", export_html, "A readable page instead of JSON");
  export_cmd->add_option("--locale", export_locale, "The language of the texts (default: the catalog's first)");
  export_cmd->callback([&] { code = Exit(RunExport(g, subject, export_html, export_locale)); });

  FilterFlags filter_flags;
  auto* filter = app.add_subcommand("filter", "Let through only the records whose subject agreed to the purpose");
  filter->add_option("--purpose", filter_flags.purpose, "The purpose the records are used for")->required();
  filter->add_option("--subject-field", filter_flags.subject_field, "Dotted path of the subject id (default subject)");
  filter->add_option("--recipient", filter_flags.recipient,
                     "Who uses the records (a recipient id of the catalog): only records the purpose's notice lets "
                     "it have pass, and the use is kept as usage the customer sees (default: the company itself)");
  filter->add_option("--mode", filter_flags.mode, "drop (default) or redact");
  filter->add_option("--format", filter_flags.format, "jsonl (default) or csv");
  filter->add_option("--reject", filter_flags.reject_file, "Write malformed lines here, with their line numbers");
  filter->add_flag("--stats", filter_flags.stats, "Print the summary as JSON on stderr");
  filter->add_option("FILE", filter_flags.files, "Input files (default: stdin)");
  filter->callback([&] { code = Exit(RunFilter(g, filter_flags)); });

  auto* store_cmd = app.add_subcommand("store", "Move a store");
  store_cmd->require_subcommand(1);
  std::string copy_from, copy_to;
  auto* store_copy = store_cmd->add_subcommand("copy", "Copy every event and key to a new store, and check the copy");
  store_copy->add_option("--from", copy_from, "The store to copy (sqlite:PATH, a path, or a postgresql:// URL)")->required();
  store_copy->add_option("--to", copy_to, "The new store (must not exist yet)")->required();
  store_copy->callback([&] { code = Exit(RunStoreCopy(copy_from, copy_to)); });
  app.add_subcommand("migrate", "Bring the store's schema to this optin's version")->callback([&] { code = Exit(RunMigrate(g)); });

  std::string audit_a, audit_b;
  auto* audit = app.add_subcommand("audit", "Check that the log only grew between two signed tree heads (JSON files)");
  audit->add_option("HEAD_A", audit_a, "A tree head from `log head` or GET /v1/log/head")->required();
  audit->add_option("HEAD_B", audit_b, "A later (or earlier) tree head")->required();
  audit->callback([&] { code = Exit(RunAudit(g, audit_a, audit_b)); });

  auto* tcf = app.add_subcommand("tcf", "Decode and encode IAB TCF v2.2 TC strings (no store needed)");
  tcf->require_subcommand(1);
  std::string tc_string;
  auto* tcf_decode = tcf->add_subcommand("decode", "Print a TC string's fields (exit 1 if it cannot be read)");
  tcf_decode->add_option("STRING", tc_string, "The TC string")->required();
  tcf_decode->add_flag("--json", json, "One JSON document on stdout");
  tcf_decode->callback([&] { code = Exit(RunTcfDecode(tc_string, json)); });
  auto* tcf_encode = tcf->add_subcommand("encode", "Read the JSON model on stdin; print its TC string");
  tcf_encode->callback([&] { code = Exit(RunTcfEncode()); });

  auto* gpp = app.add_subcommand("gpp", "Decode and encode IAB GPP strings (no store needed)");
  gpp->require_subcommand(1);
  std::string gpp_string;
  auto* gpp_decode = gpp->add_subcommand("decode", "Print a GPP string's sections (exit 1 if it cannot be read)");
  gpp_decode->add_option("STRING", gpp_string, "The GPP string")->required();
  gpp_decode->add_flag("--json", json, "One JSON document on stdout");
  gpp_decode->callback([&] { code = Exit(RunGppDecode(gpp_string, json)); });
  auto* gpp_encode = gpp->add_subcommand("encode", "Read the JSON model on stdin; print its GPP string");
  gpp_encode->callback([&] { code = Exit(RunGppEncode()); });

  auto* usp = app.add_subcommand("usp", "Decode and encode US Privacy strings such as 1YNN (no store needed)");
  usp->require_subcommand(1);
  std::string usp_string, usp_notice = "-", usp_opt_out = "-", usp_lspa = "-";
  auto* usp_decode = usp->add_subcommand("decode", "Print a US Privacy string's fields (exit 1 if it cannot be read)");
  usp_decode->add_option("STRING", usp_string, "The US Privacy string")->required();
  usp_decode->add_flag("--json", json, "One JSON document on stdout");
  usp_decode->callback([&] { code = Exit(RunUspDecode(usp_string, json)); });
  auto* usp_encode = usp->add_subcommand("encode", "Print the US Privacy string for the given flags");
  usp_encode->add_option("--notice", usp_notice, "Y, N or - (default -)");
  usp_encode->add_option("--opt-out-sale", usp_opt_out, "Y, N or - (default -)");
  usp_encode->add_option("--lspa", usp_lspa, "Y, N or - (default -)");
  usp_encode->callback([&] { code = Exit(RunUspEncode(usp_notice, usp_opt_out, usp_lspa)); });

  // Usage errors in optin's form, like every other error.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "optin: " + std::string(e.what()) + "\nRun with --help for more information.\n";
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      if (std::optional<std::string> better = ExplainUsageError(app, argc, argv)) {
        std::cerr << "optin: " << *better << "\nRun with --help for more information.\n";
        return kExitUsage;
      }
    }
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  return code;
}
