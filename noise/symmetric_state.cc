#include "noise/symmetric_state.h"

namespace cloister::noise {

SymmetricState::SymmetricState(const Protocol& protocol)
    : hash_function_(protocol.hash), cipher_function_(protocol.cipher), cipher_(protocol.cipher) {
  size_t length = hash_length(hash_function_);
  if (protocol.name.size() <= length) {
    hash_ = to_bytes(protocol.name);
    hash_.resize(length, 0);
  } else {
    hash_ = crypto::digest(hash_algorithm(hash_function_), as_bytes(protocol.name));
  }
  chaining_key_ = crypto::SecretBytes(hash_);
}

crypto::SecretBytes SymmetricState::hkdf(ByteSpan input_key_material, size_t outputs) const {
  // Noise's HKDF(ck, ikm) is RFC 5869 with ck as the salt and no info.
  return crypto::hkdf(hash_algorithm(hash_function_), input_key_material, chaining_key_.span(), {},
                      outputs * hash_length(hash_function_));
}

void SymmetricState::mix_key(ByteSpan input_key_material) {
  size_t length = hash_length(hash_function_);
  crypto::SecretBytes output = hkdf(input_key_material, 2);
  chaining_key_ = crypto::SecretBytes(output.span().first(length));
  cipher_.initialize_key(output.span().subspan(length, kKeySize));
}

void SymmetricState::mix_hash(ByteSpan data) {
  crypto::Hasher hasher(hash_algorithm(hash_function_));
  hash_ = hasher.update(hash_).update(data).finish();
}

void SymmetricState::mix_key_and_hash(ByteSpan input_key_material) {
  size_t length = hash_length(hash_function_);
  crypto::SecretBytes output = hkdf(input_key_material, 3);
  chaining_key_ = crypto::SecretBytes(output.span().first(length));
  mix_hash(output.span().subspan(length, length));
  cipher_.initialize_key(output.span().subspan(2 * length, kKeySize));
}

Result<Bytes> SymmetricState::encrypt_and_hash(ByteSpan plaintext) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes ciphertext, cipher_.encrypt_with_ad(hash_, plaintext));
  mix_hash(ciphertext);
  return ciphertext;
}

Result<Bytes> SymmetricState::decrypt_and_hash(ByteSpan ciphertext) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes plaintext, cipher_.decrypt_with_ad(hash_, ciphertext));
  mix_hash(ciphertext);
  return plaintext;
}

std::pair<CipherState, CipherState> SymmetricState::split() {
  size_t length = hash_length(hash_function_);
  crypto::SecretBytes output = hkdf({}, 2);
  CipherState initiator_to_responder(cipher_function_);
  CipherState responder_to_initiator(cipher_function_);
  initiator_to_responder.initialize_key(output.span().first(kKeySize));
  responder_to_initiator.initialize_key(output.span().subspan(length, kKeySize));
  chaining_key_ = crypto::SecretBytes();
  cipher_.clear_key();
  return {std::move(initiator_to_responder), std::move(responder_to_initiator)};
}

}  // namespace cloister::noise
