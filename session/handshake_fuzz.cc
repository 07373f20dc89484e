// Fuzzes everything the session layer parses during a handshake: the
// payload decoders, the evidence bundle, and the enclave's Responder fed an
// untrusted message 1 (whose payload travels in clear, so the fuzzer reaches
// the ClientHello parser and version negotiation). The first byte picks the
// target. Any input must be handled or refused cleanly.
#include <cstddef>
#include <cstdint>

#include "base/clock.h"
#include "session/handshake_payloads.h"
#include "session/responder.h"

namespace {

using namespace cloister;
using namespace cloister::session;

ResponderConfig fuzz_config() {
  ResponderConfig config;
  config.static_key =
      std::make_shared<crypto::X25519KeyPair>(*crypto::x25519_from_private(Bytes(32, 7)));
  config.versions = {1, 2};
  config.fixed_ephemeral = *crypto::x25519_from_private(Bytes(32, 8));
  config.produce_evidence = [](const std::optional<Nonce>&) -> Result<EvidenceBundle> {
    EvidenceBundle bundle;
    bundle.report = Bytes(64, 1);
    bundle.manifest = to_bytes("{}");
    return bundle;
  };
  return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ByteSpan input(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      static const FixedClock clock(from_unix_seconds(1'700'000'000));
      auto responder = Responder::create(fuzz_config(), clock);
      if (!responder.ok()) __builtin_trap();
      if (!responder->respond(input).ok()) (void)responder->take_farewell();
      break;
    }
    case 1: {
      auto hello = decode_client_hello(input);
      // What decodes must re-encode to the same bytes (the encoding is canonical).
      if (hello.ok() && *encode_client_hello(*hello) != to_bytes(input)) __builtin_trap();
      break;
    }
    case 2: {
      auto response = decode_server_response(input);
      if (response.ok() && response->hello) {
        (void)decode_evidence_bundle(response->hello->evidence_bundle);
      }
      break;
    }
    case 3: {
      auto bundle = decode_evidence_bundle(input);
      if (bundle.ok() && *encode_evidence_bundle(*bundle) != to_bytes(input)) __builtin_trap();
      break;
    }
    default: {
      auto finish = decode_client_finish(input);
      if (finish.ok() && *encode_client_finish(*finish) != to_bytes(input)) __builtin_trap();
      break;
    }
  }
  return 0;
}
