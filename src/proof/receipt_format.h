// File: src/proof/receipt_format.h
//
// The receipt (docs/log_format.md, "Receipts"): what one says, and writing
// it. receipt.cc reads and verifies what receipt_writer.cc writes; the
// names they share are here.
//
// Thread-safety: values and pure functions.
#ifndef OPTIN_PROOF_RECEIPT_FORMAT_H_
#define OPTIN_PROOF_RECEIPT_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "optin/ledger.h"
#include "optin/proof.h"
#include "src/proof/log_key.h"

namespace optin {

// DO NOT CHANGE: the receipt's `schema`.
inline constexpr std::string_view kReceiptSchema = "optin-receipt-v1";

// What a receipt says about one event, in one locale.
struct ReceiptContent {
  std::string subject;
  std::string controller_name, controller_contact;
  std::string locale;
  Action action = Action::kGrant;
  int64_t time = 0;  // microseconds since the Unix epoch
  std::string channel;
  uint64_t sequence = 0;
  struct DataCategory {
    std::string id, title;
    bool sensitive = false;
  };
  struct Recipient {
    std::string name, role;
  };
  // The purpose as the notice the event names said it. Only `id` is set for
  // an event that names a purpose but no notice; none for a signal.
  struct Purpose {
    std::string id;
    bool from_notice = false;  // everything below is set
    std::string basis, title, description, benefit;
    bool sale_or_share = false;
    std::string retention, expires;  // ISO 8601 durations; empty when none
    std::vector<DataCategory> data;
    std::vector<Recipient> recipients;
    std::string notice_version;
    std::string notice_text;  // the canonical notice (docs/notice_version.md)
  };
  std::optional<Purpose> purpose;
  // What the recipients of the data were told of the event, and what they
  // confirmed, as known when the receipt is made (docs/recipients.md).
  struct Told {
    std::string recipient, name, delivery, action;
    int64_t told = 0;       // 0: not yet
    int64_t confirmed = 0;  // 0: not confirmed
    std::string confirmed_action;
    int64_t stopped_at = 0;
  };
  std::vector<Told> told;
  std::string event;  // the event's canonical bytes
  InclusionProof proof;
  SignedTreeHead head;
};

// The receipt file: the canonical receipt object, signed with `key`.
Result<std::string> WriteReceipt(const ReceiptContent& content, const internal::LogKey& key);

}  // namespace optin

#endif  // OPTIN_PROOF_RECEIPT_FORMAT_H_
