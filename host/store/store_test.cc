// The storage suite: every test runs against SQLite and against a real,
// throwaway PostgreSQL cluster, through the same Store interface.
#include "host/store/store.h"

#include <atomic>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "host/store/postgres_store.h"
#include "host/store/sqlite_store.h"
#include "host/testing/postgres_cluster.h"
#include "net/testing/net_test_util.h"
#include "testing/test_data.h"

namespace cloister::host {
namespace {

using namespace std::chrono_literals;

// One PostgreSQL cluster per test process, started on first use (CTest runs
// each test in its own process, and the SQLite half needs none); each test
// gets its own database.
class PostgresEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { cluster_.reset(); }

  // Returns the cluster, starting it if needed; null (with `failure` set) if
  // PostgreSQL cannot run here.
  static testing::PostgresCluster* cluster(std::string& failure) {
    std::call_once(started_, [] {
      auto started = testing::PostgresCluster::start();
      if (started.ok()) {
        cluster_ = std::move(*started);
      } else {
        failure_ = started.error().message();
      }
    });
    failure = failure_;
    return cluster_.get();
  }

 private:
  static inline std::once_flag started_;
  static inline std::unique_ptr<testing::PostgresCluster> cluster_;
  static inline std::string failure_;
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);

AccountKey random_account() {
  AccountKey key{};
  crypto::fill_random(key);
  return key;
}

LookupId random_lookup() {
  LookupId id{};
  crypto::fill_random(id);
  return id;
}

const TimePoint kNow = from_unix_seconds(1'700'000'000);
const Quota kRoomy{1 << 30, 100000};

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      auto opened = open_sqlite_store({dir_.path() / "host.db"});
      ASSERT_TRUE(opened.ok()) << opened.error().message();
      store_ = std::move(*opened);
    } else {
      std::string failure;
      testing::PostgresCluster* cluster = PostgresEnvironment::cluster(failure);
      if (cluster == nullptr) {
        if (cloister::testing::running_in_ci()) FAIL() << failure;
        GTEST_SKIP() << failure;
      }
      static std::atomic<int> next_database{0};
      auto conninfo = cluster->create_database("store_test_" + std::to_string(next_database++));
      ASSERT_TRUE(conninfo.ok()) << conninfo.error().message();
      auto opened = open_postgres_store({*conninfo, 4});
      ASSERT_TRUE(opened.ok()) << opened.error().message();
      store_ = std::move(*opened);
    }
    auto migrated = store_->migrate();
    ASSERT_TRUE(migrated.ok()) << migrated.error().message();
    alice_ = random_account();
    bob_ = random_account();
    ASSERT_TRUE(store_->ensure_account(alice_, kNow).ok());
    ASSERT_TRUE(store_->ensure_account(bob_, kNow).ok());
  }

  Bytes content(std::string_view text) { return to_bytes(text); }

  net::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  AccountKey alice_{};
  AccountKey bob_{};
};

TEST_P(StoreTest, MigratesIdempotently) {
  EXPECT_EQ(store_->backend(), GetParam());
  EXPECT_EQ(*store_->schema_version(), kSchemaVersion);
  ASSERT_TRUE(store_->migrate().ok());
  EXPECT_EQ(*store_->schema_version(), kSchemaVersion);
}

TEST_P(StoreTest, ChallengesAreSingleUse) {
  Bytes challenge = crypto::random_bytes(32);
  ASSERT_TRUE(store_->put_challenge(challenge, alice_, kNow + 60s).ok());
  auto taken = store_->take_challenge(challenge, kNow);
  ASSERT_TRUE(taken.ok()) << taken.error().message();
  EXPECT_EQ(*taken, alice_);
  auto replayed = store_->take_challenge(challenge, kNow);
  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.error().code(), ErrorCode::kRejected);
}

TEST_P(StoreTest, RefusesExpiredChallenges) {
  Bytes challenge = crypto::random_bytes(32);
  ASSERT_TRUE(store_->put_challenge(challenge, alice_, kNow + 60s).ok());
  EXPECT_FALSE(store_->take_challenge(challenge, kNow + 61s).ok());
}

TEST_P(StoreTest, TokensResolveUntilExpiryOrRevocation) {
  Bytes hash = crypto::random_bytes(32);
  ASSERT_TRUE(store_->put_token(hash, alice_, kNow + 3600s).ok());
  EXPECT_EQ(*store_->find_token(hash, kNow), alice_);
  EXPECT_FALSE(store_->find_token(hash, kNow + 3600s).ok());
  ASSERT_TRUE(store_->delete_token(hash).ok());
  EXPECT_EQ(store_->find_token(hash, kNow).error().code(), ErrorCode::kNotFound);
}

