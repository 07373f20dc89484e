#include "host/store/sqlite_store.h"

#include <condition_variable>
#include <mutex>
#include <vector>

#include "host/store/sqlite_db.h"
#include "host/store/store_rules.h"

namespace cloister::host {
namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE accounts (
  account BLOB PRIMARY KEY CHECK (length(account) = 32),
  created_ms INTEGER NOT NULL,
  change_seq INTEGER NOT NULL DEFAULT 0,
  purged_seq INTEGER NOT NULL DEFAULT 0,
  used_bytes INTEGER NOT NULL DEFAULT 0,
  blob_count INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE challenges (
  challenge BLOB PRIMARY KEY,
  account BLOB NOT NULL,
  expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX challenges_expiry ON challenges (expires_ms);
CREATE TABLE tokens (
  token_hash BLOB PRIMARY KEY,
  account BLOB NOT NULL REFERENCES accounts (account) ON DELETE CASCADE,
  expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tokens_expiry ON tokens (expires_ms);
CREATE TABLE slots (
  lookup_id BLOB PRIMARY KEY CHECK (length(lookup_id) = 32),
  account BLOB NOT NULL REFERENCES accounts (account) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  wrapped BLOB NOT NULL,
  created_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX slots_account ON slots (account);
CREATE TABLE blobs (
  account BLOB NOT NULL REFERENCES accounts (account) ON DELETE CASCADE,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  size INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  data BLOB,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  change_seq INTEGER NOT NULL,
  PRIMARY KEY (account, id)
) WITHOUT ROWID;
CREATE INDEX blobs_changes ON blobs (account, change_seq);
)sql";

constexpr std::string_view kBlobColumns =
    "id, version, size, deleted, created_ms, updated_ms, change_seq";

BlobMeta read_meta(const SqliteStatement& row) {
  BlobMeta meta;
  meta.id = row.column_text(0);
  meta.version = static_cast<uint64_t>(row.column_int(1));
  meta.size = static_cast<uint64_t>(row.column_int(2));
  meta.deleted = row.column_int(3) != 0;
  meta.created_ms = row.column_int(4);
  meta.updated_ms = row.column_int(5);
  meta.change_seq = static_cast<uint64_t>(row.column_int(6));
  return meta;
}

Result<KeySlot> read_slot(const SqliteStatement& row, int first) {
  KeySlot slot;
  Bytes lookup = row.column_blob(first);
  Bytes account = row.column_blob(first + 1);
  CLOISTER_ASSIGN_OR_RETURN(slot.kind, parse_slot_kind(row.column_text(first + 2)));
  if (lookup.size() != slot.lookup_id.size() || account.size() != slot.account.size()) {
    return Error(ErrorCode::kMalformed, "stored key slot has a bad key length");
  }
  std::copy(lookup.begin(), lookup.end(), slot.lookup_id.begin());
  std::copy(account.begin(), account.end(), slot.account.begin());
  slot.wrapped = row.column_blob(first + 3);
  slot.created_ms = row.column_int(first + 4);
  return slot;
}

int64_t as_int(uint64_t value) { return static_cast<int64_t>(value); }

class SqliteStore final : public Store {
  // First: its deduced return type must be known where it is used.
  template <class Fn>
  auto with_reader(Fn&& fn) {
    std::unique_lock lock(readers_mutex_);
    readers_cv_.wait(lock, [&] { return !readers_.empty(); });
    SqliteConnection db = std::move(readers_.back());
    readers_.pop_back();
    lock.unlock();
    auto result = fn(db);
    lock.lock();
    readers_.push_back(std::move(db));
    readers_cv_.notify_one();
    return result;
  }

 public:
  SqliteStore(SqliteConnection writer, std::vector<SqliteConnection> readers)
      : writer_(std::move(writer)), readers_(std::move(readers)) {}

  std::string_view backend() const override { return "sqlite"; }

  Result<int> schema_version() override {
    return with_reader([](SqliteConnection& db) -> Result<int> {
      CLOISTER_ASSIGN_OR_RETURN(auto exists,
                                SqliteStatement::prepare(db,
                                                         "SELECT 1 FROM sqlite_master WHERE "
                                                         "type = 'table' AND name = "
                                                         "'schema_version'"));
      CLOISTER_ASSIGN_OR_RETURN(bool has_table, exists.step());
      if (!has_table) return 0;
      CLOISTER_ASSIGN_OR_RETURN(auto query,
                                SqliteStatement::prepare(db,
                                                         "SELECT coalesce(max(version), 0) FROM "
                                                         "schema_version"));
      CLOISTER_TRY(query.step());
      return static_cast<int>(query.column_int(0));
    });
  }

  Status migrate() override {
    std::lock_guard lock(writer_mutex_);
    CLOISTER_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::begin(writer_));
    CLOISTER_TRY(
        writer_.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
    CLOISTER_ASSIGN_OR_RETURN(
        auto query,
        SqliteStatement::prepare(writer_, "SELECT coalesce(max(version), 0) FROM schema_version"));
    CLOISTER_TRY(query.step());
    int version = static_cast<int>(query.column_int(0));
    CLOISTER_TRY(check_schema_not_newer(version));
    if (version < 1) {
      CLOISTER_TRY(writer_.exec(kSchemaV1));
      CLOISTER_TRY(writer_.exec("INSERT INTO schema_version (version) VALUES (1)"));
    }
    return transaction.commit();
  }

  Result<StoreStats> stats() override {
    CLOISTER_ASSIGN_OR_RETURN(int version, schema_version());
    StoreStats stats;
    stats.schema_version = version;
    if (version == 0) return stats;
    return with_reader([&](SqliteConnection& db) -> Result<StoreStats> {
      CLOISTER_ASSIGN_OR_RETURN(
          auto query,
          SqliteStatement::prepare(
              db,
              "SELECT (SELECT count(*) FROM accounts), "
              "(SELECT count(*) FROM blobs WHERE deleted = 0), "
              "(SELECT coalesce(sum(size), 0) FROM blobs WHERE deleted = 0), "
              "(SELECT count(*) FROM blobs WHERE deleted = 1), (SELECT count(*) FROM slots), "
              "(SELECT count(*) FROM tokens), (SELECT count(*) FROM challenges)"));
      CLOISTER_TRY(query.step());
      stats.accounts = static_cast<uint64_t>(query.column_int(0));
      stats.blobs = static_cast<uint64_t>(query.column_int(1));
      stats.blob_bytes = static_cast<uint64_t>(query.column_int(2));
      stats.tombstones = static_cast<uint64_t>(query.column_int(3));
      stats.slots = static_cast<uint64_t>(query.column_int(4));
      stats.tokens = static_cast<uint64_t>(query.column_int(5));
      stats.challenges = static_cast<uint64_t>(query.column_int(6));
      return stats;
    });
  }

  Status put_challenge(ByteSpan challenge, const AccountKey& account, TimePoint expires) override {
    std::lock_guard lock(writer_mutex_);
    CLOISTER_ASSIGN_OR_RETURN(
        auto insert, SqliteStatement::prepare(writer_,
                                              "INSERT INTO challenges (challenge, account, "
                                              "expires_ms) VALUES (?, ?, ?)"));
    return insert.bind(1, challenge).bind(2, account).bind(3, to_unix_ms(expires)).run();
  }

  Result<AccountKey> take_challenge(ByteSpan challenge, TimePoint now) override {
    std::lock_guard lock(writer_mutex_);
    CLOISTER_ASSIGN_OR_RETURN(
        auto take,
        SqliteStatement::prepare(
            writer_, "DELETE FROM challenges WHERE challenge = ? RETURNING account, expires_ms"));
    take.bind(1, challenge);
    CLOISTER_ASSIGN_OR_RETURN(bool found, take.step());
    if (!found) return unknown_challenge();
    Bytes account = take.column_blob(0);
    int64_t expires_ms = take.column_int(1);
    CLOISTER_TRY(take.run());
    if (expires_ms <= to_unix_ms(now)) return unknown_challenge();
    return to_account_key(account);
  }

  Status ensure_account(const AccountKey& account, TimePoint now) override {
    std::lock_guard lock(writer_mutex_);
    CLOISTER_ASSIGN_OR_RETURN(
        auto insert, SqliteStatement::prepare(writer_,
                                              "INSERT INTO accounts (account, created_ms) VALUES "
                                              "(?, ?) ON CONFLICT (account) DO NOTHING"));
    return insert.bind(1, account).bind(2, to_unix_ms(now)).run();
  }

  Status put_token(ByteSpan token_hash, const AccountKey& account, TimePoint expires) override {
    std::lock_guard lock(writer_mutex_);
    CLOISTER_ASSIGN_OR_RETURN(
        auto insert,
        SqliteStatement::prepare(
            writer_, "INSERT INTO tokens (token_hash, account, expires_ms) VALUES (?, ?, ?)"));
    return insert.bind(1, token_hash).bind(2, account).bind(3, to_unix_ms(expires)).run();
  }

  Result<AccountKey> find_token(ByteSpan token_hash, TimePoint now) override {
    return with_reader([&](SqliteConnection& db) -> Result<AccountKey> {
      CLOISTER_ASSIGN_OR_RETURN(
          auto query, SqliteStatement::prepare(db,
                                               "SELECT account FROM tokens WHERE token_hash = ? "
                                               "AND expires_ms > ?"));
      query.bind(1, token_hash).bind(2, to_unix_ms(now));
      CLOISTER_ASSIGN_OR_RETURN(bool found, query.step());
      if (!found) return Error(ErrorCode::kNotFound, "unknown or expired token");
      return to_account_key(query.column_blob(0));
    });
  }

  Status delete_token(ByteSpan token_hash) override {
    std::lock_guard lock(writer_mutex_);
    CLOISTER_ASSIGN_OR_RETURN(
        auto remove, SqliteStatement::prepare(writer_, "DELETE FROM tokens WHERE token_hash = ?"));
    return remove.bind(1, token_hash).run();
  }

  Result<uint64_t> purge(TimePoint now, TimePoint tombstones_before) override {
    std::lock_guard lock(writer_mutex_);
    CLOISTER_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::begin(writer_));
    uint64_t removed = 0;
    int64_t now_ms = to_unix_ms(now);
    int64_t cutoff_ms = to_unix_ms(tombstones_before);
    for (std::string_view sql : {"DELETE FROM challenges WHERE expires_ms <= ?1",
                                 "DELETE FROM tokens WHERE expires_ms <= ?1"}) {
      CLOISTER_ASSIGN_OR_RETURN(auto remove, SqliteStatement::prepare(writer_, sql));
      CLOISTER_TRY(remove.bind(1, now_ms).run());
      removed += static_cast<uint64_t>(remove.changes());
    }
    // Remember how far each account's deletions were forgotten, so that a
    // client whose cursor is older learns it must sync from the start.
    CLOISTER_ASSIGN_OR_RETURN(
        auto mark, SqliteStatement::prepare(
                       writer_,
                       "UPDATE accounts SET purged_seq = max(purged_seq, (SELECT max(change_seq) "
                       "FROM blobs b WHERE b.account = accounts.account AND b.deleted = 1 AND "
                       "b.updated_ms < ?1)) WHERE EXISTS (SELECT 1 FROM blobs b WHERE b.account "
                       "= accounts.account AND b.deleted = 1 AND b.updated_ms < ?1)"));
    CLOISTER_TRY(mark.bind(1, cutoff_ms).run());
    CLOISTER_ASSIGN_OR_RETURN(
        auto remove, SqliteStatement::prepare(
                         writer_, "DELETE FROM blobs WHERE deleted = 1 AND updated_ms < ?"));
    CLOISTER_TRY(remove.bind(1, cutoff_ms).run());
    removed += static_cast<uint64_t>(remove.changes());
    CLOISTER_TRY(transaction.commit());
    return removed;
  }

  Status put_slot(const KeySlot& slot, uint64_t max_slots) override {
    std::lock_guard lock(writer_mutex_);
    CLOISTER_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::begin(writer_));
    CLOISTER_ASSIGN_OR_RETURN(
        auto count,
        SqliteStatement::prepare(writer_, "SELECT count(*) FROM slots WHERE account = ?"));
    count.bind(1, slot.account);
    CLOISTER_TRY(count.step());
    CLOISTER_TRY(check_slot_count(static_cast<uint64_t>(count.column_int(0)), max_slots));
    CLOISTER_ASSIGN_OR_RETURN(
        auto taken, SqliteStatement::prepare(writer_, "SELECT 1 FROM slots WHERE lookup_id = ?"));
    taken.bind(1, slot.lookup_id);
    CLOISTER_ASSIGN_OR_RETURN(bool exists, taken.step());
    if (exists) return slot_taken();
    CLOISTER_ASSIGN_OR_RETURN(
        auto insert, SqliteStatement::prepare(writer_,
                                              "INSERT INTO slots (lookup_id, account, kind, "
                                              "wrapped, created_ms) VALUES (?, ?, ?, ?, ?)"));
    CLOISTER_TRY(insert.bind(1, slot.lookup_id)
                     .bind(2, slot.account)
                     .bind_text(3, slot_kind_name(slot.kind))
                     .bind(4, slot.wrapped)
                     .bind(5, slot.created_ms)
                     .run());
    return transaction.commit();
  }

  Result<KeySlot> get_slot(const LookupId& lookup_id) override {
    return with_reader([&](SqliteConnection& db) -> Result<KeySlot> {
      CLOISTER_ASSIGN_OR_RETURN(
          auto query, SqliteStatement::prepare(db,
                                               "SELECT lookup_id, account, kind, wrapped, "
                                               "created_ms FROM slots WHERE lookup_id = ?"));
      query.bind(1, lookup_id);
      CLOISTER_ASSIGN_OR_RETURN(bool found, query.step());
      if (!found) return Error(ErrorCode::kNotFound, "no key slot has this lookup id");
      return read_slot(query, 0);
    });
  }

  Result<std::vector<KeySlot>> list_slots(const AccountKey& account) override {
    return with_reader([&](SqliteConnection& db) -> Result<std::vector<KeySlot>> {
      CLOISTER_ASSIGN_OR_RETURN(
          auto query,
          SqliteStatement::prepare(db,
                                   "SELECT lookup_id, account, kind, wrapped, created_ms FROM "
                                   "slots WHERE account = ? ORDER BY created_ms, lookup_id"));
      query.bind(1, account);
      std::vector<KeySlot> slots;
      while (true) {
        CLOISTER_ASSIGN_OR_RETURN(bool row, query.step());
        if (!row) break;
        CLOISTER_ASSIGN_OR_RETURN(auto slot, read_slot(query, 0));
        slots.push_back(std::move(slot));
      }
      return slots;
    });
  }

  Status delete_slot(const AccountKey& account, const LookupId& lookup_id) override {
    std::lock_guard lock(writer_mutex_);
    CLOISTER_ASSIGN_OR_RETURN(
        auto remove,
        SqliteStatement::prepare(writer_, "DELETE FROM slots WHERE account = ? AND lookup_id = ?"));
    CLOISTER_TRY(remove.bind(1, account).bind(2, lookup_id).run());
    if (remove.changes() == 0) return Error(ErrorCode::kNotFound, "the account has no such slot");
    return ok_status();
  }

  Result<BlobMeta> put_blob(const AccountKey& account, std::string_view id, ByteSpan data,
                            Precondition precondition, const Quota& quota, TimePoint now) override {
    std::lock_guard lock(writer_mutex_);
    CLOISTER_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::begin(writer_));
    CLOISTER_ASSIGN_OR_RETURN(AccountState state, read_account(account));
    CLOISTER_ASSIGN_OR_RETURN(std::optional<BlobMeta> current, read_blob_meta(account, id));
    CLOISTER_ASSIGN_OR_RETURN(BlobWrite write, plan_put(state, current, id, data.size(),
                                                        precondition, quota, to_unix_ms(now)));
    CLOISTER_ASSIGN_OR_RETURN(
        auto upsert,
        SqliteStatement::prepare(
            writer_,
            "INSERT INTO blobs (account, id, version, size, deleted, data, created_ms, "
            "updated_ms, change_seq) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8) ON CONFLICT "
            "(account, id) DO UPDATE SET version = ?3, size = ?4, deleted = 0, data = ?5, "
            "created_ms = ?6, updated_ms = ?7, change_seq = ?8"));
    CLOISTER_TRY(upsert.bind(1, account)
                     .bind_text(2, id)
                     .bind(3, as_int(write.meta.version))
                     .bind(4, as_int(write.meta.size))
                     .bind(5, data)
                     .bind(6, write.meta.created_ms)
                     .bind(7, write.meta.updated_ms)
                     .bind(8, as_int(write.meta.change_seq))
                     .run());
    CLOISTER_TRY(write_account(account, write.account));
    CLOISTER_TRY(transaction.commit());
    return write.meta;
  }

  Result<Blob> get_blob(const AccountKey& account, std::string_view id) override {
    return with_reader([&](SqliteConnection& db) -> Result<Blob> {
      CLOISTER_ASSIGN_OR_RETURN(
          auto query,
          SqliteStatement::prepare(db, "SELECT " + std::string(kBlobColumns) +
                                           ", data FROM blobs WHERE account = ? AND id = ? AND "
                                           "deleted = 0"));
      query.bind(1, account).bind_text(2, id);
      CLOISTER_ASSIGN_OR_RETURN(bool found, query.step());
      if (!found) return blob_not_found(id);
      Blob blob;
      blob.meta = read_meta(query);
      blob.data = query.column_blob(7);
      return blob;
    });
  }

  Result<BlobMeta> delete_blob(const AccountKey& account, std::string_view id,
                               std::optional<uint64_t> if_match, TimePoint now) override {
    std::lock_guard lock(writer_mutex_);
    CLOISTER_ASSIGN_OR_RETURN(auto transaction, SqliteTransaction::begin(writer_));
    CLOISTER_ASSIGN_OR_RETURN(AccountState state, read_account(account));
    CLOISTER_ASSIGN_OR_RETURN(std::optional<BlobMeta> current, read_blob_meta(account, id));
    CLOISTER_ASSIGN_OR_RETURN(BlobWrite write,
                              plan_delete(state, current, id, if_match, to_unix_ms(now)));
    CLOISTER_ASSIGN_OR_RETURN(
        auto update, SqliteStatement::prepare(
                         writer_,
                         "UPDATE blobs SET version = ?, size = 0, deleted = 1, data = NULL, "
                         "updated_ms = ?, change_seq = ? WHERE account = ? AND id = ?"));
    CLOISTER_TRY(update.bind(1, as_int(write.meta.version))
                     .bind(2, write.meta.updated_ms)
                     .bind(3, as_int(write.meta.change_seq))
                     .bind(4, account)
                     .bind_text(5, id)
                     .run());
    CLOISTER_TRY(write_account(account, write.account));
    CLOISTER_TRY(transaction.commit());
    return write.meta;
  }

  Result<ChangePage> list_changes(const AccountKey& account, uint64_t since,
                                  uint64_t limit) override {
    return with_reader([&](SqliteConnection& db) -> Result<ChangePage> {
      // One read transaction, so the purge mark and the rows agree.
      CLOISTER_TRY(db.exec("BEGIN"));
      auto page = read_changes(db, account, since, limit);
      (void)db.exec("COMMIT");
      return page;
    });
  }

  Result<AccountUsage> usage(const AccountKey& account) override {
    return with_reader([&](SqliteConnection& db) -> Result<AccountUsage> {
      CLOISTER_ASSIGN_OR_RETURN(
          auto query,
          SqliteStatement::prepare(db,
                                   "SELECT coalesce((SELECT used_bytes FROM accounts WHERE "
                                   "account = ?1), 0), coalesce((SELECT blob_count FROM accounts "
                                   "WHERE account = ?1), 0), (SELECT count(*) FROM slots WHERE "
                                   "account = ?1)"));
      query.bind(1, account);
      CLOISTER_TRY(query.step());
      return AccountUsage{static_cast<uint64_t>(query.column_int(0)),
                          static_cast<uint64_t>(query.column_int(1)),
                          static_cast<uint64_t>(query.column_int(2))};
    });
  }

 private:
  Result<AccountState> read_account(const AccountKey& account) {
    CLOISTER_ASSIGN_OR_RETURN(
        auto query, SqliteStatement::prepare(writer_,
                                             "SELECT change_seq, used_bytes, blob_count FROM "
                                             "accounts WHERE account = ?"));
    query.bind(1, account);
    CLOISTER_ASSIGN_OR_RETURN(bool found, query.step());
    if (!found) return Error(ErrorCode::kNotFound, "no such account");
    return AccountState{static_cast<uint64_t>(query.column_int(0)),
                        static_cast<uint64_t>(query.column_int(1)),
                        static_cast<uint64_t>(query.column_int(2))};
  }

  Status write_account(const AccountKey& account, const AccountState& state) {
    CLOISTER_ASSIGN_OR_RETURN(
        auto update, SqliteStatement::prepare(writer_,
                                              "UPDATE accounts SET change_seq = ?, used_bytes = "
                                              "?, blob_count = ? WHERE account = ?"));
    return update.bind(1, as_int(state.change_seq))
        .bind(2, as_int(state.used_bytes))
        .bind(3, as_int(state.blob_count))
        .bind(4, account)
        .run();
  }

  Result<std::optional<BlobMeta>> read_blob_meta(const AccountKey& account, std::string_view id) {
    CLOISTER_ASSIGN_OR_RETURN(
        auto query,
        SqliteStatement::prepare(writer_, "SELECT " + std::string(kBlobColumns) +
                                              " FROM blobs WHERE account = ? AND id = ?"));
    query.bind(1, account).bind_text(2, id);
    CLOISTER_ASSIGN_OR_RETURN(bool found, query.step());
    if (!found) return std::optional<BlobMeta>();
    return std::optional<BlobMeta>(read_meta(query));
  }

  Result<ChangePage> read_changes(SqliteConnection& db, const AccountKey& account, uint64_t since,
                                  uint64_t limit) {
    CLOISTER_ASSIGN_OR_RETURN(
        auto mark,
        SqliteStatement::prepare(db, "SELECT purged_seq FROM accounts WHERE account = ?"));
    mark.bind(1, account);
    CLOISTER_ASSIGN_OR_RETURN(bool has_account, mark.step());
    uint64_t purged = has_account ? static_cast<uint64_t>(mark.column_int(0)) : 0;
    CLOISTER_TRY(check_cursor(since, purged));
    CLOISTER_ASSIGN_OR_RETURN(
        auto query,
        SqliteStatement::prepare(db, "SELECT " + std::string(kBlobColumns) +
                                         " FROM blobs WHERE account = ? AND change_seq > ? ORDER "
                                         "BY change_seq LIMIT ?"));
    query.bind(1, account).bind(2, as_int(since)).bind(3, as_int(limit + 1));
    std::vector<BlobMeta> rows;
    while (true) {
      CLOISTER_ASSIGN_OR_RETURN(bool row, query.step());
      if (!row) break;
      rows.push_back(read_meta(query));
    }
    return make_page(std::move(rows), since, limit);
  }

  std::mutex writer_mutex_;
  SqliteConnection writer_;
  std::mutex readers_mutex_;
  std::condition_variable readers_cv_;
  std::vector<SqliteConnection> readers_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  CLOISTER_ASSIGN_OR_RETURN(auto writer,
                            SqliteConnection::open(options.path, options.busy_timeout_ms));
  std::vector<SqliteConnection> readers;
  for (size_t i = 0; i < std::max<size_t>(options.readers, 1); ++i) {
    CLOISTER_ASSIGN_OR_RETURN(auto reader,
                              SqliteConnection::open(options.path, options.busy_timeout_ms));
    readers.push_back(std::move(reader));
  }
  return std::unique_ptr<Store>(new SqliteStore(std::move(writer), std::move(readers)));
}

}  // namespace cloister::host
