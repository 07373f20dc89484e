// The host's HTTP API as the client uses it (docs/deployment.md, "HTTP API"):
// Ed25519 challenge-response sign-in, key slots, and versioned encrypted
// blobs with a change feed. The host is not trusted with anything but
// ciphertext and availability; everything here is opaque bytes to it.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/keys/key_slot.h"
#include "crypto/curve25519.h"
#include "net/http_client.h"

namespace cloister::client {

// Returns the bytes an account key signs to sign in at `origin`:
// "cloister-host/sign-in/v1" || 0x00 || u16be(len(origin)) || origin ||
// challenge || public key.
Bytes sign_in_message(std::string_view origin, ByteSpan challenge, ByteSpan public_key);

struct SlotInfo {
  LookupId lookup_id{};
  SlotKind kind = SlotKind::kPassphrase;
  int64_t created_at_ms = 0;
};

struct BlobVersion {
  Bytes data;
  uint64_t version = 0;
};

struct BlobChange {
  std::string id;
  uint64_t version = 0;
  bool deleted = false;
  int64_t updated_at_ms = 0;
};

class HostClient {
 public:
  // `origin` is the host's URL as the user gave it (scheme://name[:port]);
  // sign-in signatures are bound to it.
  static Result<std::unique_ptr<HostClient>> create(std::string origin, std::string ca_file = "");

  const std::string& origin() const { return origin_; }
  const std::string& token() const { return token_; }

  // Signs in with the account key and keeps the bearer token.
  Status sign_in(const crypto::Ed25519KeyPair& identity);

  // Key slots. get_slot needs no token; the rest do. A missing slot is kNotFound.
  Result<WrappedSlot> get_slot(const LookupId& lookup_id);
  Status put_slot(const WrappedSlot& slot);
  Result<std::vector<SlotInfo>> list_slots();
  Status delete_slot(const LookupId& lookup_id);

  // Blobs. create_blob fails with kAlreadyExists/kConflict if the id exists;
  // update_blob with kConflict if the version moved. Both return the new version.
  Result<BlobVersion> get_blob(const std::string& id);
  Result<uint64_t> create_blob(const std::string& id, ByteSpan data);
  Result<uint64_t> update_blob(const std::string& id, ByteSpan data, uint64_t expected_version);
  Status delete_blob(const std::string& id, std::optional<uint64_t> expected_version);
  // Every change since `cursor` (all pages); updates `cursor`.
  Result<std::vector<BlobChange>> changes_since(uint64_t& cursor);

 private:
  HostClient(std::string origin, net::HttpClient http)
      : origin_(std::move(origin)), http_(std::move(http)) {}
  Result<net::HttpResponse> send(net::Method method, std::string target, std::string body = {},
                                 net::Headers headers = {});

  std::string origin_;
  std::string token_;
  std::mutex mutex_;  // HttpClient is not thread-safe
  net::HttpClient http_;
};

}  // namespace cloister::client