TEST_P(StoreTest, PurgeDropsExpiredChallengesAndTokens) {
  ASSERT_TRUE(store_->put_challenge(crypto::random_bytes(32), alice_, kNow + 10s).ok());
  ASSERT_TRUE(store_->put_token(crypto::random_bytes(32), alice_, kNow + 10s).ok());
  Bytes kept = crypto::random_bytes(32);
  ASSERT_TRUE(store_->put_token(kept, alice_, kNow + 1000s).ok());
  auto removed = store_->purge(kNow + 20s, kNow - 1000s);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 2u);
  auto stats = store_->stats();
  EXPECT_EQ(stats->tokens, 1u);
  EXPECT_EQ(stats->challenges, 0u);
  EXPECT_TRUE(store_->find_token(kept, kNow + 20s).ok());
}

TEST_P(StoreTest, FindsSlotsByLookupIdAndListsThemPerAccount) {
  KeySlot passphrase{random_lookup(), alice_, SlotKind::kPassphrase, crypto::random_bytes(80), 1};
  KeySlot passkey{random_lookup(), alice_, SlotKind::kPasskeyPrf, crypto::random_bytes(60), 2};
  ASSERT_TRUE(store_->put_slot(passphrase, 8).ok());
  ASSERT_TRUE(store_->put_slot(passkey, 8).ok());
  auto found = store_->get_slot(passphrase.lookup_id);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->account, alice_);
  EXPECT_EQ(found->kind, SlotKind::kPassphrase);
  EXPECT_EQ(found->wrapped, passphrase.wrapped);
  auto listed = store_->list_slots(alice_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].lookup_id, passphrase.lookup_id);
  EXPECT_EQ((*listed)[1].kind, SlotKind::kPasskeyPrf);
  EXPECT_TRUE(store_->list_slots(bob_)->empty());
  EXPECT_EQ(store_->get_slot(random_lookup()).error().code(), ErrorCode::kNotFound);
}

TEST_P(StoreTest, LookupIdsAreUniqueAcrossAccounts) {
  KeySlot slot{random_lookup(), alice_, SlotKind::kRecovery, content("w"), 1};
  ASSERT_TRUE(store_->put_slot(slot, 8).ok());
  slot.account = bob_;
  auto again = store_->put_slot(slot, 8);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->get_slot(slot.lookup_id)->account, alice_);
}

TEST_P(StoreTest, LimitsSlotsPerAccount) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        store_->put_slot({random_lookup(), alice_, SlotKind::kPassphrase, content("w"), i}, 3)
            .ok());
  }
  auto refused =
      store_->put_slot({random_lookup(), alice_, SlotKind::kPassphrase, content("w"), 9}, 3);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kResourceExhausted);
}

TEST_P(StoreTest, OnlyTheOwnerDeletesASlot) {
  KeySlot slot{random_lookup(), alice_, SlotKind::kFido2HmacSecret, content("w"), 1};
  ASSERT_TRUE(store_->put_slot(slot, 8).ok());
  EXPECT_EQ(store_->delete_slot(bob_, slot.lookup_id).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->get_slot(slot.lookup_id).ok());
  ASSERT_TRUE(store_->delete_slot(alice_, slot.lookup_id).ok());
  EXPECT_FALSE(store_->get_slot(slot.lookup_id).ok());
}

TEST_P(StoreTest, CreatesOnlyWhatDoesNotExist) {
  auto created = store_->put_blob(alice_, "conv-1", content("v1"), Precondition::must_not_exist(),
                                  kRoomy, kNow);
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_EQ(created->version, 1u);
  EXPECT_EQ(created->size, 2u);
  auto again = store_->put_blob(alice_, "conv-1", content("other"), Precondition::must_not_exist(),
                                kRoomy, kNow);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(store_->get_blob(alice_, "conv-1")->data, content("v1"));
}

TEST_P(StoreTest, StaleWritesConflictAndNeverOverwrite) {
  ASSERT_TRUE(
      store_->put_blob(alice_, "b", content("one"), Precondition::must_not_exist(), kRoomy, kNow)
          .ok());
  auto second =
      store_->put_blob(alice_, "b", content("two"), Precondition::must_match(1), kRoomy, kNow + 1s);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->version, 2u);
  auto stale = store_->put_blob(alice_, "b", content("stale"), Precondition::must_match(1), kRoomy,
                                kNow + 2s);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code(), ErrorCode::kConflict);
  auto blob = store_->get_blob(alice_, "b");
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(blob->data, content("two"));
  EXPECT_EQ(blob->meta.version, 2u);
  EXPECT_EQ(blob->meta.created_ms, to_unix_ms(kNow));
  EXPECT_EQ(blob->meta.updated_ms, to_unix_ms(kNow + 1s));
  EXPECT_EQ(
      store_->put_blob(alice_, "missing", content("x"), Precondition::must_match(1), kRoomy, kNow)
          .error()
          .code(),
      ErrorCode::kConflict);
}

