#include "host/store/store_rules.h"

#include <algorithm>
#include <array>

namespace cloister::host {
namespace {

constexpr std::array<std::pair<SlotKind, std::string_view>, 4> kSlotKinds = {{
    {SlotKind::kPasskeyPrf, "passkey-prf"},
    {SlotKind::kFido2HmacSecret, "fido2-hmac-secret"},
    {SlotKind::kPassphrase, "passphrase"},
    {SlotKind::kRecovery, "recovery"},
}};

}  // namespace

std::string_view slot_kind_name(SlotKind kind) {
  for (const auto& [k, name] : kSlotKinds) {
    if (k == kind) return name;
  }
  return "unknown";
}

Result<SlotKind> parse_slot_kind(std::string_view name) {
  for (const auto& [kind, text] : kSlotKinds) {
    if (text == name) return kind;
  }
  return Error(ErrorCode::kInvalidArgument,
               "slot kind must be passkey-prf, fido2-hmac-secret, passphrase or recovery");
}

int64_t to_unix_ms(TimePoint at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

Result<BlobWrite> plan_put(const AccountState& state, const std::optional<BlobMeta>& current,
                           std::string_view id, uint64_t size, Precondition precondition,
                           const Quota& quota, int64_t now_ms) {
  bool live = current && !current->deleted;
  if (precondition.kind == Precondition::Kind::kMustNotExist && live) {
    return Error(ErrorCode::kConflict, "blob '" + std::string(id) + "' already exists at version " +
                                           std::to_string(current->version));
  }
  if (precondition.kind == Precondition::Kind::kMustMatch) {
    if (!live) {
      return Error(ErrorCode::kConflict, "blob '" + std::string(id) +
                                             "' does not exist, so version " +
                                             std::to_string(precondition.version) + " is stale");
    }
    if (current->version != precondition.version) {
      return Error(ErrorCode::kConflict, "blob '" + std::string(id) + "' is at version " +
                                             std::to_string(current->version) + ", not " +
                                             std::to_string(precondition.version));
    }
  }
  BlobWrite write;
  write.account = state;
  uint64_t old_size = live ? current->size : 0;
  write.account.used_bytes = state.used_bytes - std::min(old_size, state.used_bytes) + size;
  write.account.blob_count = state.blob_count + (live ? 0 : 1);
  if (write.account.used_bytes > quota.max_bytes) {
    return Error(ErrorCode::kResourceExhausted,
                 "storing this blob would use " + std::to_string(write.account.used_bytes) +
                     " bytes, over the account's quota of " + std::to_string(quota.max_bytes));
  }
  if (write.account.blob_count > quota.max_blobs) {
    return Error(ErrorCode::kResourceExhausted, "the account already holds its quota of " +
                                                    std::to_string(quota.max_blobs) + " blobs");
  }
  write.account.change_seq = state.change_seq + 1;
  write.meta.id = std::string(id);
  // A tombstone keeps counting versions, so a re-created blob never reuses
  // one (clients bind the version into their AEAD associated data).
  write.meta.version = current ? current->version + 1 : 1;
  write.meta.size = size;
  write.meta.deleted = false;
  write.meta.created_ms = live ? current->created_ms : now_ms;
  write.meta.updated_ms = now_ms;
  write.meta.change_seq = write.account.change_seq;
  return write;
}

Result<BlobWrite> plan_delete(const AccountState& state, const std::optional<BlobMeta>& current,
                              std::string_view id, std::optional<uint64_t> if_match,
                              int64_t now_ms) {
  if (!current || current->deleted) return blob_not_found(id);
  if (if_match && *if_match != current->version) {
    return Error(ErrorCode::kConflict, "blob '" + std::string(id) + "' is at version " +
                                           std::to_string(current->version) + ", not " +
                                           std::to_string(*if_match));
  }
  BlobWrite write;
  write.account = state;
  write.account.used_bytes = state.used_bytes - std::min(current->size, state.used_bytes);
  write.account.blob_count = state.blob_count - std::min<uint64_t>(1, state.blob_count);
  write.account.change_seq = state.change_seq + 1;
  write.meta = *current;
  write.meta.version = current->version + 1;
  write.meta.size = 0;
  write.meta.deleted = true;
  write.meta.updated_ms = now_ms;
  write.meta.change_seq = write.account.change_seq;
  return write;
}

Status check_cursor(uint64_t since, uint64_t purged_seq) {
  if (since != 0 && since < purged_seq) {
    return Error(ErrorCode::kFailedPrecondition,
                 "cursor " + std::to_string(since) +
                     " is older than the deletions this host still remembers; sync again from 0");
  }
  return ok_status();
}

ChangePage make_page(std::vector<BlobMeta> rows, uint64_t since, uint64_t limit) {
  ChangePage page;
  page.more = rows.size() > limit;
  if (page.more) rows.resize(limit);
  page.cursor = rows.empty() ? since : rows.back().change_seq;
  page.changes = std::move(rows);
  return page;
}

Status check_slot_count(uint64_t current, uint64_t max_slots) {
  if (current >= max_slots) {
    return Error(ErrorCode::kResourceExhausted,
                 "the account already has its maximum of " + std::to_string(max_slots) + " slots");
  }
  return ok_status();
}

Status check_schema_not_newer(int version) {
  if (version > kSchemaVersion) {
    return Error(ErrorCode::kFailedPrecondition, "database schema version " +
                                                     std::to_string(version) +
                                                     " is newer than this build understands (" +
                                                     std::to_string(kSchemaVersion) + ")");
  }
  return ok_status();
}

Error slot_taken() {
  return Error(ErrorCode::kAlreadyExists, "a key slot with this lookup id exists");
}

Error unknown_challenge() {
  return Error(ErrorCode::kRejected, "unknown, used or expired sign-in challenge");
}

Error blob_not_found(std::string_view id) {
  return Error(ErrorCode::kNotFound, "no blob '" + std::string(id) + "'");
}

Result<AccountKey> to_account_key(ByteSpan bytes) {
  AccountKey key{};
  if (bytes.size() != key.size()) {
    return Error(ErrorCode::kMalformed, "stored account key is not 32 bytes");
  }
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

}  // namespace cloister::host
