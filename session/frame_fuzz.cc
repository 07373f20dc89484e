// Fuzzes the frame decoder and the stream multiplexer of both sides. The
// input is a sequence of records: a byte whose low bit says which side
// receives the frame, a 2-byte big-endian length, then that many bytes of
// frame plaintext. Every frame must decode or be refused, and the
// multiplexers must keep their invariants whatever order frames come in.
#include <cstddef>
#include <cstdint>

#include "session/multiplexer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cloister;
  using namespace cloister::session;
  Limits limits;
  limits.max_message_size = 4096;
  limits.max_chunks_per_message = 16;
  limits.max_concurrent_streams = 4;
  limits.max_buffered_bytes = 8192;
  Multiplexer client(Side::kClient, limits);
  Multiplexer server(Side::kServer, limits);
  // Give the client streams to receive responses on, and the server a request to answer.
  for (int i = 0; i < 3; ++i) (void)client.request(as_bytes("request"));
  (void)server.on_frame(Frame{FrameType::kRequest, true, 1, 0, to_bytes("request")});
  (void)server.response_start(1, as_bytes("head"));
  bool client_alive = true;
  bool server_alive = true;

  ByteReader reader({data, size});
  while (!reader.empty() && (client_alive || server_alive)) {
    auto selector = reader.read_u8("selector");
    auto record = reader.read_u16be_prefixed("frame");
    if (!selector.ok() || !record.ok()) break;
    auto frame = decode_frame(record->peek_rest());
    if (!frame.ok()) continue;
    // Re-encoding what decoded must give back the same bytes.
    if (*encode_frame(*frame) != to_bytes(record->peek_rest())) __builtin_trap();
    bool to_server = (*selector & 1) != 0;
    bool& alive = to_server ? server_alive : client_alive;
    if (!alive) continue;
    auto inbound = (to_server ? server : client).on_frame(*frame);
    if (!inbound.ok()) alive = false;  // a violation ends that session
    if ((*selector & 2) != 0 && server_alive) (void)server.stream_delta(1, as_bytes("delta"));
    if ((*selector & 4) != 0 && client_alive) (void)client.cancel(2);
  }
  if (client.open_streams() > limits.max_concurrent_streams ||
      server.open_streams() > limits.max_concurrent_streams) {
    __builtin_trap();
  }
  return 0;
}
