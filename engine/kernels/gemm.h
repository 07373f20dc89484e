// The data formats of the blocked (GEMM) kernels, which multiply a panel of
// weight rows with a batch of tokens.
//
// Weight rows are unpacked, a panel of 32 at a time, into unsigned bytes
// interleaved 16 rows by 4 bytes ("VNNI layout"): one vector then holds 4
// consecutive values of each of 16 rows, and one VNNI instruction multiplies
// it with 4 activation bytes of one token (broadcast) and adds the products
// into that token's 16 row sums. A block of 32 values takes 8 such
// instructions; the float scales apply once per block. The same layout is
// AMX's B operand. Most weights stay in the model file's mapping, and only
// the panel being computed is unpacked, into a per-thread buffer.
//
// Q8_0 matrices can instead be packed once, at load, into this layout with
// the scales kept as halves (exactly the f16 scales of the file): a packed
// panel takes as many bytes as the 32 rows it came from, and the kernels
// then read it as it is, with no unpacking per call (see PackedWeights).
// Q4_K and Q6_K matrices are packed too, in layouts of their own (below).
// A packed panel is stored block by block, in the order the kernels read it,
// so that one product reads it as a single sequential stream: for each block
// of 32 columns, the interleaved values of the first 16 rows (512 bytes),
// those of the other 16, then the first vector's 16 scales and the second's
// (32 bytes each).
//
// Each type's values become bytes q in 0..255 with value = scale * (q - z) +
// min, where the zero point z is fixed per type (128 for Q8_0, 8 for Q4_0, 32
// for Q6_K, ...). The -z term is folded in as -z * (sum of the activation
// block), so the products stay unsigned-times-signed bytes.
//
// The numbers are the scalar reference's: weights as the type defines them,
// activations quantized to Q8_0 or Q8_K exactly as ggml does; only the order
// of float additions differs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/tensor/tensor_type.h"

namespace cloister::engine::kernels {

inline constexpr size_t kPanelLanes = 16;  // rows in one vector
inline constexpr size_t kPanelRows = 32;   // rows unpacked at a time

// The quantized activations of a batch of tokens, one row per token.
struct SplitActivations {
  size_t cols = 0;  // a multiple of 32
  size_t tokens = 0;
  const int8_t* q = nullptr;          // [token][cols]
  const float* scale = nullptr;       // [token][cols / 32]: the block's activation scale
  const int32_t* sum16 = nullptr;     // [token][cols / 16]: sums of 16 quantized values
  const float* scaled_sum = nullptr;  // [token][cols / 32]: scale * sum of the block of 32
  // From Q8_K rows only: [token][cols / 64], the sums of blocks 2j and 2j + 1
  // of 32 as the low and high int16 of element j (each fits: |sum| <= 4096).
  const int32_t* pair_sums = nullptr;
};

// Up to kPanelRows weight rows unpacked for the blocked kernels.
struct WeightPanel {
  size_t rows = 0;
  size_t cols = 0;
  size_t block = 32;     // elements per scale: 32, or 16 for Q6_K
  bool has_min = false;  // Q4_1, Q5_1, Q4_K, Q5_K
  int32_t zero_point = 0;
  uint8_t* q = nullptr;    // [vector][cols / 4][16 rows][4]
  float* scale = nullptr;  // [vector][cols / block][16 rows]
  float* min = nullptr;    // [vector][cols / 32][16 rows], when has_min

