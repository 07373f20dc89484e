#include "client/history/blob_cipher.h"

#include "crypto/aead.h"
#include "crypto/random.h"

namespace cloister::client {
namespace {

constexpr uint8_t kBlobFormatV1 = 1;
constexpr std::string_view kBlobAadLabel = "cloister/v1/blob";

Bytes associated_data(const BlobBinding& binding) {
  ByteWriter w;
  w.put_string(kBlobAadLabel);
  w.put_bytes(binding.account);
  w.put_u32be(static_cast<uint32_t>(binding.object_id.size()));
  w.put_string(binding.object_id);
  w.put_u64be(binding.version);
  return w.take();
}

}  // namespace

Bytes seal_blob(const crypto::SecretBytes& history_key, const BlobBinding& binding,
                ByteSpan plaintext) {
  crypto::AeadNonce nonce{};
  crypto::fill_random(nonce);
  crypto::AeadKey aead(crypto::AeadAlgorithm::kAes256Gcm, history_key.span());
  ByteWriter out;
  out.put_u8(kBlobFormatV1);
  out.put_bytes(nonce);
  out.put_bytes(aead.seal(nonce, associated_data(binding), plaintext));
  return out.take();
}

Result<Bytes> open_blob(const crypto::SecretBytes& history_key, const BlobBinding& binding,
                        ByteSpan sealed) {
  ByteReader reader(sealed);
  CLOISTER_ASSIGN_OR_RETURN(uint8_t format, reader.read_u8("blob format"));
  if (format != kBlobFormatV1) {
    return Error(ErrorCode::kUnsupported, "unknown blob format " + std::to_string(format));
  }
  crypto::AeadNonce nonce{};
  CLOISTER_TRY(reader.read_into(nonce, "blob nonce"));
  crypto::AeadKey aead(crypto::AeadAlgorithm::kAes256Gcm, history_key.span());
  auto opened = aead.open(nonce, associated_data(binding), reader.read_rest());
  if (!opened.ok()) {
    return Error(ErrorCode::kRejected,
                 "history blob " + std::string(binding.object_id) +
                     " does not decrypt: altered, or not this account's, id's or version's");
  }
  return opened;
}

}  // namespace cloister::client
