// bench: prefill and decode speed of a model on this machine, set against the
// machine's memory read bandwidth (decode reads every weight once per step,
// so bandwidth / weight bytes bounds decode speed). Also writes random-weight
// models of benchmark shapes (--write-random).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/gguf/gguf.h"
#include "engine/kernels/dispatch.h"
#include "engine/model/transformer.h"
#include "engine/tensor/thread_pool.h"
#include "tools/cloister-engine/commands.h"
#include "tools/cloister-engine/random_model.h"

namespace cloister::tools::engine_cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchArgs {
  std::string model;
  unsigned threads = 2;
  uint32_t prompt = 64;
  uint32_t generate = 32;
  uint32_t batch = 1;
  uint32_t repetitions = 1;
  std::string kernels;
  std::string write_random;
  std::string shape = "tinyllama";
  std::string quantization = "q8_0";
  uint32_t bandwidth_mib = 1024;
  bool no_pack = false;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Measures read bandwidth in bytes per second: `threads` threads each sum
// their share of a buffer much larger than the caches; best of a few passes.
double measure_read_bandwidth(unsigned threads, uint32_t mib) {
  const size_t bytes = size_t{mib} << 20;
  std::vector<uint64_t> buffer(bytes / sizeof(uint64_t));
  std::iota(buffer.begin(), buffer.end(), uint64_t{1});
  engine::ThreadPool pool(threads);
  std::atomic<uint64_t> total{0};  // keeps the reads from being optimized away
  double best = 0;
  for (int pass = 0; pass < 4; ++pass) {
    const Clock::time_point start = Clock::now();
    auto body = [&](size_t begin, size_t end) {
      uint64_t s0 = 0;
      uint64_t s1 = 0;
      uint64_t s2 = 0;
      uint64_t s3 = 0;
      for (size_t i = begin; i + 4 <= end; i += 4) {
        s0 += buffer[i];
        s1 += buffer[i + 1];
        s2 += buffer[i + 2];
        s3 += buffer[i + 3];
      }
      total.fetch_add(s0 + s1 + s2 + s3, std::memory_order_relaxed);
    };
    pool.parallel_for(buffer.size(), body);
    best = std::max(best, static_cast<double>(bytes) / seconds_since(start));
  }
  volatile uint64_t sink = total.load();
  (void)sink;
  return best;
}

// Bytes of weights a decode step reads: every matrix but the token embedding
// (only one row of it is read), unless the output reuses it.
uint64_t weight_bytes_per_token(const engine::GgufFile& file) {
  uint64_t total = 0;
  bool has_output = false;
  uint64_t embedding = 0;
  for (const engine::GgufTensor& tensor : file.tensors()) {
    total += tensor.data.size();
    if (tensor.name == "output.weight") has_output = true;
    if (tensor.name == "token_embd.weight") embedding = tensor.data.size();
  }
  return has_output ? total - embedding : total;
}

struct Speeds {
  double prefill = 0;  // tokens per second
  double decode = 0;   // tokens per second, all sequences together
};

Status step(engine::Generator& generator) {
  CLOISTER_ASSIGN_OR_RETURN(std::vector<engine::SequenceEvent> events, generator.step());
  if (events.empty()) return Error(ErrorCode::kInternal, "every sequence has finished");
  return ok_status();
}

// Runs `batch` sequences of a `prompt`-token random prompt, then `generate`
// decode steps, and times both phases.
Result<Speeds> run_once(const engine::Model& model, const BenchArgs& args, uint32_t batch) {
  engine::GeneratorOptions options;
  options.context_length = args.prompt + args.generate + 2;
  options.max_sequences = batch;
  options.threads = args.threads;
  engine::Generator generator(model, options);
  engine::GenerationOptions generation;
  generation.sampling = engine::greedy_sampling();
  generation.max_tokens = 0;
  generation.ignore_end_of_generation = true;
  std::mt19937 rng(7);
  std::uniform_int_distribution<engine::TokenId> token(
      3, static_cast<engine::TokenId>(model.info().n_vocab - 1));
  for (uint32_t b = 0; b < batch; ++b) {
    std::vector<engine::TokenId> prompt(args.prompt);
    for (engine::TokenId& t : prompt) t = token(rng);
    prompt[0] = 1;
    CLOISTER_ASSIGN_OR_RETURN(engine::SequenceId id, generator.add_sequence(prompt, generation));
    (void)id;
  }
  Speeds speeds;
  Clock::time_point start = Clock::now();
  CLOISTER_TRY(step(generator));
  speeds.prefill = static_cast<double>(batch) * args.prompt / seconds_since(start);
  start = Clock::now();
  for (uint32_t i = 0; i < args.generate; ++i) CLOISTER_TRY(step(generator));
  speeds.decode = static_cast<double>(batch) * args.generate / seconds_since(start);
  return speeds;
}

// One round: one sequence, then args.batch together (when above 1), then the
// machine's read bandwidth, back to back, so that the ratios within a round
// share the machine's conditions (on a shared machine, bandwidth moves by
// half from one minute to the next).
struct Round {
  Speeds single;
  Speeds batched;
  double bandwidth = 0;  // bytes per second
};

Result<Round> run_round(const engine::Model& model, const BenchArgs& args) {
  Round round;
  CLOISTER_ASSIGN_OR_RETURN(round.single, run_once(model, args, 1));
  if (args.batch > 1) {
    CLOISTER_ASSIGN_OR_RETURN(round.batched, run_once(model, args, args.batch));
  }
  round.bandwidth = measure_read_bandwidth(args.threads, args.bandwidth_mib);
  return round;
}

// Returns the median of `values` and their range, as "median (low to
// high)", each with `decimals` decimals and `unit` after it.
std::string median_and_range(std::vector<double> values, int decimals, const char* unit) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  const double median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  char text[96];
  std::snprintf(text, sizeof(text), "%.*f%s (%.*f%s to %.*f%s)", decimals, median, unit, decimals,
                values.front(), unit, decimals, values.back(), unit);
  return text;
}

