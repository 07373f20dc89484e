#include "crypto/secret_bytes.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>

#include <openssl/crypto.h>

namespace cloister::crypto {
namespace {

std::atomic<bool> g_lock_new_secrets{false};

}  // namespace

bool constant_time_equals(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void secure_wipe(std::span<uint8_t> data) {
  if (!data.empty()) OPENSSL_cleanse(data.data(), data.size());
}

SecretBytes::SecretBytes(size_t size) : data_(new uint8_t[size]()), size_(size) {
  if (g_lock_new_secrets.load(std::memory_order_relaxed)) lock();
}

SecretBytes::SecretBytes(ByteSpan data) : SecretBytes(data.size()) {
  std::copy(data.begin(), data.end(), data_.get());
}

SecretBytes::~SecretBytes() { release(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)),
      size_(std::exchange(other.size_, 0)),
      locked_(std::exchange(other.locked_, false)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
    locked_ = std::exchange(other.locked_, false);
  }
  return *this;
}

SecretBytes SecretBytes::clone() const {
  SecretBytes copy(span());
  if (locked_ && !copy.locked_) copy.lock();
  return copy;
}

bool SecretBytes::lock() {
  if (locked_ || size_ == 0) return locked_;
  // Kernel page locks do not nest: unlocking one secret unlocks a page it
  // shares with another. The enclave therefore also calls mlockall at boot and
  // disables core dumps process-wide; this per-buffer lock is the fallback.
  if (::mlock(data_.get(), size_) != 0) return false;
  locked_ = true;
  return true;
}

void SecretBytes::release() {
  if (!data_) return;
  secure_wipe(span());
  if (locked_) ::munlock(data_.get(), size_);
  data_.reset();
  size_ = 0;
  locked_ = false;
}

void SecretBytes::lock_new_secrets(bool enabled) { g_lock_new_secrets.store(enabled); }

}  // namespace cloister::crypto
