// Software prefetch of the next weight panel. A panel's rows are contiguous,
// and the next panel's follow them. The blocked kernels read 16 rows side by
// side, more streams than the hardware prefetcher follows; so while one panel
// is unpacked, the next one is brought into L2 as fast as this one is read,
// as a single sequential stream.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cloister::engine::kernels::simd {

class PanelPrefetcher {
 public:
  static constexpr size_t kLine = 64;

  // Prefetches nothing.
  PanelPrefetcher() = default;
  // Will prefetch the `bytes` bytes from `begin`. Reading past the end of a
  // mapping is safe: a prefetch never faults.
  PanelPrefetcher(const uint8_t* begin, size_t bytes) : begin_(begin), size_(bytes) {}

  // Prefetches the next `bytes` (whole lines) of the region, or what is left.
  void advance(size_t bytes) {
    const size_t stop = done_ + bytes < size_ ? done_ + bytes : size_;
    for (; done_ < stop; done_ += kLine) {
      __builtin_prefetch(begin_ + done_, 0, 2);  // for reading, into L2 (PREFETCHT1)
    }
  }

 private:
  const uint8_t* begin_ = nullptr;
  size_t size_ = 0;
  size_t done_ = 0;
};

}  // namespace cloister::engine::kernels::simd
