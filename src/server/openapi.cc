#include "src/server/openapi.h"

#include <algorithm>
#include <vector>

#include "optin/decision.h"
#include "src/common/json_writer.h"
#include "src/server/api_schemas.h"
#include "src/server/routes.h"

namespace optin::server {
namespace {

constexpr std::string_view kErrorRef = R"({"$ref":"#/components/schemas/Error"})";

// `json` without the whitespace between its tokens.
std::string Compact(std::string_view json) {
  std::string out;
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (in_string) {
      out += c;
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
    if (c == '"') in_string = true;
    out += c;
  }
  return out;
}

bool HasSchema(std::string_view name) {
  if (name == "Reason") return true;
  return std::any_of(std::begin(kApiSchemas), std::end(kApiSchemas), [&](const NamedSchema& s) { return s.name == name; });
}

std::string Ref(std::string_view name) { return R"({"$ref":"#/components/schemas/)" + std::string(name) + "\"}"; }

// `/p/{token*}` → `/p/{token}`, and the names of its parameters.
std::string OpenApiPath(std::string_view pattern, std::vector<std::string>& params) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') {
      out += pattern[i];
      continue;
    }
    const size_t close = pattern.find('}', i);
    std::string name(pattern.substr(i + 1, close - i - 1));
    if (name.ends_with('*')) name.pop_back();
    params.push_back(name);
    out += "{" + name + "}";
    i = close;
  }
  return out;
}

std::string OperationId(const Route& r) {
  std::string id;
  for (char c : r.method) id += static_cast<char>(c - 'A' + 'a');
  for (char c : r.pattern) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (word) id += c;
    else if (!id.ends_with('_')) id += '_';
  }
  while (id.ends_with('_')) id.pop_back();
  return r.pattern == "/" ? id + "_root" : id;
}

void WriteSecurity(JsonWriter& w, Access access) {
  w.Key("security").BeginArray();
  auto key = [&](std::string_view scope) { w.BeginObject().Key("apiKey").BeginArray().String(scope).EndArray().EndObject(); };
  auto link = [&] { w.BeginObject().Key("linkToken").BeginArray().EndArray().EndObject(); };
  switch (access) {
    case Access::kPublic: break;
    case Access::kCheck: key("check"), key("write"), key("admin"), key("recipient"); break;
    case Access::kWrite: key("write"), key("admin"); break;
    case Access::kAdmin: key("admin"); break;
    case Access::kSubject: key("write"), key("admin"), link(); break;
    case Access::kSubjectExport: key("admin"), link(); break;
    case Access::kCustomer: link(); break;
    case Access::kRecipient: key("admin"), key("recipient"); break;
  }
  w.EndArray();
}

void WriteParameters(JsonWriter& w, const Route& r, const std::vector<std::string>& path_params) {
  w.Key("parameters").BeginArray();
  for (const std::string& name : path_params) {
    w.BeginObject().Key("name").String(name).Key("in").String("path").Key("required").Bool(true);
    w.Key("schema").Raw(name == "id" ? Ref("Subject") : R"({"type":"string"})");
    if (name == "id") w.Key("description").String("the subject id, percent-encoded");
    w.EndObject();
  }
  std::string_view query = r.query;
  while (!query.empty()) {
    const size_t space = query.find(' ');
    std::string_view spec = query.substr(0, space);
    query = space == std::string_view::npos ? std::string_view() : query.substr(space + 1);
    const bool required = spec.ends_with('!');
    if (required) spec.remove_suffix(1);
    const size_t colon = spec.find(':');
    const std::string_view name = spec.substr(0, colon);
    const std::string_view type = colon == std::string_view::npos ? "string" : spec.substr(colon + 1);
    w.BeginObject().Key("name").String(name).Key("in").String("query").Key("required").Bool(required);
    w.Key("schema").BeginObject().Key("type").String(type);
    if (type == "integer") w.Key("minimum").Int(name == "after" ? 0 : 1);
    if (name == "format") w.Key("enum").BeginArray().String("json").String("html").EndArray();
    w.EndObject().EndObject();
  }
  w.EndArray();
}

