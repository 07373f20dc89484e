// AVX2 attention over a KV cache of IEEE halves. Queries that share the
// cached rows (the heads of one KV head, the tokens of one prompt) take them
// together: each block of rows is converted to floats once for all of them,
// where one query at a time would convert every row again.
#include "engine/kernels/simd/avx2_kernels.h"

#if CLOISTER_X86
#include <algorithm>
#include <limits>

#include "engine/kernels/simd/avx2_common.h"

namespace cloister::engine::kernels::simd {
namespace {

// Weighted sums of fewer queries than this take the rows one query at a
// time (a decode step's single query gains nothing from converting rows
// ahead).
constexpr size_t kQueriesForBlocks = 4;
// Scores of several queries convert 4 rows at a time into a buffer of this
// many values a row.
constexpr size_t kMaxBlockedDim = 256;

CLOISTER_TARGET_AVX2 __m256 load_halves(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Rows i..i+3 as floats, one after another: out[k * dim + d] = value d of
// row i + k.
CLOISTER_TARGET_AVX2 void convert_rows(CachedRows rows, size_t i, float* out) {
  for (size_t k = 0; k < 4; ++k) {
    const uint16_t* row = rows.data + (i + k) * rows.stride;
    for (size_t d = 0; d < rows.dim; d += 8) {
      _mm256_store_ps(out + k * rows.dim + d, load_halves(row + d));
    }
  }
}

// One query against one row.
CLOISTER_TARGET_AVX2 float dot_row(const float* q, const uint16_t* row, size_t dim) {
  if (dim % 8 != 0) return avx2_vector_dot_f32_f16(q, row, dim);
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  size_t d = 0;
  for (; d + 16 <= dim; d += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), load_halves(row + d), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + d + 8), load_halves(row + d + 8), acc1);
  }
  if (d < dim) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), load_halves(row + d), acc0);
  return hsum(_mm256_add_ps(acc0, acc1));
}

// Returns the sums of the 8 vectors' lanes: lane k holds the sum of v[k].
CLOISTER_TARGET_AVX2 __m256 sum_each(const __m256 (&v)[8]) {
  const __m256 low = _mm256_hadd_ps(_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]));
  const __m256 high = _mm256_hadd_ps(_mm256_hadd_ps(v[4], v[5]), _mm256_hadd_ps(v[6], v[7]));
  return _mm256_add_ps(_mm256_permute2f128_ps(low, high, 0x20),
                       _mm256_permute2f128_ps(low, high, 0x31));
}

// Scores of queries a and b against the 4 rows of `block` (convert_rows):
// lanes 0 to 3 are a's, 4 to 7 b's. Each pair of a query and a row is its
// own chain of products, 8 in all, which keeps both FMA ports busy.
CLOISTER_TARGET_AVX2 __m256 score_pair(const float* a, const float* b, const float* block,
                                       size_t dim) {
  __m256 acc[8];
#pragma GCC unroll 8
  for (size_t k = 0; k < 8; ++k) acc[k] = _mm256_setzero_ps();
  for (size_t d = 0; d < dim; d += 8) {
    const __m256 qa = _mm256_loadu_ps(a + d);
    const __m256 qb = _mm256_loadu_ps(b + d);
#pragma GCC unroll 4
    for (size_t k = 0; k < 4; ++k) {
      const __m256 row = _mm256_load_ps(block + k * dim + d);
      acc[k] = _mm256_fmadd_ps(row, qa, acc[k]);
      acc[4 + k] = _mm256_fmadd_ps(row, qb, acc[4 + k]);
    }
  }
  return sum_each(acc);
}

// One query against every row (dim a multiple of 8), 8 rows at a time: each
// row its own chain of products, and one horizontal sum for the 8.
CLOISTER_TARGET_AVX2 void score_rows(const float* q, CachedRows rows, size_t n, float* scores) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint16_t* first = rows.data + i * rows.stride;
    __m256 acc[8];
