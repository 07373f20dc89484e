#include "engine/tensor/packed_weights.h"

#include <sys/mman.h>

#include <algorithm>
#include <utility>

#include "engine/kernels/dispatch.h"
#include "engine/kernels/gemm.h"
#include "engine/tensor/thread_pool.h"

namespace cloister::engine {
namespace {

size_t packed_bytes(const Matrix& m) {
  const size_t panels = (m.rows + kernels::kPanelRows - 1) / kernels::kPanelRows;
  return panels * kernels::packed_panel_bytes(m.type, m.cols);
}

}  // namespace

PackedWeights::PackedWeights(PackedWeights&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

PackedWeights& PackedWeights::operator=(PackedWeights&& other) noexcept {
  if (this != &other) {
    PackedWeights old(std::move(*this));
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

PackedWeights::~PackedWeights() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

PackedWeights PackedWeights::pack(std::span<Matrix* const> matrices, const MappedFile* mapping) {
  const kernels::KernelTable& table = kernels::active_kernels();
  if (table.pack_panels == nullptr) return {};
  size_t total = 0;
  for (const Matrix* m : matrices) {
    if (kernels::packable(m->type)) total += packed_bytes(*m);
  }
  if (total == 0) return {};
  void* memory = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return {};
  // Fewer TLB misses while streaming the weights; a hint the kernel may ignore.
  ::madvise(memory, total, MADV_HUGEPAGE);
  PackedWeights packed(static_cast<uint8_t*>(memory), total);
  uint8_t* out = packed.data_;
  // On every core: most of the time goes to the kernel's zeroing of the new
  // pages, which each thread does for the pages it writes first.
  ThreadPool pool(0);
  for (Matrix* m : matrices) {
    if (!kernels::packable(m->type)) continue;
    const size_t panel_bytes = kernels::packed_panel_bytes(m->type, m->cols);
    auto pack_panels = [&](size_t begin, size_t end) {
      const size_t first = begin * kernels::kPanelRows;
      const size_t last = std::min<size_t>(end * kernels::kPanelRows, m->rows);
      table.pack_panels(m->type, m->data.data() + first * m->row_stride, m->row_stride,
                        last - first, m->cols, out + begin * panel_bytes);
    };
    pool.parallel_for((m->rows + kernels::kPanelRows - 1) / kernels::kPanelRows, pack_panels);
    m->packed = out;
    out += packed_bytes(*m);
    if (mapping != nullptr) mapping->release(m->data);
  }
  ::mprotect(packed.data_, total, PROT_READ);
  return packed;
}

}  // namespace cloister::engine
