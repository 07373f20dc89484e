// Handshakes per second and the cost of the encrypted, framed transport.
#include <benchmark/benchmark.h>

#include "session/initiator.h"
#include "session/responder.h"
#include "session/test_support.h"

namespace cloister::session {
namespace {

struct Pair {
  Channel client;
  Channel enclave;
};

Pair establish(const testing::Enclave& enclave, const Clock& clock) {
  auto initiator = *Initiator::create(testing::client_config(), clock);
  auto responder = *Responder::create(enclave.config(), clock);
  auto established = *initiator.finish(*responder.respond(*initiator.start()));
  auto channel = *responder.finish(established.message3);
  return {std::move(established.channel), std::move(channel)};
}

// A full XX handshake with evidence binding (both sides, one thread).
void BM_Handshake(benchmark::State& state) {
  FixedClock clock(from_unix_seconds(1'700'000'000));
  testing::Enclave enclave;
  for (auto _ : state) benchmark::DoNotOptimize(establish(enclave, clock));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Handshake);

// One request of range(0) bytes: chunk, encrypt, decrypt, reassemble.
void BM_Request(benchmark::State& state) {
  FixedClock clock(from_unix_seconds(1'700'000'000));
  testing::Enclave enclave;
  Pair pair = establish(enclave, clock);
  Bytes body(static_cast<size_t>(state.range(0)), 0x42);
  for (auto _ : state) {
    auto request = *pair.client.send_request(body);
    for (const Bytes& message : request.messages) {
      benchmark::DoNotOptimize(*pair.enclave.receive(message));
    }
    // Close the stream so the concurrent-stream limit never binds.
    Messages ended = *pair.enclave.send_stream_error(request.stream_id, 0x100, "");
    for (const Bytes& message : ended) {
      benchmark::DoNotOptimize(*pair.client.receive(message));
    }
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Request)->Arg(64)->Arg(4096)->Arg(1 << 20);

}  // namespace
}  // namespace cloister::session

BENCHMARK_MAIN();