int run_bench(Program& program, const BenchArgs& args) {
  if (!args.write_random.empty()) {
    Result<RandomModelShape> shape = random_model_shape(args.shape);
    if (!shape.ok()) return program.fail(shape.error());
    Status written = write_random_model(args.write_random, *shape, args.quantization, 1);
    if (!written.ok()) return program.fail(written.error());
    std::cout << "wrote " << args.write_random << "\n";
    if (args.model.empty()) return kExitOk;
  }
  if (args.model.empty()) {
    return program.fail(Error(ErrorCode::kInvalidArgument, "bench needs -m FILE"));
  }
  if (!args.kernels.empty()) {
    std::optional<engine::kernels::KernelPath> path =
        engine::kernels::kernel_path_from_name(args.kernels);
    if (!path) {
      return program.fail(Error(ErrorCode::kInvalidArgument, "unknown kernels '" + args.kernels +
                                                                 "' (scalar, avx2, avx512, amx)"));
    }
    Status set = engine::kernels::set_kernel_path(*path);
    if (!set.ok()) return program.fail(set.error());
  }
  engine::LoadOptions load;
  load.pack_weights = !args.no_pack;
  const Clock::time_point load_start = Clock::now();
  Result<std::shared_ptr<const engine::Model>> model = engine::Model::load(args.model, load);
  if (!model.ok()) return program.fail(model.error());
  const double load_seconds = seconds_since(load_start);
  const uint64_t weight_bytes = weight_bytes_per_token((*model)->file());

  // A short warm-up reads every weight page once.
  BenchArgs warm = args;
  warm.prompt = 2;
  warm.generate = 1;
  if (Result<Speeds> w = run_once(**model, warm, 1); !w.ok()) return program.fail(w.error());

  std::printf("model: %s (%.3f GB of weights read per decode step)\n", args.model.c_str(),
              static_cast<double>(weight_bytes) / 1e9);
  std::printf(
      "kernels: %s, threads: %u, load %.2f s, packed at load: %.3f GB\n",
      std::string(engine::kernels::kernel_path_name(engine::kernels::active_kernel_path())).c_str(),
      args.threads, load_seconds,
      static_cast<double>((*model)->transformer().weights().packed.bytes()) / 1e9);
  std::vector<Round> rounds;
  for (uint32_t r = 0; r < std::max(1u, args.repetitions); ++r) {
    Result<Round> round = run_round(**model, args);
    if (!round.ok()) return program.fail(round.error());
    rounds.push_back(*round);
  }
  // The best of the rounds, each figure on its own.
  Round best;
  for (const Round& round : rounds) {
    best.single.prefill = std::max(best.single.prefill, round.single.prefill);
    best.single.decode = std::max(best.single.decode, round.single.decode);
    best.batched.decode = std::max(best.batched.decode, round.batched.decode);
    best.bandwidth = std::max(best.bandwidth, round.bandwidth);
  }
  const auto bytes = static_cast<double>(weight_bytes);
  std::printf("prefill pp%u: %.1f tok/s\n", args.prompt, best.single.prefill);
  std::printf("decode tg%u: %.2f tok/s\n", args.generate, best.single.decode);
  if (args.batch > 1) {
    std::printf("decode tg%u with %u sequences: %.2f tok/s in total (%.2fx one sequence)\n",
                args.generate, args.batch, best.batched.decode,
                best.batched.decode / best.single.decode);
  }
  const double bound = best.bandwidth / bytes;
  std::printf("read bandwidth (%u threads): %.1f GB/s, decode bound %.1f tok/s, decode at %.0f%%\n",
              args.threads, best.bandwidth / 1e9, bound, 100.0 * best.single.decode / bound);
  if (rounds.size() > 1) {
    // Ratios within each round, then their median over the rounds.
    std::vector<double> of_bound;
    std::vector<double> batch_over_one;
    for (const Round& round : rounds) {
      of_bound.push_back(100.0 * round.single.decode * bytes / round.bandwidth);
      batch_over_one.push_back(round.batched.decode / round.single.decode);
    }
    std::printf("ratios within a round, median (range) of %zu: decode %s of the bound",
                rounds.size(), median_and_range(of_bound, 0, "%").c_str());
    if (args.batch > 1) {
      std::printf("; %u sequences %s one sequence", args.batch,
                  median_and_range(batch_over_one, 2, "x").c_str());
    }
    std::printf("\n");
  }
  return kExitOk;
}

}  // namespace

