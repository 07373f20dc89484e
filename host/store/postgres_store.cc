#include "host/store/postgres_store.h"

#include "host/store/pg_db.h"
#include "host/store/store_rules.h"

namespace cloister::host {
namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE accounts (
  account BYTEA PRIMARY KEY CHECK (length(account) = 32),
  created_ms BIGINT NOT NULL,
  change_seq BIGINT NOT NULL DEFAULT 0,
  purged_seq BIGINT NOT NULL DEFAULT 0,
  used_bytes BIGINT NOT NULL DEFAULT 0,
  blob_count BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE challenges (
  challenge BYTEA PRIMARY KEY,
  account BYTEA NOT NULL,
  expires_ms BIGINT NOT NULL
);
CREATE INDEX challenges_expiry ON challenges (expires_ms);
CREATE TABLE tokens (
  token_hash BYTEA PRIMARY KEY,
  account BYTEA NOT NULL REFERENCES accounts (account) ON DELETE CASCADE,
  expires_ms BIGINT NOT NULL
);
CREATE INDEX tokens_expiry ON tokens (expires_ms);
CREATE TABLE slots (
  lookup_id BYTEA PRIMARY KEY CHECK (length(lookup_id) = 32),
  account BYTEA NOT NULL REFERENCES accounts (account) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  wrapped BYTEA NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE INDEX slots_account ON slots (account);
CREATE TABLE blobs (
  account BYTEA NOT NULL REFERENCES accounts (account) ON DELETE CASCADE,
  id TEXT NOT NULL,
  version BIGINT NOT NULL,
  size BIGINT NOT NULL,
  deleted BOOLEAN NOT NULL,
  data BYTEA,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  change_seq BIGINT NOT NULL,
  PRIMARY KEY (account, id)
);
CREATE INDEX blobs_changes ON blobs (account, change_seq);
)sql";

// Any constant shared by every host; serializes concurrent migrations.
constexpr int64_t kMigrationLock = 0x636c6f6973746572;  // "cloister"

constexpr std::string_view kBlobColumns =
    "id, version, size, deleted, created_ms, updated_ms, change_seq";

BlobMeta read_meta(const PgResult& rows, int row) {
  BlobMeta meta;
  meta.id = rows.text(row, 0);
  meta.version = static_cast<uint64_t>(rows.integer(row, 1));
  meta.size = static_cast<uint64_t>(rows.integer(row, 2));
  meta.deleted = rows.boolean(row, 3);
  meta.created_ms = rows.integer(row, 4);
  meta.updated_ms = rows.integer(row, 5);
  meta.change_seq = static_cast<uint64_t>(rows.integer(row, 6));
  return meta;
}

Result<KeySlot> read_slot(const PgResult& rows, int row) {
  KeySlot slot;
  CLOISTER_ASSIGN_OR_RETURN(Bytes lookup, rows.bytea(row, 0));
  CLOISTER_ASSIGN_OR_RETURN(Bytes account, rows.bytea(row, 1));
  CLOISTER_ASSIGN_OR_RETURN(slot.kind, parse_slot_kind(rows.text(row, 2)));
  CLOISTER_ASSIGN_OR_RETURN(slot.wrapped, rows.bytea(row, 3));
  slot.created_ms = rows.integer(row, 4);
  if (lookup.size() != slot.lookup_id.size()) {
    return Error(ErrorCode::kMalformed, "stored key slot has a bad lookup id length");
  }
  std::copy(lookup.begin(), lookup.end(), slot.lookup_id.begin());
  CLOISTER_ASSIGN_OR_RETURN(slot.account, to_account_key(account));
  return slot;
}

int64_t as_int(uint64_t value) { return static_cast<int64_t>(value); }

// Reads an account's counters, locking its row until the transaction ends.
Result<AccountState> lock_account(PgConnection& db, const AccountKey& account) {
  CLOISTER_ASSIGN_OR_RETURN(
      auto rows, db.exec("SELECT change_seq, used_bytes, blob_count FROM accounts WHERE account "
                         "= $1 FOR UPDATE",
                         PgParams().add(account)));
  if (rows.rows() == 0) return Error(ErrorCode::kNotFound, "no such account");
  return AccountState{static_cast<uint64_t>(rows.integer(0, 0)),
                      static_cast<uint64_t>(rows.integer(0, 1)),
                      static_cast<uint64_t>(rows.integer(0, 2))};
}

Status write_account(PgConnection& db, const AccountKey& account, const AccountState& state) {
  CLOISTER_TRY(db.exec(
      "UPDATE accounts SET change_seq = $1, used_bytes = $2, blob_count = $3 WHERE account = $4",
      PgParams()
          .add(as_int(state.change_seq))
          .add(as_int(state.used_bytes))
          .add(as_int(state.blob_count))
          .add(account)));
  return ok_status();
}

Result<std::optional<BlobMeta>> read_blob_meta(PgConnection& db, const AccountKey& account,
                                               std::string_view id) {
  CLOISTER_ASSIGN_OR_RETURN(auto rows, db.exec("SELECT " + std::string(kBlobColumns) +
                                                   " FROM blobs WHERE account = $1 AND id = $2",
                                               PgParams().add(account).add_text(id)));
  if (rows.rows() == 0) return std::optional<BlobMeta>();
  return std::optional<BlobMeta>(read_meta(rows, 0));
}

class PostgresStore final : public Store {
  // Helpers first: their deduced return types must be known where used.
  template <class Fn>
  auto run(Fn&& fn) {
    return pool_->with_connection(std::forward<Fn>(fn));
  }

  template <class Fn>
  auto transaction(Fn&& fn) {
    return pool_->with_connection(
        [&](PgConnection& db) { return pg_transaction(db, std::forward<Fn>(fn)); });
  }

 public:
  explicit PostgresStore(std::unique_ptr<PgPool> pool) : pool_(std::move(pool)) {}

  std::string_view backend() const override { return "postgres"; }

  Result<int> schema_version() override {
    return pool_->with_connection([](PgConnection& db) -> Result<int> {
      CLOISTER_ASSIGN_OR_RETURN(auto exists, db.exec("SELECT to_regclass('schema_version')"));
      if (exists.is_null(0, 0)) return 0;
      CLOISTER_ASSIGN_OR_RETURN(auto rows,
                                db.exec("SELECT coalesce(max(version), 0) FROM schema_version"));
      return static_cast<int>(rows.integer(0, 0));
    });
  }

  Status migrate() override {
    return pool_->with_connection([](PgConnection& db) -> Status {
      return pg_transaction(db, [](PgConnection& tx) -> Status {
        CLOISTER_TRY(tx.exec("SELECT pg_advisory_xact_lock($1)", PgParams().add(kMigrationLock)));
        CLOISTER_TRY(
            tx.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
        CLOISTER_ASSIGN_OR_RETURN(auto rows,
                                  tx.exec("SELECT coalesce(max(version), 0) FROM schema_version"));
        int version = static_cast<int>(rows.integer(0, 0));
        CLOISTER_TRY(check_schema_not_newer(version));
        if (version < 1) {
          CLOISTER_TRY(tx.exec(kSchemaV1));
          CLOISTER_TRY(tx.exec("INSERT INTO schema_version (version) VALUES (1)"));
        }
        return ok_status();
      });
    });
  }

  Result<StoreStats> stats() override {
    CLOISTER_ASSIGN_OR_RETURN(int version, schema_version());
    StoreStats stats;
    stats.schema_version = version;
    if (version == 0) return stats;
    return pool_->with_connection([&](PgConnection& db) -> Result<StoreStats> {
      CLOISTER_ASSIGN_OR_RETURN(
          auto rows,
          db.exec("SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM blobs WHERE NOT "
                  "deleted), (SELECT coalesce(sum(size), 0) FROM blobs WHERE NOT deleted), "
                  "(SELECT count(*) FROM blobs WHERE deleted), (SELECT count(*) FROM slots), "
                  "(SELECT count(*) FROM tokens), (SELECT count(*) FROM challenges)"));
      stats.accounts = static_cast<uint64_t>(rows.integer(0, 0));
      stats.blobs = static_cast<uint64_t>(rows.integer(0, 1));
      stats.blob_bytes = static_cast<uint64_t>(rows.integer(0, 2));
      stats.tombstones = static_cast<uint64_t>(rows.integer(0, 3));
      stats.slots = static_cast<uint64_t>(rows.integer(0, 4));
      stats.tokens = static_cast<uint64_t>(rows.integer(0, 5));
      stats.challenges = static_cast<uint64_t>(rows.integer(0, 6));
      return stats;
    });
  }

  Status put_challenge(ByteSpan challenge, const AccountKey& account, TimePoint expires) override {
    return run([&](PgConnection& db) -> Status {
      CLOISTER_TRY(
          db.exec("INSERT INTO challenges (challenge, account, expires_ms) VALUES ($1, $2, $3)",
                  PgParams().add(challenge).add(account).add(to_unix_ms(expires))));
      return ok_status();
    });
  }

  Result<AccountKey> take_challenge(ByteSpan challenge, TimePoint now) override {
    return run([&](PgConnection& db) -> Result<AccountKey> {
      CLOISTER_ASSIGN_OR_RETURN(
          auto rows, db.exec("DELETE FROM challenges WHERE challenge = $1 RETURNING account, "
                             "expires_ms",
                             PgParams().add(challenge)));
      if (rows.rows() == 0 || rows.integer(0, 1) <= to_unix_ms(now)) return unknown_challenge();
      CLOISTER_ASSIGN_OR_RETURN(Bytes account, rows.bytea(0, 0));
      return to_account_key(account);
    });
  }

  Status ensure_account(const AccountKey& account, TimePoint now) override {
    return run([&](PgConnection& db) -> Status {
      CLOISTER_TRY(
          db.exec("INSERT INTO accounts (account, created_ms) VALUES ($1, $2) ON "
                  "CONFLICT (account) DO NOTHING",
                  PgParams().add(account).add(to_unix_ms(now))));
      return ok_status();
    });
  }

  Status put_token(ByteSpan token_hash, const AccountKey& account, TimePoint expires) override {
    return run([&](PgConnection& db) -> Status {
      CLOISTER_TRY(
          db.exec("INSERT INTO tokens (token_hash, account, expires_ms) VALUES ($1, $2, "
                  "$3)",
                  PgParams().add(token_hash).add(account).add(to_unix_ms(expires))));
      return ok_status();
    });
  }

  Result<AccountKey> find_token(ByteSpan token_hash, TimePoint now) override {
    return run([&](PgConnection& db) -> Result<AccountKey> {
      CLOISTER_ASSIGN_OR_RETURN(
          auto rows, db.exec("SELECT account FROM tokens WHERE token_hash = $1 AND expires_ms > $2",
                             PgParams().add(token_hash).add(to_unix_ms(now))));
      if (rows.rows() == 0) return Error(ErrorCode::kNotFound, "unknown or expired token");
      CLOISTER_ASSIGN_OR_RETURN(Bytes account, rows.bytea(0, 0));
      return to_account_key(account);
    });
  }

  Status delete_token(ByteSpan token_hash) override {
    return run([&](PgConnection& db) -> Status {
      CLOISTER_TRY(db.exec("DELETE FROM tokens WHERE token_hash = $1", PgParams().add(token_hash)));
      return ok_status();
    });
  }

  Result<uint64_t> purge(TimePoint now, TimePoint tombstones_before) override {
    return transaction([&](PgConnection& db) -> Result<uint64_t> {
      uint64_t removed = 0;
      for (std::string_view sql : {"DELETE FROM challenges WHERE expires_ms <= $1",
                                   "DELETE FROM tokens WHERE expires_ms <= $1"}) {
        CLOISTER_ASSIGN_OR_RETURN(auto rows, db.exec(sql, PgParams().add(to_unix_ms(now))));
        removed += rows.affected();
      }
      int64_t cutoff = to_unix_ms(tombstones_before);
      CLOISTER_TRY(db.exec(
          "UPDATE accounts a SET purged_seq = GREATEST(a.purged_seq, t.max_seq) FROM (SELECT "
          "account, max(change_seq) AS max_seq FROM blobs WHERE deleted AND updated_ms < $1 "
          "GROUP BY account) t WHERE a.account = t.account",
          PgParams().add(cutoff)));
      CLOISTER_ASSIGN_OR_RETURN(auto rows, db.exec("DELETE FROM blobs WHERE deleted AND "
                                                   "updated_ms < $1",
                                                   PgParams().add(cutoff)));
      removed += rows.affected();
      return removed;
    });
  }

  Status put_slot(const KeySlot& slot, uint64_t max_slots) override {
    return transaction([&](PgConnection& db) -> Status {
      CLOISTER_TRY(lock_account(db, slot.account));
      CLOISTER_ASSIGN_OR_RETURN(auto count, db.exec("SELECT count(*) FROM slots WHERE account = $1",
                                                    PgParams().add(slot.account)));
      CLOISTER_TRY(check_slot_count(static_cast<uint64_t>(count.integer(0, 0)), max_slots));
      auto inserted = db.exec(
          "INSERT INTO slots (lookup_id, account, kind, wrapped, created_ms) VALUES ($1, $2, $3, "
          "$4, $5)",
          PgParams()
              .add(slot.lookup_id)
              .add(slot.account)
              .add_text(slot_kind_name(slot.kind))
              .add(slot.wrapped)
              .add(slot.created_ms));
      if (!inserted.ok()) {
        if (inserted.error().code() == ErrorCode::kAlreadyExists) return slot_taken();
        return inserted.error();
      }
      return ok_status();
    });
  }

  Result<KeySlot> get_slot(const LookupId& lookup_id) override {
    return run([&](PgConnection& db) -> Result<KeySlot> {
      CLOISTER_ASSIGN_OR_RETURN(
          auto rows, db.exec("SELECT lookup_id, account, kind, wrapped, created_ms FROM slots "
                             "WHERE lookup_id = $1",
                             PgParams().add(lookup_id)));
      if (rows.rows() == 0) return Error(ErrorCode::kNotFound, "no key slot has this lookup id");
      return read_slot(rows, 0);
    });
  }

  Result<std::vector<KeySlot>> list_slots(const AccountKey& account) override {
    return run([&](PgConnection& db) -> Result<std::vector<KeySlot>> {
      CLOISTER_ASSIGN_OR_RETURN(
          auto rows, db.exec("SELECT lookup_id, account, kind, wrapped, created_ms FROM slots "
                             "WHERE account = $1 ORDER BY created_ms, lookup_id",
                             PgParams().add(account)));
      std::vector<KeySlot> slots;
      for (int row = 0; row < rows.rows(); ++row) {
        CLOISTER_ASSIGN_OR_RETURN(auto slot, read_slot(rows, row));
        slots.push_back(std::move(slot));
      }
      return slots;
    });
  }

  Status delete_slot(const AccountKey& account, const LookupId& lookup_id) override {
    return run([&](PgConnection& db) -> Status {
      CLOISTER_ASSIGN_OR_RETURN(auto rows,
                                db.exec("DELETE FROM slots WHERE account = $1 AND lookup_id = $2",
                                        PgParams().add(account).add(lookup_id)));
      if (rows.affected() == 0) return Error(ErrorCode::kNotFound, "the account has no such slot");
      return ok_status();
    });
  }

  Result<BlobMeta> put_blob(const AccountKey& account, std::string_view id, ByteSpan data,
                            Precondition precondition, const Quota& quota, TimePoint now) override {
    return transaction([&](PgConnection& db) -> Result<BlobMeta> {
      CLOISTER_ASSIGN_OR_RETURN(AccountState state, lock_account(db, account));
      CLOISTER_ASSIGN_OR_RETURN(auto current, read_blob_meta(db, account, id));
      CLOISTER_ASSIGN_OR_RETURN(BlobWrite write, plan_put(state, current, id, data.size(),
                                                          precondition, quota, to_unix_ms(now)));
      CLOISTER_TRY(db.exec(
          "INSERT INTO blobs (account, id, version, size, deleted, data, created_ms, updated_ms, "
          "change_seq) VALUES ($1, $2, $3, $4, FALSE, $5, $6, $7, $8) ON CONFLICT (account, id) "
          "DO UPDATE SET version = $3, size = $4, deleted = FALSE, data = $5, created_ms = $6, "
          "updated_ms = $7, change_seq = $8",
          PgParams()
              .add(account)
              .add_text(id)
              .add(as_int(write.meta.version))
              .add(as_int(write.meta.size))
              .add(data)
              .add(write.meta.created_ms)
              .add(write.meta.updated_ms)
              .add(as_int(write.meta.change_seq))));
      CLOISTER_TRY(write_account(db, account, write.account));
      return write.meta;
    });
  }

  Result<Blob> get_blob(const AccountKey& account, std::string_view id) override {
    return run([&](PgConnection& db) -> Result<Blob> {
      CLOISTER_ASSIGN_OR_RETURN(
          auto rows, db.exec("SELECT " + std::string(kBlobColumns) +
                                 ", data FROM blobs WHERE account = $1 AND id = $2 AND NOT deleted",
                             PgParams().add(account).add_text(id)));
      if (rows.rows() == 0) return blob_not_found(id);
      Blob blob;
      blob.meta = read_meta(rows, 0);
      CLOISTER_ASSIGN_OR_RETURN(blob.data, rows.bytea(0, 7));
      return blob;
    });
  }

  Result<BlobMeta> delete_blob(const AccountKey& account, std::string_view id,
                               std::optional<uint64_t> if_match, TimePoint now) override {
    return transaction([&](PgConnection& db) -> Result<BlobMeta> {
      CLOISTER_ASSIGN_OR_RETURN(AccountState state, lock_account(db, account));
      CLOISTER_ASSIGN_OR_RETURN(auto current, read_blob_meta(db, account, id));
      CLOISTER_ASSIGN_OR_RETURN(BlobWrite write,
                                plan_delete(state, current, id, if_match, to_unix_ms(now)));
      CLOISTER_TRY(db.exec(
          "UPDATE blobs SET version = $1, size = 0, deleted = TRUE, data = NULL, updated_ms = $2, "
          "change_seq = $3 WHERE account = $4 AND id = $5",
          PgParams()
              .add(as_int(write.meta.version))
              .add(write.meta.updated_ms)
              .add(as_int(write.meta.change_seq))
              .add(account)
              .add_text(id)));
      CLOISTER_TRY(write_account(db, account, write.account));
      return write.meta;
    });
  }

  Result<ChangePage> list_changes(const AccountKey& account, uint64_t since,
                                  uint64_t limit) override {
    // REPEATABLE READ gives one snapshot for the purge mark and the rows.
    return transaction([&](PgConnection& db) -> Result<ChangePage> {
      CLOISTER_TRY(db.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"));
      CLOISTER_ASSIGN_OR_RETURN(auto mark, db.exec("SELECT purged_seq FROM accounts WHERE account "
                                                   "= $1",
                                                   PgParams().add(account)));
      uint64_t purged = mark.rows() > 0 ? static_cast<uint64_t>(mark.integer(0, 0)) : 0;
      CLOISTER_TRY(check_cursor(since, purged));
      CLOISTER_ASSIGN_OR_RETURN(
          auto rows, db.exec("SELECT " + std::string(kBlobColumns) +
                                 " FROM blobs WHERE account = $1 AND change_seq > $2 ORDER BY "
                                 "change_seq LIMIT $3",
                             PgParams().add(account).add(as_int(since)).add(as_int(limit + 1))));
      std::vector<BlobMeta> changes;
      changes.reserve(static_cast<size_t>(rows.rows()));
      for (int row = 0; row < rows.rows(); ++row) changes.push_back(read_meta(rows, row));
      return make_page(std::move(changes), since, limit);
    });
  }

  Result<AccountUsage> usage(const AccountKey& account) override {
    return run([&](PgConnection& db) -> Result<AccountUsage> {
      CLOISTER_ASSIGN_OR_RETURN(
          auto rows,
          db.exec("SELECT coalesce((SELECT used_bytes FROM accounts WHERE account = $1), 0), "
                  "coalesce((SELECT blob_count FROM accounts WHERE account = $1), 0), (SELECT "
                  "count(*) FROM slots WHERE account = $1)",
                  PgParams().add(account)));
      return AccountUsage{static_cast<uint64_t>(rows.integer(0, 0)),
                          static_cast<uint64_t>(rows.integer(0, 1)),
                          static_cast<uint64_t>(rows.integer(0, 2))};
    });
  }

 private:
  std::unique_ptr<PgPool> pool_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(const PostgresOptions& options) {
  CLOISTER_ASSIGN_OR_RETURN(auto pool, PgPool::open(options.conninfo, options.pool_size));
  return std::unique_ptr<Store>(new PostgresStore(std::move(pool)));
}

}  // namespace cloister::host