  size_t vectors() const { return (rows + kPanelLanes - 1) / kPanelLanes; }
  uint8_t* vector_q(size_t v) const { return q + v * cols * kPanelLanes; }
  float* vector_scale(size_t v) const { return scale + v * (cols / block) * kPanelLanes; }
  float* vector_min(size_t v) const { return min + v * (cols / 32) * kPanelLanes; }
};

// Returns true for the weight types that can be packed (Q8_0, Q4_K, Q6_K).
bool packable(TensorType type);

// One block of 32 columns of a packed Q8_0 panel: its 8 groups of 4
// columns, each as both vectors' 64 bytes side by side, then the scales of
// both vectors, as halves. A block is read front to back as one stream: with
// each vector's values in a run of its own, a token read the two runs in
// turn, and a single thread streamed at two thirds of the speed.
inline constexpr size_t kPackedGroupBytes = kPanelLanes * 4;
inline constexpr size_t kPackedVectorValues = kPanelLanes * 32;
inline constexpr size_t kPackedVectorScales = kPanelLanes * sizeof(uint16_t);
inline constexpr size_t kPackedBlockBytes = 2 * (kPackedVectorValues + kPackedVectorScales);

// Where vector v's group g (of 8) of block b, and its scales of block b, lie
// in the packed Q8_0 panel at `panel`.
template <typename Byte>
Byte* packed_group(Byte* panel, size_t b, size_t g, size_t v) {
  return panel + b * kPackedBlockBytes + (2 * g + v) * kPackedGroupBytes;
}
template <typename Byte>
Byte* packed_scales(Byte* panel, size_t b, size_t v) {
  return panel + b * kPackedBlockBytes + 2 * kPackedVectorValues + v * kPackedVectorScales;
}

// A packed Q4_K panel keeps the file's numbers: 4-bit values, each block's
// 6-bit scale and min (a byte each), each super-block's d and dmin (halves).
// It takes 4.625 bits a value where the file takes 4.5. Per super-block of
// 256 columns: both vectors' d, then dmin (16 halves each); then per block
// of 32 columns, both vectors' 16 scales and 16 mins, then the values, two
// 4-byte groups to a byte: for k < 4, 64 bytes of each vector side by side
// with group k's values in the low nibbles and group k + 4's in the high
// ones. As for Q8_0, a block is laid out in the order it is read.
inline constexpr size_t kQ4KVectorHalves = 2 * kPanelLanes * sizeof(uint16_t);
inline constexpr size_t kQ4KVectorScales = 2 * kPanelLanes;
inline constexpr size_t kQ4KVectorValues = kPanelLanes * 32 / 2;
inline constexpr size_t kQ4KBlockBytes = 2 * (kQ4KVectorScales + kQ4KVectorValues);
inline constexpr size_t kQ4KSuperBytes = 2 * kQ4KVectorHalves + 8 * kQ4KBlockBytes;

// Where vector v's d (then dmin, 32 bytes on) of super-block s, its scales
// (then mins, 16 bytes on) of block b, and its k-th 64 bytes of values of
// block b, lie in the packed Q4_K panel at `panel`.
template <typename Byte>
Byte* packed_q4_k_halves(Byte* panel, size_t s, size_t v) {
  return panel + s * kQ4KSuperBytes + v * kQ4KVectorHalves;
}
template <typename Byte>
Byte* packed_q4_k_scales(Byte* panel, size_t b, size_t v) {
  return panel + b / 8 * kQ4KSuperBytes + 2 * kQ4KVectorHalves + b % 8 * kQ4KBlockBytes +
         v * kQ4KVectorScales;
}
template <typename Byte>
Byte* packed_q4_k_values(Byte* panel, size_t b, size_t k, size_t v) {
  return packed_q4_k_scales(panel, b, 0) + 2 * kQ4KVectorScales + (2 * k + v) * kPackedGroupBytes;
}

// A packed Q6_K panel keeps the file's numbers too, in the file's size:
// 6-bit values as a nibble and two bits, each 16 columns' 8-bit scale, each
// super-block's d (a half). Per super-block of 256 columns: both vectors' d
// (16 halves each); then per block of 16 columns (4 groups of 4), both
// vectors' 16 scales, then the values in the order they are read: for each
// vector, its first 64 bytes of nibbles (group 0 in the low nibbles, group 2
// in the high ones) and its high bits (64 bytes: group g's at bits 2g and
// 2g + 1); then the second 64 bytes of nibbles (groups 1 and 3) of each.
inline constexpr size_t kQ6KVectorHalves = kPanelLanes * sizeof(uint16_t);
inline constexpr size_t kQ6KVectorScales = kPanelLanes;
inline constexpr size_t kQ6KVectorNibbles = kPanelLanes * 16 / 2;
inline constexpr size_t kQ6KVectorHighBits = kPanelLanes * 16 / 4;
inline constexpr size_t kQ6KBlockBytes =
    2 * (kQ6KVectorScales + kQ6KVectorNibbles + kQ6KVectorHighBits);
inline constexpr size_t kQ6KSuperBytes = 2 * kQ6KVectorHalves + 16 * kQ6KBlockBytes;

// Where vector v's d of super-block s, and its scales, k-th 64 bytes of
// nibbles (k < 2) and high bits of block b (16 columns), lie in the packed
// Q6_K panel at `panel`.
template <typename Byte>
Byte* packed_q6_k_halves(Byte* panel, size_t s, size_t v) {
  return panel + s * kQ6KSuperBytes + v * kQ6KVectorHalves;
}
template <typename Byte>
Byte* packed_q6_k_scales(Byte* panel, size_t b, size_t v) {
  return panel + b / 16 * kQ6KSuperBytes + 2 * kQ6KVectorHalves + b % 16 * kQ6KBlockBytes +
         v * kQ6KVectorScales;
}
template <typename Byte>
Byte* packed_q6_k_nibbles(Byte* panel, size_t b, size_t k, size_t v) {
  Byte* values = packed_q6_k_scales(panel, b, 0) + 2 * kQ6KVectorScales;
  return values + (k == 0 ? 2 * v : 4 + v) * kPackedGroupBytes;
}
template <typename Byte>
Byte* packed_q6_k_high_bits(Byte* panel, size_t b, size_t v) {
  return packed_q6_k_nibbles(panel, b, 0, v) + kPackedGroupBytes;
}

// Returns the bytes of one packed panel of rows of `cols` elements of the
// packable `type`.
size_t packed_panel_bytes(TensorType type, size_t cols);

// Returns a view of the packed panel of `type` at `data` holding `rows`
// rows; the kernels address its parts with the functions above.
WeightPanel packed_panel(TensorType type, const uint8_t* data, size_t rows, size_t cols);

// Packs `rows` rows of a packable type, starting at `weights`, into
// ceil(rows / kPanelRows) panels of packed_panel_bytes(cols) at `out`.
using PackFn = void (*)(TensorType type, const uint8_t* weights, size_t row_stride, size_t rows,
                        size_t cols, uint8_t* out);

// Per-thread buffers for one panel, and for the split activations.
class GemmWorkspace {
 public:
  // Returns a panel for rows of `cols` elements, growing the buffers if needed.
  WeightPanel panel(size_t cols, size_t block, bool has_min, int32_t zero_point);

