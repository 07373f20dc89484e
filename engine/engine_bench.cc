// Speed of the engine's building blocks, for comparing kernels as they
// change: products per tensor type and batch size (from cache, and a single
// token's streamed from memory against a plain read), one decode step of a
// small random-weight model, quantizing activations, attention's row kernels,
// and one sampled token over a 32,000-token vocabulary. Ratios within a run
// matter more than absolute numbers (see docs/benchmarks.md).
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "engine/engine.h"
#include "engine/kernels/fp16.h"
#include "engine/kernels/kernels.h"
#include "engine/sampler.h"
#include "engine/tensor/matmul.h"
#include "engine/tensor/matvec.h"
#include "engine/tensor/packed_weights.h"
#include "engine/testing/fixture_model.h"

namespace cloister::engine {
namespace {

constexpr TensorType kTypes[] = {TensorType::kF32,  TensorType::kF16,  TensorType::kBF16,
                                 TensorType::kQ8_0, TensorType::kQ4_0, TensorType::kQ4_K,
                                 TensorType::kQ5_K, TensorType::kQ6_K};

// Returns `rows` rows of normally distributed values quantized to `type`.
std::vector<uint8_t> random_rows(TensorType type, uint64_t rows, uint64_t cols, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(cols);
  const uint64_t stride = *row_bytes(type, cols);
  std::vector<uint8_t> data(stride * rows);
  for (uint64_t r = 0; r < rows; ++r) {
    for (float& v : values) v = normal(rng);
    kernels::quantize_row(type, values, std::span<uint8_t>(data).subspan(r * stride, stride));
  }
  return data;
}

void BM_MatVec(benchmark::State& state) {
  const auto type = kTypes[state.range(0)];
  const uint64_t rows = 1024;
  const uint64_t cols = 1024;
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const uint64_t stride = *row_bytes(type, cols);
  const std::vector<uint8_t> data = random_rows(type, rows, cols, rng);
  Matrix matrix{"bench", type, rows, cols, stride, data};
  std::vector<float> x(cols);
  for (float& v : x) v = normal(rng);
  std::vector<float> y(rows);
  InputVector input;
  for (auto _ : state) {
    input.set(x);  // includes quantizing the activations, as in the model
    matvec(matrix, input, y, nullptr);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetLabel(std::string(tensor_type_name(type)));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows * cols));
}
BENCHMARK(BM_MatVec)->DenseRange(0, std::size(kTypes) - 1);

// One 2048 x 2048 matrix times a batch of tokens (1: a decode step; 8: eight
// sequences decoding together; 128: a prefill batch), on the fastest kernel
// path. Items are multiply-adds.
void BM_MatMulBatch(benchmark::State& state) {
  const auto type = kTypes[state.range(0)];
  const auto tokens = static_cast<size_t>(state.range(1));
  const uint64_t rows = 2048;
  const uint64_t cols = 2048;
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const uint64_t stride = *row_bytes(type, cols);
  const std::vector<uint8_t> data = random_rows(type, rows, cols, rng);
  Matrix matrix{"bench", type, rows, cols, stride, data};
  std::vector<float> x(tokens * cols);
  for (float& v : x) v = normal(rng);
  std::vector<float> y(tokens * rows);
  BatchInput input;
  for (auto _ : state) {
    input.set(x.data(), tokens, cols);  // includes quantizing the activations
    matmul(matrix, input, y.data(), rows, nullptr);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetLabel(std::string(tensor_type_name(type)) + " x" + std::to_string(tokens));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows * cols * tokens));
}
BENCHMARK(BM_MatMulBatch)->ArgsProduct({{3, 5, 7}, {1, 8, 128}})->Unit(benchmark::kMillisecond);