void WriteResponses(JsonWriter& w, const Route& r) {
  auto error = [&](std::string_view status, std::string_view description) {
    w.Key(status).BeginObject().Key("description").String(description);
    w.Key("content").BeginObject().Key("application/json").BeginObject().Key("schema").Raw(kErrorRef);
    w.EndObject().EndObject().EndObject();
  };
  auto success = [&](std::string_view status) {
    w.Key(status).BeginObject().Key("description").String(r.help).Key("content").BeginObject();
    w.Key(r.produces).BeginObject();
    if (!r.response.empty()) w.Key("schema").Raw(Ref(r.response));
    w.EndObject();
    if (r.also_html) w.Key("text/html").BeginObject().EndObject();
    w.EndObject().EndObject();
  };
  w.Key("responses").BeginObject();
  success("200");
  if (r.pattern == "/healthz") success("503");
  if (r.access != Access::kPublic) {
    error("401", "no credentials, or none that are valid (with `WWW-Authenticate: Bearer`)");
    error("403", "credentials that may not do this");
  }
  error("default", "an error, with a stable `code` (docs/api.md, Errors)");
  w.EndObject();
}

}  // namespace

Result<std::string> OpenApiJson() {
  JsonWriter w;
  w.BeginObject().Key("openapi").String("3.1.0");
  w.Key("info").BeginObject().Key("title").String("optin").Key("version").String("1");
  w.Key("description").String("Consent ledger, enforcement and preference center: every endpoint of the server, "
                              "made from its route table. Reference: docs/api.md.");
  w.EndObject();
  w.Key("paths").BeginObject();
  std::string_view open_pattern;
  for (const Route& r : Routes()) {
    for (std::string_view name : {r.request, r.response}) {
      if (!name.empty() && !HasSchema(name)) {
        return InternalError(std::string(r.method) + " " + std::string(r.pattern) + " names schema `" +
                             std::string(name) + "`, which api_schemas.h does not have");
      }
    }
    std::vector<std::string> path_params;
    const std::string path = OpenApiPath(r.pattern, path_params);
    if (r.pattern != open_pattern) {
      if (!open_pattern.empty()) w.EndObject();
      w.Key(path).BeginObject();
      open_pattern = r.pattern;
    }
    std::string method;
    for (char c : r.method) method += static_cast<char>(c - 'A' + 'a');
    w.Key(method).BeginObject().Key("operationId").String(OperationId(r)).Key("summary").String(r.help);
    WriteParameters(w, r, path_params);
    if (!r.request.empty()) {
      w.Key("requestBody").BeginObject().Key("required").Bool(!r.request_optional);
      w.Key("content").BeginObject().Key(r.request_media).BeginObject().Key("schema").Raw(Ref(r.request));
      w.EndObject().EndObject().EndObject();
    }
    WriteResponses(w, r);
    WriteSecurity(w, r.access);
    if (r.gpc != Gpc::kIgnored) {
      w.Key("x-optin-gpc").String(r.gpc == Gpc::kRecorded ? "Sec-GPC: 1 is recorded as the subject's opt-out"
                                                          : "Sec-GPC: 1 is recorded with the choice");
    }
    w.EndObject();
  }
  if (!open_pattern.empty()) w.EndObject();
  w.EndObject();
  w.Key("components").BeginObject();
  w.Key("securitySchemes").BeginObject();
  w.Key("apiKey").BeginObject().Key("type").String("http").Key("scheme").String("bearer");
  w.Key("description").String("An API key (`optin key create --scope check|write|admin`); the roles listed on an "
                              "operation are the scopes that may call it: `check` decides, `write` also records "
                              "on a subject's behalf, `admin` may do everything.");
  w.EndObject();
  w.Key("linkToken").BeginObject().Key("type").String("http").Key("scheme").String("bearer");
  w.Key("description").String("A preference-center link token: opens its own subject's record and nothing else.");
  w.EndObject();
  w.EndObject();
  w.Key("schemas").BeginObject();
  w.Key("Reason").BeginObject().Key("enum").BeginArray();
  for (size_t i = 0; i < kReasonCount; ++i) w.String(ReasonName(static_cast<Reason>(i)));
  w.EndArray().EndObject();
  for (const NamedSchema& s : kApiSchemas) w.Key(s.name).Raw(Compact(s.schema));
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return std::move(w).Take();
}

}  // namespace optin::server
