// SecretBytes: key material that wipes itself, compares in constant time, and
// can pin its pages in RAM so they never reach swap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "base/bytes.h"

namespace cloister::crypto {

// Returns true if `a` and `b` have the same length and contents. The time
// taken depends only on the lengths, never on the contents.
bool constant_time_equals(ByteSpan a, ByteSpan b);

// Overwrites `data` with zeros in a way the compiler cannot elide.
void secure_wipe(std::span<uint8_t> data);

// A fixed-size buffer of secret bytes. Move-only: copies are explicit (clone).
// On destruction the bytes are wiped and any page lock is released.
class SecretBytes {
 public:
  SecretBytes() = default;
  // Makes `size` zero bytes.
  explicit SecretBytes(size_t size);
  // Copies `data`. The caller remains responsible for wiping its own copy.
  explicit SecretBytes(ByteSpan data);
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // Returns a copy with its own storage (locked if this one is).
  SecretBytes clone() const;

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<uint8_t> span() { return {data_.get(), size_}; }
  ByteSpan span() const { return {data_.get(), size_}; }

  // Constant-time comparison (see constant_time_equals).
  bool equals(ByteSpan other) const { return constant_time_equals(span(), other); }

  // Pins the buffer's pages in RAM (mlock) and excludes them from core dumps.
  // Returns false if the operating system refuses, e.g. RLIMIT_MEMLOCK.
  bool lock();
  bool locked() const { return locked_; }

  // Makes every SecretBytes created afterwards try to lock itself. The enclave
  // turns this on at boot.
  static void lock_new_secrets(bool enabled);

 private:
  void release();

  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
  bool locked_ = false;
};

}  // namespace cloister::crypto