// The same product with the matrix packed at load (packed_weights.h), where
// the active path packs: Q8_0, Q4_K or Q6_K (the first argument, an index in
// kTypes); the second is 0 for the matrix as it is in the file, 1 for it
// packed.
void BM_MatMulPacked(benchmark::State& state) {
  const TensorType type = kTypes[state.range(0)];
  const bool pack = state.range(1) != 0;
  const auto tokens = static_cast<size_t>(state.range(2));
  const uint64_t rows = 2048;
  const uint64_t cols = 2048;
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const uint64_t stride = *row_bytes(type, cols);
  const std::vector<uint8_t> data = random_rows(type, rows, cols, rng);
  Matrix matrix{"bench", type, rows, cols, stride, data};
  Matrix* matrices[] = {&matrix};
  const PackedWeights packed = pack ? PackedWeights::pack(matrices, nullptr) : PackedWeights();
  if (pack && packed.bytes() == 0) {
    state.SkipWithError("the active kernel path does not pack");
    return;
  }
  std::vector<float> x(tokens * cols);
  for (float& v : x) v = normal(rng);
  std::vector<float> y(tokens * rows);
  BatchInput input;
  InputVector vector;
  for (auto _ : state) {
    if (tokens == 1) {
      vector.set(x);  // as a decode step does: matvec
      matvec(matrix, vector, y, nullptr);
    } else {
      input.set(x.data(), tokens, cols);
      matmul(matrix, input, y.data(), rows, nullptr);
    }
    benchmark::DoNotOptimize(y.data());
  }
  state.SetLabel(std::string(tensor_type_name(type)) + (pack ? " packed" : " file") + " x" +
                 std::to_string(tokens));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows * cols * tokens));
}
BENCHMARK(BM_MatMulPacked)
    ->ArgsProduct({{3, 5, 7}, {0, 1}, {1, 8, 128}})
    ->Unit(benchmark::kMillisecond);

// A single token's product streaming packed weights from memory, against a
// plain sum of the same bytes (arguments: the type's index in kTypes, then 0
// for the sum, 1 for the product). One thread, 16 matrices of the 1.1B
// model's feed-forward shape, well past the caches; bytes/s is what to
// compare: a decode step cannot read its weights faster than the sum does.
void BM_StreamPacked(benchmark::State& state) {
  const TensorType type = kTypes[state.range(0)];
  const bool product = state.range(1) != 0;
  constexpr uint64_t kRows = 5632;
  constexpr uint64_t kCols = 2048;
  constexpr size_t kMatrices = 16;
  std::mt19937 rng(1);
  std::vector<std::vector<uint8_t>> data(kMatrices, random_rows(type, kRows, kCols, rng));
  std::vector<Matrix> matrices;
  std::vector<Matrix*> pointers;
  for (const std::vector<uint8_t>& rows : data) {
    matrices.push_back(Matrix{"bench", type, kRows, kCols, *row_bytes(type, kCols), rows});
  }
  for (Matrix& matrix : matrices) pointers.push_back(&matrix);
  const PackedWeights packed = PackedWeights::pack(pointers, nullptr);
  if (packed.bytes() == 0) {
    state.SkipWithError("the active kernel path does not pack");
    return;
  }
  const size_t matrix_words = packed.bytes() / kMatrices / sizeof(uint64_t);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(kCols);
  for (float& v : x) v = normal(rng);
  std::vector<float> y(kRows);
  BatchInput input;
  for (auto _ : state) {
    for (const Matrix& matrix : matrices) {
      if (product) {
        input.set(x.data(), 1, kCols);
        matmul(matrix, input, y.data(), kRows, nullptr);
        benchmark::DoNotOptimize(y.data());
      } else {
        const auto* words = reinterpret_cast<const uint64_t*>(matrix.packed);
        uint64_t s0 = 0;  // as cloister-engine bench measures bandwidth
        uint64_t s1 = 0;
        uint64_t s2 = 0;
        uint64_t s3 = 0;
        for (size_t i = 0; i + 4 <= matrix_words; i += 4) {
          s0 += words[i];
          s1 += words[i + 1];
          s2 += words[i + 2];
          s3 += words[i + 3];
        }
        benchmark::DoNotOptimize(s0 + s1 + s2 + s3);
      }
    }
  }
  state.SetLabel(std::string(tensor_type_name(type)) + (product ? " token product" : " plain sum"));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * packed.bytes()));
}
BENCHMARK(BM_StreamPacked)
    ->ArgsProduct({{3, 5, 7}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(1.0);

void BM_DecodeToken(benchmark::State& state) {
  fixtures::FixtureOptions options;
  options.weight_type = kTypes[state.range(0)];
  options.n_embd = 512;
  options.n_ff = 1536;
  options.n_head = 8;
  options.n_head_kv = 2;
  options.n_ctx = 4096;
  fixtures::FixtureFile file(options);
  Result<std::shared_ptr<const Model>> model = Model::load(file.path());
  if (!model.ok()) {
    state.SkipWithError(model.error().message().c_str());
    return;
  }
  GenerationOptions generation;
  generation.sampling = greedy_sampling();
  generation.max_tokens = 0;
  generation.ignore_end_of_generation = true;
  Generator generator(**model, {});
  Result<SequenceId> id = generator.add_sequence(std::vector<TokenId>{1, 5}, generation);
  for (auto _ : state) {
    Result<std::vector<SequenceEvent>> events = generator.step();
    if (!events.ok() || events->empty() || events->front().finished) {
      state.SkipWithError("the sequence ended");
      return;
    }
  }
  state.SetLabel(std::string(tensor_type_name(options.weight_type)));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_DecodeToken)->DenseRange(0, std::size(kTypes) - 1)->Unit(benchmark::kMillisecond);

// Quantizing a batch's activations for the products: 8 tokens of 2048
// values, to Q8_0 (0) or Q8_K (1) blocks.
void BM_QuantizeActivations(benchmark::State& state) {
  constexpr size_t kValues = 8 * 2048;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(kValues);
  for (float& v : x) v = normal(rng);
  const kernels::KernelTable& table = kernels::active_kernels();
  std::vector<kernels::BlockQ8_0> q8_0(kValues / kernels::kQ8_0BlockElements);
  std::vector<kernels::BlockQ8_K> q8_k(kValues / kernels::kQK_K);
  for (auto _ : state) {
    if (state.range(0) == 0) {
      table.quantize_q8_0(x.data(), kValues, q8_0.data());
      benchmark::DoNotOptimize(q8_0.data());
    } else {
      table.quantize_q8_k(x.data(), kValues, q8_k.data());
      benchmark::DoNotOptimize(q8_k.data());
    }
  }
  state.SetLabel(state.range(0) == 0 ? "q8_0" : "q8_K");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kValues));
}
BENCHMARK(BM_QuantizeActivations)->DenseRange(0, 1)->Unit(benchmark::kMicrosecond);

