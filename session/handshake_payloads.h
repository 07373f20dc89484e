// The payloads of the three handshake messages (docs/protocol.md,
// "Handshake payloads"). Each starts with a type byte and is parsed strictly:
// any unknown type, bad length or trailing byte is kMalformed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "session/wire.h"

namespace cloister::session {

enum class PayloadType : uint8_t {
  kClientHello = 1,   // message 1
  kServerHello = 2,   // message 2, success
  kClientFinish = 3,  // message 3
  kServerReject = 4,  // message 2, refusal
};

// Message 1: the versions the client speaks and its optional freshness nonce.
struct ClientHello {
  std::vector<uint16_t> versions;  // 1..16, strictly increasing, non-zero
  std::optional<Nonce> nonce;

  friend bool operator==(const ClientHello&, const ClientHello&) = default;
};

// Message 2 when the enclave accepts: the chosen version and the encoded
// evidence bundle (see evidence_bundle.h).
struct ServerHello {
  uint16_t version = 0;
  Bytes evidence_bundle;

  friend bool operator==(const ServerHello&, const ServerHello&) = default;
};

// Message 2 when the enclave refuses (e.g. no common version).
struct ServerReject {
  uint16_t code = 0;                         // a WireError
  std::vector<uint16_t> supported_versions;  // at most 16
  std::string reason;                        // UTF-8, at most 1024 bytes

  friend bool operator==(const ServerReject&, const ServerReject&) = default;
};

// Message 3: an optional authorization token (the client's static key is in
// the Noise message itself).
struct ClientFinish {
  Bytes authorization_token;  // empty when none; at most 4096 bytes

  friend bool operator==(const ClientFinish&, const ClientFinish&) = default;
};

// Encoders fail with kInvalidArgument when a field breaks its bound.
Result<Bytes> encode_client_hello(const ClientHello& hello);
Result<Bytes> encode_server_hello(const ServerHello& hello);
Result<Bytes> encode_server_reject(const ServerReject& reject);
Result<Bytes> encode_client_finish(const ClientFinish& finish);

Result<ClientHello> decode_client_hello(ByteSpan payload);
Result<ClientFinish> decode_client_finish(ByteSpan payload);

// Message 2 is either a ServerHello or a ServerReject.
struct ServerResponse {
  std::optional<ServerHello> hello;
  std::optional<ServerReject> reject;
};
Result<ServerResponse> decode_server_response(ByteSpan payload);

}  // namespace cloister::session