void add_bench_command(Program& program) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* command = program.app().add_subcommand(
      "bench", "Measure prefill and decode speed against this machine's memory bandwidth");
  command->add_option("-m,--model", args->model, "GGUF file");
  command->add_option("-t,--threads", args->threads, "threads (default 2)");
  command->add_option("-p,--prompt", args->prompt, "prompt tokens for prefill (default 64)")
      ->check(CLI::Range(1u, 1u << 16));
  command->add_option("-n,--generate", args->generate, "decode steps (default 32)")
      ->check(CLI::Range(1u, 1u << 16));
  command->add_option("--batch", args->batch, "also decode this many sequences together")
      ->check(CLI::Range(1u, 256u));
  command->add_option("-r,--repetitions", args->repetitions,
                      "rounds (one sequence, the batch, bandwidth); the best of each is "
                      "printed, and the median of the ratios within a round");
  command->add_option("--kernels", args->kernels, "force a kernel path: scalar, avx2, avx512, amx");
  command->add_flag("--no-pack", args->no_pack,
                    "keep every weight in the file's mapping (no packing at load), to compare");
  command->add_option("--write-random", args->write_random,
                      "first write a random-weight model to this file");
  command->add_option("--shape", args->shape, "random model shape: tinyllama (default) or 125m");
  command->add_option("--type", args->quantization,
                      "random model weights: q8_0 (default) or q4_k_m");
  command
      ->add_option("--bandwidth-mib", args->bandwidth_mib,
                   "buffer read to measure bandwidth, in MiB (default 1024; well past the caches)")
      ->check(CLI::Range(1u, 1u << 16));
  program.on(command, [&program, args] { return run_bench(program, *args); });
}

}  // namespace cloister::tools::engine_cli