TEST_P(StoreTest, DeletesLeaveTombstonesAndVersionsKeepCounting) {
  ASSERT_TRUE(
      store_->put_blob(alice_, "d", content("x"), Precondition::must_not_exist(), kRoomy, kNow)
          .ok());
  EXPECT_EQ(store_->delete_blob(alice_, "d", 7, kNow).error().code(), ErrorCode::kConflict);
  auto deleted = store_->delete_blob(alice_, "d", 1, kNow + 1s);
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(deleted->deleted);
  EXPECT_EQ(deleted->version, 2u);
  EXPECT_EQ(store_->get_blob(alice_, "d").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->delete_blob(alice_, "d", std::nullopt, kNow).error().code(),
            ErrorCode::kNotFound);
  auto recreated = store_->put_blob(alice_, "d", content("y"), Precondition::must_not_exist(),
                                    kRoomy, kNow + 2s);
  ASSERT_TRUE(recreated.ok());
  EXPECT_EQ(recreated->version, 3u);
}

TEST_P(StoreTest, ListsChangesInOrderAcrossPages) {
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(store_
                    ->put_blob(alice_, "blob-" + std::to_string(i), content("x"),
                               Precondition::must_not_exist(), kRoomy, kNow)
                    .ok());
  }
  ASSERT_TRUE(
      store_->put_blob(alice_, "blob-1", content("xx"), Precondition::must_match(1), kRoomy, kNow)
          .ok());
  ASSERT_TRUE(store_->delete_blob(alice_, "blob-2", std::nullopt, kNow).ok());

  std::vector<std::string> seen;
  uint64_t cursor = 0;
  int pages = 0;
  while (true) {
    auto page = store_->list_changes(alice_, cursor, 2);
    ASSERT_TRUE(page.ok()) << page.error().message();
    for (const auto& change : page->changes) {
      seen.push_back(change.id + (change.deleted ? "-" : "") + "@" +
                     std::to_string(change.version));
    }
    ++pages;
    EXPECT_GE(page->cursor, cursor);
    cursor = page->cursor;
    if (!page->more) break;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"blob-0@1", "blob-3@1", "blob-4@1", "blob-5@1",
                                            "blob-1@2", "blob-2-@2"}));
  auto empty = store_->list_changes(alice_, cursor, 10);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->changes.empty());
  EXPECT_EQ(empty->cursor, cursor);
  EXPECT_FALSE(empty->more);
}

TEST_P(StoreTest, EnforcesQuotasAndFreesSpaceOnReplaceAndDelete) {
  Quota quota{100, 2};
  ASSERT_TRUE(
      store_->put_blob(alice_, "a", Bytes(60), Precondition::must_not_exist(), quota, kNow).ok());
  auto too_big =
      store_->put_blob(alice_, "b", Bytes(50), Precondition::must_not_exist(), quota, kNow);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), ErrorCode::kResourceExhausted);
  // Replacing "a" counts only the difference.
  ASSERT_TRUE(
      store_->put_blob(alice_, "a", Bytes(90), Precondition::must_match(1), quota, kNow).ok());
  ASSERT_TRUE(
      store_->put_blob(alice_, "b", Bytes(10), Precondition::must_not_exist(), quota, kNow).ok());
  auto too_many =
      store_->put_blob(alice_, "c", Bytes(0), Precondition::must_not_exist(), quota, kNow);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code(), ErrorCode::kResourceExhausted);
  ASSERT_TRUE(store_->delete_blob(alice_, "a", std::nullopt, kNow).ok());
  EXPECT_TRUE(
      store_->put_blob(alice_, "c", Bytes(80), Precondition::must_not_exist(), quota, kNow).ok());
  auto usage = store_->usage(alice_);
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->bytes, 90u);
  EXPECT_EQ(usage->blobs, 2u);
}

TEST_P(StoreTest, KeepsAccountsApart) {
  ASSERT_TRUE(store_
                  ->put_blob(alice_, "shared-id", content("alice"), Precondition::must_not_exist(),
                             kRoomy, kNow)
                  .ok());
  EXPECT_EQ(store_->get_blob(bob_, "shared-id").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->delete_blob(bob_, "shared-id", std::nullopt, kNow).error().code(),
            ErrorCode::kNotFound);
  EXPECT_TRUE(store_->list_changes(bob_, 0, 10)->changes.empty());
  // Bob's blob of the same id is his own, and leaves Alice's alone.
  ASSERT_TRUE(store_
                  ->put_blob(bob_, "shared-id", content("bob"), Precondition::must_not_exist(),
                             kRoomy, kNow)
                  .ok());
  EXPECT_EQ(store_->get_blob(alice_, "shared-id")->data, content("alice"));
  EXPECT_EQ(store_->get_blob(bob_, "shared-id")->data, content("bob"));
}