 private:
  std::vector<uint8_t> q_;
  std::vector<float> scale_;
  std::vector<float> min_;
};

struct GemmArgs {
  TensorType type = TensorType::kF32;
  const uint8_t* weights = nullptr;  // the first row to compute
  // Instead of `weights`, for the packed kernels: the packed panel of the
  // first row to compute (a multiple of kPanelRows), followed by the others.
  const uint8_t* packed = nullptr;
  size_t row_stride = 0;  // bytes per weight row
  size_t rows = 0;        // rows to compute
  const SplitActivations* x = nullptr;
  float* y = nullptr;  // y[t * y_stride + r] for token t and row r of this range
  size_t y_stride = 0;
  GemmWorkspace* workspace = nullptr;
};

// Computes y for args.rows rows and all args.x->tokens tokens.
using GemmFn = void (*)(const GemmArgs& args);

// Returns true for the weight types the blocked kernels take.
bool gemm_type_supported(TensorType type);

// Returns an empty panel shaped for `type` over `workspace`'s buffers.
WeightPanel gemm_panel_for(TensorType type, size_t cols, GemmWorkspace& workspace);

// Unpacks `rows` (<= kPanelRows) rows of `type` starting at `weights` into
// `panel` (portable code). Lanes past the last row get zero scales.
void unpack_panel(TensorType type, const uint8_t* weights, size_t row_stride, size_t rows,
                  WeightPanel& panel);

// Storage for SplitActivations, filled from the Q8_0 or Q8_K rows of a batch.
class SplitActivationBuffer {
 public:
  // Makes room for `tokens` rows of `cols` values (allocating only to grow).
  void resize(size_t tokens, size_t cols);
  // Fills tokens [begin, end) from rows of Q8_0 (or Q8_K) blocks: token t's
  // blocks start at rows + t * row_bytes. Threads may fill disjoint ranges.
  void fill_range_q8_0(const uint8_t* rows, size_t row_bytes, size_t begin, size_t end);
  void fill_range_q8_k(const uint8_t* rows, size_t row_bytes, size_t begin, size_t end);

  const SplitActivations& view() const { return view_; }

 private:
  SplitActivations view_;
  std::vector<int8_t> q_;
  std::vector<float> scale_;
  std::vector<int32_t> sum16_;
  std::vector<float> scaled_sum_;
  std::vector<int32_t> pair_sums_;
};

}  // namespace cloister::engine::kernels
