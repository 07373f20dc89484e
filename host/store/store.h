// The host's storage interface, implemented by SQLite (embedded default) and
// PostgreSQL (many stateless hosts over one database). Every method is one
// transaction and is safe to call from any thread.
//
// What is stored is deliberately poor in meaning: account public keys, hashes
// of bearer tokens, key slots (opaque wrapped blobs under client-derived
// lookup ids), and ciphertext blobs with their size, version and times.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"

namespace cloister::host {

// The schema version this build reads and writes; migrate() brings a
// database up to it.
inline constexpr int kSchemaVersion = 1;

// An account is its Ed25519 public key.
using AccountKey = std::array<uint8_t, 32>;
// A key slot's lookup id, derived by the client from the unlocking secret.
using LookupId = std::array<uint8_t, 32>;

enum class SlotKind { kPasskeyPrf, kFido2HmacSecret, kPassphrase, kRecovery };

// Returns the wire name of `kind`, e.g. "passkey-prf".
std::string_view slot_kind_name(SlotKind kind);
// Parses a wire name; fails with kInvalidArgument on anything else.
Result<SlotKind> parse_slot_kind(std::string_view name);

struct KeySlot {
  LookupId lookup_id{};
  AccountKey account{};
  SlotKind kind = SlotKind::kPassphrase;
  Bytes wrapped;  // the client's wrapped root secret, opaque here
  int64_t created_ms = 0;
};

struct BlobMeta {
  std::string id;
  uint64_t version = 0;  // 1 on creation, +1 on every write or delete
  uint64_t size = 0;     // 0 for a deletion
  bool deleted = false;  // a tombstone, kept so other devices learn of it
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  uint64_t change_seq = 0;  // the account's change counter at the last write
};

struct Blob {
  BlobMeta meta;
  Bytes data;
};

// The optimistic-concurrency condition of a write.
struct Precondition {
  enum class Kind { kMustNotExist, kMustMatch };
  Kind kind = Kind::kMustNotExist;
  uint64_t version = 0;  // for kMustMatch

  static Precondition must_not_exist() { return {Kind::kMustNotExist, 0}; }
  static Precondition must_match(uint64_t version) { return {Kind::kMustMatch, version}; }
};

struct Quota {
  uint64_t max_bytes = 0;  // total size of an account's live blobs
  uint64_t max_blobs = 0;  // number of an account's live blobs
};

struct AccountUsage {
  uint64_t bytes = 0;
  uint64_t blobs = 0;
  uint64_t slots = 0;
};

struct ChangePage {
  std::vector<BlobMeta> changes;  // in change order
  uint64_t cursor = 0;            // pass as `since` to continue
  bool more = false;              // true if the page was cut at the limit
};

struct StoreStats {
  int schema_version = 0;
  uint64_t accounts = 0;
  uint64_t blobs = 0;
  uint64_t blob_bytes = 0;
  uint64_t tombstones = 0;
  uint64_t slots = 0;
  uint64_t tokens = 0;
  uint64_t challenges = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Returns "sqlite" or "postgres".
  virtual std::string_view backend() const = 0;

  // Returns the database's schema version (0 if it has no schema yet).
  virtual Result<int> schema_version() = 0;
  // Creates or upgrades the schema to kSchemaVersion. Idempotent.
  virtual Status migrate() = 0;
  // Returns row counts and sizes, for `cloister-host db stats`.
  virtual Result<StoreStats> stats() = 0;

  // Records a sign-in challenge issued to `account`, valid until `expires`.
  virtual Status put_challenge(ByteSpan challenge, const AccountKey& account,
                               TimePoint expires) = 0;
  // Removes the challenge and returns the account it was issued to. Fails
  // with kRejected if it is unknown, already used, or expired at `now`.
  virtual Result<AccountKey> take_challenge(ByteSpan challenge, TimePoint now) = 0;

  // Creates the account if it does not exist yet.
  virtual Status ensure_account(const AccountKey& account, TimePoint now) = 0;

  // Records a bearer token by its hash. The account must exist.
  virtual Status put_token(ByteSpan token_hash, const AccountKey& account, TimePoint expires) = 0;
  // Returns the account of an unexpired token; kNotFound otherwise.
  virtual Result<AccountKey> find_token(ByteSpan token_hash, TimePoint now) = 0;
  // Revokes a token. Succeeds whether or not it existed.
  virtual Status delete_token(ByteSpan token_hash) = 0;
  // Deletes expired challenges and tokens, and tombstones last written before
  // `tombstones_before`. Returns how many rows went.
  virtual Result<uint64_t> purge(TimePoint now, TimePoint tombstones_before) = 0;

  // Adds a key slot. Fails with kAlreadyExists if the lookup id is taken (by
  // any account), kResourceExhausted if the account has `max_slots` already.
  virtual Status put_slot(const KeySlot& slot, uint64_t max_slots) = 0;
  // Returns the slot with `lookup_id`; kNotFound if none.
  virtual Result<KeySlot> get_slot(const LookupId& lookup_id) = 0;
  // Returns the account's slots, oldest first.
  virtual Result<std::vector<KeySlot>> list_slots(const AccountKey& account) = 0;
  // Removes one of the account's slots; kNotFound if it has no such slot.
  virtual Status delete_slot(const AccountKey& account, const LookupId& lookup_id) = 0;

  // Creates or replaces a blob under `precondition`: kConflict if it does not
  // hold (nothing is written), kResourceExhausted if the quota would be
  // exceeded. Returns the new metadata.
  virtual Result<BlobMeta> put_blob(const AccountKey& account, std::string_view id, ByteSpan data,
                                    Precondition precondition, const Quota& quota,
                                    TimePoint now) = 0;
  // Returns a live blob; kNotFound if absent or deleted.
  virtual Result<Blob> get_blob(const AccountKey& account, std::string_view id) = 0;
  // Deletes a live blob, leaving a tombstone with the next version. With
  // `if_match`, fails with kConflict unless the current version equals it.
  virtual Result<BlobMeta> delete_blob(const AccountKey& account, std::string_view id,
                                       std::optional<uint64_t> if_match, TimePoint now) = 0;
  // Returns up to `limit` blobs (live or tombstones) changed after cursor
  // `since`, in change order. Fails with kFailedPrecondition if tombstones
  // after `since` were purged (the client must sync again from 0).
  virtual Result<ChangePage> list_changes(const AccountKey& account, uint64_t since,
                                          uint64_t limit) = 0;
  // Returns what the account uses.
  virtual Result<AccountUsage> usage(const AccountKey& account) = 0;
};

// Returns milliseconds since the Unix epoch.
int64_t to_unix_ms(TimePoint at);

}  // namespace cloister::host
