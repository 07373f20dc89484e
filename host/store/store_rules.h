// Private to the store back ends: the rules every back end applies the same
// way (preconditions, quotas, versions, cursors), so that SQLite and
// PostgreSQL differ only in how they read and write rows.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "host/store/store.h"

namespace cloister::host {

// The per-account counters a blob write reads and updates.
struct AccountState {
  uint64_t change_seq = 0;
  uint64_t used_bytes = 0;
  uint64_t blob_count = 0;
};

// The outcome of a planned blob write: the row to store and the new counters.
struct BlobWrite {
  BlobMeta meta;
  AccountState account;
};

// Checks `precondition` and `quota` against the current row (absent, live or
// a tombstone) and returns what a put of `size` bytes writes.
Result<BlobWrite> plan_put(const AccountState& state, const std::optional<BlobMeta>& current,
                           std::string_view id, uint64_t size, Precondition precondition,
                           const Quota& quota, int64_t now_ms);
// Checks that the blob is live (and at `if_match`) and returns its tombstone.
Result<BlobWrite> plan_delete(const AccountState& state, const std::optional<BlobMeta>& current,
                              std::string_view id, std::optional<uint64_t> if_match,
                              int64_t now_ms);

// Fails if tombstones newer than `since` were purged.
Status check_cursor(uint64_t since, uint64_t purged_seq);
// Cuts `rows` (fetched with limit + 1) into a page.
ChangePage make_page(std::vector<BlobMeta> rows, uint64_t since, uint64_t limit);

Status check_slot_count(uint64_t current, uint64_t max_slots);
Status check_schema_not_newer(int version);
Error slot_taken();
Error unknown_challenge();
Error blob_not_found(std::string_view id);
Result<AccountKey> to_account_key(ByteSpan bytes);

}  // namespace cloister::host
