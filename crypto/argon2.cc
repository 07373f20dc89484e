#include "crypto/argon2.h"

#include <string>

#include <argon2.h>

namespace cloister::crypto {

Result<SecretBytes> argon2id(ByteSpan password, ByteSpan salt, const Argon2Params& params,
                             size_t length, ByteSpan secret, ByteSpan associated_data) {
  SecretBytes out(length);
  // libargon2 takes non-const pointers but does not write through them.
  argon2_context context{};
  context.out = out.data();
  context.outlen = static_cast<uint32_t>(length);
  context.pwd = const_cast<uint8_t*>(password.data());
  context.pwdlen = static_cast<uint32_t>(password.size());
  context.salt = const_cast<uint8_t*>(salt.data());
  context.saltlen = static_cast<uint32_t>(salt.size());
  context.secret = const_cast<uint8_t*>(secret.data());
  context.secretlen = static_cast<uint32_t>(secret.size());
  context.ad = const_cast<uint8_t*>(associated_data.data());
  context.adlen = static_cast<uint32_t>(associated_data.size());
  context.t_cost = params.iterations;
  context.m_cost = params.memory_kib;
  context.lanes = params.parallelism;
  context.threads = params.parallelism;
  context.version = ARGON2_VERSION_13;
  context.flags = ARGON2_DEFAULT_FLAGS;
  int rc = argon2_ctx(&context, Argon2_id);
  if (rc == ARGON2_MEMORY_ALLOCATION_ERROR) {
    return Error(ErrorCode::kResourceExhausted, "Argon2id could not allocate its memory");
  }
  if (rc != ARGON2_OK) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("Argon2id rejected its parameters: ") + argon2_error_message(rc));
  }
  return out;
}

}  // namespace cloister::crypto