#pragma GCC unroll 8
    for (size_t k = 0; k < 8; ++k) acc[k] = _mm256_setzero_ps();
    for (size_t d = 0; d < rows.dim; d += 8) {
      const __m256 query = _mm256_loadu_ps(q + d);
#pragma GCC unroll 8
      for (size_t k = 0; k < 8; ++k) {
        acc[k] = _mm256_fmadd_ps(load_halves(first + k * rows.stride + d), query, acc[k]);
      }
    }
    _mm256_storeu_ps(scores + i, sum_each(acc));
  }
  for (; i < n; ++i) scores[i] = dot_row(q, rows.data + i * rows.stride, rows.dim);
}

// Writes the weighted sum of the n rows' values d..d + 8 * V - 1 to out: V
// running sums, one per 8 values, each its own chain over the rows.
template <size_t V>
CLOISTER_TARGET_AVX2 void weighted_columns(const float* w, size_t n, CachedRows rows, size_t d,
                                           float* out) {
  __m256 acc[V];
#pragma GCC unroll 8
  for (size_t k = 0; k < V; ++k) acc[k] = _mm256_setzero_ps();
  for (size_t i = 0; i < n; ++i) {
    const __m256 weight = _mm256_set1_ps(w[i]);
    const uint16_t* row = rows.data + i * rows.stride + d;
#pragma GCC unroll 8
    for (size_t k = 0; k < V; ++k) {
      acc[k] = _mm256_fmadd_ps(weight, load_halves(row + 8 * k), acc[k]);
    }
  }
#pragma GCC unroll 8
  for (size_t k = 0; k < V; ++k) _mm256_storeu_ps(out + d + 8 * k, acc[k]);
}

// One query's weighted sum of its rows: 64 output values at a time, in
// registers across all rows (8 chains of products, which keep both FMA
// ports busy), then 8 at a time.
CLOISTER_TARGET_AVX2 void weighted_sum(const float* w, size_t n, CachedRows rows, float* out) {
  size_t d = 0;
  for (; d + 64 <= rows.dim; d += 64) weighted_columns<8>(w, n, rows, d, out);
  for (; d + 8 <= rows.dim; d += 8) weighted_columns<1>(w, n, rows, d, out);
  for (; d < rows.dim; ++d) {
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i) sum += w[i] * half_to_float(rows.data[i * rows.stride + d]);
    out[d] = sum;
  }
}

// Adds row i's values d..d+15, times each query's weight, to the sums of
// weight rows j..j+Q-1; with `All` false, only for queries that count row i.
template <size_t Q, bool All>
CLOISTER_TARGET_AVX2 void add_row(Rows weights, const uint32_t* counts, size_t j, CachedRows rows,
                                  size_t i, size_t d, __m256 (&acc)[Q][2]) {
  const uint16_t* row = rows.data + i * rows.stride + d;
  const __m256 low = load_halves(row);
  const __m256 high = load_halves(row + 8);
#pragma GCC unroll 4
  for (size_t k = 0; k < Q; ++k) {
    if (!All && i >= counts[j + k]) continue;
    const __m256 w = _mm256_broadcast_ss(weights.data + (j + k) * weights.stride + i);
    acc[k][0] = _mm256_fmadd_ps(w, low, acc[k][0]);
    acc[k][1] = _mm256_fmadd_ps(w, high, acc[k][1]);
  }
}

// Weighted sums of weight rows j..j+Q-1, 16 output values at a time: each
// row's 16 values are converted once for the Q queries.
template <size_t Q>
CLOISTER_TARGET_AVX2 void weighted_group(Rows weights, const uint32_t* counts, size_t j,
                                         CachedRows rows, float* out) {
  const size_t fewest = *std::min_element(counts + j, counts + j + Q);
  const size_t most = *std::max_element(counts + j, counts + j + Q);
  for (size_t d = 0; d < rows.dim; d += 16) {
    __m256 acc[Q][2];
#pragma GCC unroll 4
    for (size_t k = 0; k < Q; ++k) acc[k][0] = acc[k][1] = _mm256_setzero_ps();
    for (size_t i = 0; i < fewest; ++i) add_row<Q, true>(weights, counts, j, rows, i, d, acc);
    for (size_t i = fewest; i < most; ++i) add_row<Q, false>(weights, counts, j, rows, i, d, acc);
#pragma GCC unroll 4
    for (size_t k = 0; k < Q; ++k) {
      _mm256_storeu_ps(out + (j + k) * rows.dim + d, acc[k][0]);
      _mm256_storeu_ps(out + (j + k) * rows.dim + d + 8, acc[k][1]);
    }
  }
}

}  // namespace