// Attention's two row kernels over one KV head's cached rows (head size
// 64, as both benchmark shapes have): the scores of the queries against
// every row, then each query's weighted sum of the rows. Arguments: queries
// (1: one head of a sequence's decode step; 8: the 8 heads that share a KV
// head in the 1.1B model), then cached positions. Items are rows read.
void BM_AttentionRows(benchmark::State& state) {
  constexpr size_t kDim = 64;
  const auto queries = static_cast<size_t>(state.range(0));
  const auto positions = static_cast<size_t>(state.range(1));
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<uint16_t> cached(positions * kDim);
  for (uint16_t& h : cached) h = kernels::f32_to_fp16(normal(rng));
  std::vector<float> q(queries * kDim);
  for (float& v : q) v = normal(rng);
  std::vector<float> scores(queries * positions);
  std::vector<float> out(queries * kDim);
  const std::vector<uint32_t> counts(queries, static_cast<uint32_t>(positions));
  const kernels::KernelTable& table = kernels::active_kernels();
  const kernels::CachedRows rows{cached.data(), kDim, kDim};
  for (auto _ : state) {
    table.dot_rows_f16({q.data(), kDim, queries}, rows, positions, scores.data());
    table.weighted_rows_f16({scores.data(), positions, queries}, counts.data(), rows, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * positions * 2));
}
BENCHMARK(BM_AttentionRows)->ArgsProduct({{1, 8}, {128, 1024}})->Unit(benchmark::kMicrosecond);

// Drawing one token from 32,000 logits, as the chat API's samplers do:
// 0 plain temperature, 1 top-p 0.9, 2 top-k 40, 3 min-p 0.05.
void BM_SampleToken(benchmark::State& state) {
  constexpr size_t kVocab = 32000;
  SamplingParams params = greedy_sampling();
  params.temperature = 0.8f;
  params.seed = 1;
  const char* labels[] = {
      "temperature", "top-p 0.9", "top-k 40", "min-p 0.05", "greedy (temperature 0)",
      "the defaults"};
  if (state.range(0) == 1) params.top_p = 0.9f;
  if (state.range(0) == 2) params.top_k = 40;
  if (state.range(0) == 3) params.min_p = 0.05f;
  if (state.range(0) == 4) params.temperature = 0.0f;
  if (state.range(0) == 5) params = SamplingParams{.seed = 1};
  std::mt19937 rng(7);
  std::normal_distribution<float> logit(0.0f, 3.0f);
  std::vector<float> logits(kVocab);
  for (float& value : logits) value = logit(rng);
  std::vector<float> scratch(kVocab);
  Sampler sampler(params, kVocab);
  for (auto _ : state) {
    scratch = logits;
    benchmark::DoNotOptimize(sampler.sample(scratch));
  }
  state.SetLabel(labels[state.range(0)]);
}
BENCHMARK(BM_SampleToken)->DenseRange(0, 5)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace cloister::engine

BENCHMARK_MAIN();
