// File: src/server/export_page.h
//
// The customer's copy of their record as a page (`GET
// /v1/subjects/{id}/export?format=html`, `optin export --html`): it reads
// like the preference center, in the customer's language, with the texts of
// web/i18n (one source for both): the purposes by title, their choices and
// history in words, every notice they answered as they read it, and their
// receipts, each explained, with the receipt files kept whole so that they
// still verify.
//
// Thread-safety: a pure function.
#ifndef OPTIN_SRC_SERVER_EXPORT_PAGE_H_
#define OPTIN_SRC_SERVER_EXPORT_PAGE_H_

#include <cstdint>
#include <string>

#include "optin/engine.h"

namespace optin::server {

struct ExportPageOptions {
  // The customer's own preference-center page, where receipts can be
  // checked, when the export was asked for with their link; empty otherwise.
  std::string page_url;
  int64_t page_expires = 0;  // microseconds since the Unix epoch
};

std::string ExportPage(const SubjectExport& record, const ExportPageOptions& options = {});

}  // namespace optin::server

#endif  // OPTIN_SRC_SERVER_EXPORT_PAGE_H_
