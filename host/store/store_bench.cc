// Blob operations per second on both storage back ends: SQLite (a file in a
// temporary directory, synchronous=FULL) and a real, throwaway PostgreSQL
// cluster on loopback. Each write is one durable transaction.
#include <filesystem>

#include <benchmark/benchmark.h>

#include "crypto/random.h"
#include "host/store/postgres_store.h"
#include "host/store/sqlite_store.h"
#include "host/testing/postgres_cluster.h"

namespace cloister::host {
namespace {

constexpr size_t kBlobBytes = 2048;  // a typical sealed conversation
constexpr uint64_t kUnlimited = ~uint64_t{0};

// One back end, opened and migrated once for the whole program.
struct Backend {
  std::unique_ptr<testing::PostgresCluster> cluster;  // PostgreSQL only
  std::filesystem::path directory;                    // SQLite only
  std::unique_ptr<Store> store;
};

Backend* open_backend(bool postgres) {
  static Backend sqlite, pg;
  Backend& backend = postgres ? pg : sqlite;
  if (backend.store) return &backend;
  Result<std::unique_ptr<Store>> store = Error(ErrorCode::kUnavailable, "not opened");
  if (postgres) {
    auto cluster = testing::PostgresCluster::start();
    if (!cluster.ok()) return nullptr;
    backend.cluster = std::move(*cluster);
    auto conninfo = backend.cluster->create_database("bench");
    if (!conninfo.ok()) return nullptr;
    store = open_postgres_store({.conninfo = *conninfo, .pool_size = 4});
  } else {
    backend.directory = std::filesystem::temp_directory_path() /
                        ("cloister-store-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(backend.directory);
    store = open_sqlite_store({.path = backend.directory / "host.db"});
  }
  if (!store.ok() || !(*store)->migrate().ok()) return nullptr;
  backend.store = std::move(*store);
  return &backend;
}

AccountKey new_account(Store& store) {
  AccountKey account{};
  crypto::fill_random(account);
  (void)store.ensure_account(account, system_clock().now());
  return account;
}

// Creates a new 2 KiB blob per iteration (If-None-Match: *).
void BM_PutNewBlob(benchmark::State& state) {
  Backend* backend = open_backend(state.range(0) == 1);
  if (!backend) return state.SkipWithError("back end unavailable");
  Store& store = *backend->store;
  AccountKey account = new_account(store);
  Bytes data(kBlobBytes, 0x5a);
  uint64_t n = 0;
  for (auto _ : state) {
    auto put =
        store.put_blob(account, "c" + std::to_string(n++), data, Precondition::must_not_exist(),
                       {kUnlimited, kUnlimited}, system_clock().now());
    if (!put.ok()) return state.SkipWithError(put.error().message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(store.backend()));
}
BENCHMARK(BM_PutNewBlob)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Replaces one blob under its current version (If-Match), as a sync does.
void BM_UpdateBlob(benchmark::State& state) {
  Backend* backend = open_backend(state.range(0) == 1);
  if (!backend) return state.SkipWithError("back end unavailable");
  Store& store = *backend->store;
  AccountKey account = new_account(store);
  Bytes data(kBlobBytes, 0x5a);
  Quota quota{kUnlimited, kUnlimited};
  auto meta = store.put_blob(account, "c", data, Precondition::must_not_exist(), quota,
                             system_clock().now());
  if (!meta.ok()) return state.SkipWithError(meta.error().message().c_str());
  uint64_t version = meta->version;
  for (auto _ : state) {
    auto put = store.put_blob(account, "c", data, Precondition::must_match(version), quota,
                              system_clock().now());
    if (!put.ok()) return state.SkipWithError(put.error().message().c_str());
    version = put->version;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(store.backend()));
}
BENCHMARK(BM_UpdateBlob)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Reads one 2 KiB blob.
void BM_GetBlob(benchmark::State& state) {
  Backend* backend = open_backend(state.range(0) == 1);
  if (!backend) return state.SkipWithError("back end unavailable");
  Store& store = *backend->store;
  AccountKey account = new_account(store);
  Bytes data(kBlobBytes, 0x5a);
  (void)store.put_blob(account, "c", data, Precondition::must_not_exist(), {kUnlimited, kUnlimited},
                       system_clock().now());
  for (auto _ : state) {
    auto blob = store.get_blob(account, "c");
    if (!blob.ok()) return state.SkipWithError(blob.error().message().c_str());
    benchmark::DoNotOptimize(blob);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(store.backend()));
}
BENCHMARK(BM_GetBlob)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Reads a page of 100 changes from the start of an account's feed.
void BM_ListChanges(benchmark::State& state) {
  Backend* backend = open_backend(state.range(0) == 1);
  if (!backend) return state.SkipWithError("back end unavailable");
  Store& store = *backend->store;
  AccountKey account = new_account(store);
  Bytes data(kBlobBytes, 0x5a);
  for (int i = 0; i < 100; ++i) {
    (void)store.put_blob(account, "c" + std::to_string(i), data, Precondition::must_not_exist(),
                         {kUnlimited, kUnlimited}, system_clock().now());
  }
  for (auto _ : state) {
    auto page = store.list_changes(account, 0, 100);
    if (!page.ok() || page->changes.size() != 100) return state.SkipWithError("short page");
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(store.backend()));
}
BENCHMARK(BM_ListChanges)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace cloister::host

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  using cloister::host::open_backend;
  // Leave no database files behind.
  if (auto* sqlite = open_backend(false)) std::filesystem::remove_all(sqlite->directory);
  return 0;
}
