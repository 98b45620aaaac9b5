// File: src/server/openapi.h
//
// The OpenAPI 3.1 document of the HTTP API, made from the route table
// (routes.cc) and the body schemas (api_schemas.h), so that it cannot drift
// from what the server does. Served at GET /v1/openapi.json.
//
// Thread-safety: a pure function.
#ifndef OPTIN_SERVER_OPENAPI_H_
#define OPTIN_SERVER_OPENAPI_H_

#include <string>

#include "optin/status.h"

namespace optin::server {

// The document as JSON. kInternal naming the route when a row names a body
// schema that api_schemas.h does not have.
Result<std::string> OpenApiJson();

}  // namespace optin::server

#endif  // OPTIN_SERVER_OPENAPI_H_