CLOISTER_TARGET_AVX2 void avx2_dot_rows_f16(Rows queries, CachedRows rows, size_t n,
                                            float* scores) {
  auto query = [&](size_t j) { return queries.data + j * queries.stride; };
  size_t i = 0;
  if (rows.dim % 8 == 0 && queries.count == 1) return score_rows(query(0), rows, n, scores);
  if (rows.dim % 8 == 0 && rows.dim <= kMaxBlockedDim) {
    // Queries that share the rows (a KV head's query heads, a prompt's
    // tokens) convert each row once, then take it two queries at a time.
    alignas(32) float block[4 * kMaxBlockedDim];
    for (; i + 4 <= n; i += 4) {
      convert_rows(rows, i, block);
      for (size_t j = 0; j < queries.count; j += 2) {
        const size_t other = std::min(j + 1, queries.count - 1);  // a last odd query: itself
        const __m256 pair = score_pair(query(j), query(other), block, rows.dim);
        _mm_storeu_ps(scores + j * n + i, _mm256_castps256_ps128(pair));
        _mm_storeu_ps(scores + other * n + i, _mm256_extractf128_ps(pair, 1));
      }
    }
  }
  for (; i < n; ++i) {
    for (size_t j = 0; j < queries.count; ++j) {
      scores[j * n + i] = dot_row(query(j), rows.data + i * rows.stride, rows.dim);
    }
  }
}

CLOISTER_TARGET_AVX2 void avx2_weighted_rows_f16(Rows weights, const uint32_t* counts,
                                                 CachedRows rows, float* out) {
  size_t j = 0;
  if (weights.count >= kQueriesForBlocks && rows.dim % 16 == 0) {
    for (; j + 4 <= weights.count; j += 4) weighted_group<4>(weights, counts, j, rows, out);
    for (; j + 2 <= weights.count; j += 2) weighted_group<2>(weights, counts, j, rows, out);
  }
  for (; j < weights.count; ++j) {
    weighted_sum(weights.data + j * weights.stride, counts[j], rows, out + j * rows.dim);
  }
}

CLOISTER_TARGET_AVX2 void avx2_softmax(float* x, size_t n, float scale) {
  if (n == 0) return;
  const size_t whole = n - n % 8;
  // The last n % 8 values go through a buffer padded with -infinity, whose
  // exponentials are 0.
  alignas(32) float tail[8];
  std::fill_n(tail, 8, -std::numeric_limits<float>::infinity());
  std::copy(x + whole, x + n, tail);
  auto block = [&](size_t i) { return i < whole ? x + i : tail; };

  const __m256 factor = _mm256_set1_ps(scale);
  __m256 max = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  for (size_t i = 0; i < n; i += 8) {
    const __m256 scaled = _mm256_mul_ps(_mm256_loadu_ps(block(i)), factor);
    _mm256_storeu_ps(block(i), scaled);
    max = _mm256_max_ps(max, scaled);
  }
  max = _mm256_set1_ps(hmax(max));
  __m256 sum = _mm256_setzero_ps();
  for (size_t i = 0; i < n; i += 8) {
    const __m256 e = exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(block(i)), max));
    _mm256_storeu_ps(block(i), e);
    sum = _mm256_add_ps(sum, e);
  }
  const __m256 inverse = _mm256_set1_ps(1.0f / hsum(sum));
  for (size_t i = 0; i < n; i += 8) {
    _mm256_storeu_ps(block(i), _mm256_mul_ps(_mm256_loadu_ps(block(i)), inverse));
  }
  std::copy_n(tail, n - whole, x + whole);
}

}  // namespace cloister::engine::kernels::simd

#endif  // CLOISTER_X86