TEST_P(StoreTest, PurgedTombstonesInvalidateOlderCursors) {
  ASSERT_TRUE(
      store_->put_blob(alice_, "t", content("x"), Precondition::must_not_exist(), kRoomy, kNow)
          .ok());
  auto before = store_->list_changes(alice_, 0, 10);
  ASSERT_TRUE(store_->delete_blob(alice_, "t", std::nullopt, kNow).ok());
  ASSERT_TRUE(
      store_->put_blob(alice_, "u", content("y"), Precondition::must_not_exist(), kRoomy, kNow)
          .ok());
  auto purged = store_->purge(kNow, kNow + 1s);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1u);
  auto stale = store_->list_changes(alice_, before->cursor, 10);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code(), ErrorCode::kFailedPrecondition);
  auto fresh = store_->list_changes(alice_, 0, 10);
  ASSERT_TRUE(fresh.ok());
  ASSERT_EQ(fresh->changes.size(), 1u);
  EXPECT_EQ(fresh->changes[0].id, "u");
}

TEST_P(StoreTest, StoresEmptyAndLargeBinaryBlobsExactly) {
  Bytes large = crypto::random_bytes(3 << 20);
  ASSERT_TRUE(
      store_->put_blob(alice_, "large", large, Precondition::must_not_exist(), kRoomy, kNow).ok());
  ASSERT_TRUE(
      store_->put_blob(alice_, "empty", Bytes{}, Precondition::must_not_exist(), kRoomy, kNow)
          .ok());
  EXPECT_EQ(store_->get_blob(alice_, "large")->data, large);
  auto empty = store_->get_blob(alice_, "empty");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->data.empty());
  EXPECT_EQ(empty->meta.size, 0u);
}

TEST_P(StoreTest, ConcurrentWritersNeverLoseAnAcknowledgedUpdate) {
  ASSERT_TRUE(
      store_
          ->put_blob(alice_, "counter", content("0"), Precondition::must_not_exist(), kRoomy, kNow)
          .ok());
  constexpr int kThreads = 6;
  constexpr int kIncrements = 15;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int done = 0; done < kIncrements;) {
        auto blob = store_->get_blob(alice_, "counter");
        if (!blob.ok()) continue;
        int value = std::stoi(std::string(blob->data.begin(), blob->data.end()));
        auto written = store_->put_blob(alice_, "counter", content(std::to_string(value + 1)),
                                        Precondition::must_match(blob->meta.version), kRoomy, kNow);
        if (written.ok()) {
          ++done;
        } else if (written.error().code() == ErrorCode::kConflict) {
          ++conflicts;
        } else {
          ADD_FAILURE() << written.error().message();
          return;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto blob = store_->get_blob(alice_, "counter");
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(std::string(blob->data.begin(), blob->data.end()),
            std::to_string(kThreads * kIncrements));
  EXPECT_EQ(blob->meta.version, static_cast<uint64_t>(kThreads * kIncrements + 1));
  auto changes = store_->list_changes(alice_, 0, 1000);
  EXPECT_EQ(changes->cursor, static_cast<uint64_t>(kThreads * kIncrements + 1));
}

TEST_P(StoreTest, ReportsStats) {
  ASSERT_TRUE(
      store_->put_blob(alice_, "a", Bytes(10), Precondition::must_not_exist(), kRoomy, kNow).ok());
  ASSERT_TRUE(
      store_->put_blob(bob_, "b", Bytes(5), Precondition::must_not_exist(), kRoomy, kNow).ok());
  ASSERT_TRUE(store_->delete_blob(bob_, "b", std::nullopt, kNow).ok());
  ASSERT_TRUE(
      store_->put_slot({random_lookup(), bob_, SlotKind::kRecovery, content("w"), 1}, 8).ok());
  auto stats = store_->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->schema_version, kSchemaVersion);
  EXPECT_EQ(stats->accounts, 2u);
  EXPECT_EQ(stats->blobs, 1u);
  EXPECT_EQ(stats->blob_bytes, 10u);
  EXPECT_EQ(stats->tombstones, 1u);
  EXPECT_EQ(stats->slots, 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& backend) { return backend.param; });

TEST(SlotKind, RoundTripsWireNames) {
  for (auto kind : {SlotKind::kPasskeyPrf, SlotKind::kFido2HmacSecret, SlotKind::kPassphrase,
                    SlotKind::kRecovery}) {
    EXPECT_EQ(*parse_slot_kind(slot_kind_name(kind)), kind);
  }
  EXPECT_FALSE(parse_slot_kind("password").ok());
}

}  // namespace
}  // namespace cloister::host
