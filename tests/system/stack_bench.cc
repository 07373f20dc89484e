// stack_bench: what the encrypted, attested stack costs, measured in one run
// against the bare engine on the same model and machine.
//
//   stack_bench --enclave BIN --host BIN [--model FILE] [--tokens N] [--runs N]
//               [--idle-sessions N]
//
// It starts a real cloister-enclave (SIMULATED TEE provider, one engine
// thread) and cloister-host on loopback, and alternates the same generation
// (same prompt, sampler and seed, so the same tokens) on the bare engine in
// this process and through a session the client library (client/connect)
// verified, relayed by the host. It prints medians: time to first token,
// decode tokens/s and their ratio (the median of the ratios of neighbouring
// runs, with their spread); the time to open a verified session (relay,
// handshake, evidence and release-proof verification) with fresh evidence,
// with the enclave's kept evidence, and with kept evidence whose verdict the
// client has cached, the first token on such a new session, and what opening
// the session added to it (against the same request on that session once
// open); and the memory the host and the enclave hold per idle session with N
// sessions open. Report figures in docs/benchmarks.md.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "client/connect/verdict_cache.h"
#include "engine/engine.h"
#include "tests/system/local_stack.h"

namespace cloister::system_testing {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr std::string_view kPrompt = "Once upon a time, in a quiet village by the sea,";
constexpr double kTemperature = 0.8;
constexpr uint64_t kSeed = 42;
// Tokens generated on a new session, where only its first token is timed.
constexpr uint32_t kFirstTokenRunTokens = 8;

struct Options {
  std::string enclave_binary;
  std::string host_binary;
  std::filesystem::path model;
  uint32_t tokens = 200;
  int runs = 5;
  int idle_sessions = 1000;
};

// One generation's timings.
struct Run {
  double first_token_ms = 0;
  double decode_tokens_per_second = 0;
  uint32_t tokens = 0;
};

double milliseconds(Clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

// Decode speed from the arrival of the first and the last piece of text.
double decode_speed(uint32_t tokens, Clock::time_point first, Clock::time_point last) {
  const double seconds = std::chrono::duration<double>(last - first).count();
  return tokens > 1 && seconds > 0 ? (tokens - 1) / seconds : 0;
}

// The bare engine in this process, as the enclave's embedded back end runs
// it: one generator kept across requests, the prompt as plain text, OpenAI's
// sampler (temperature and top-p).
Result<Run> bare_engine_run(const engine::Model& model, engine::Generator& generator,
                            uint32_t max_tokens) {
  engine::GenerationOptions options;
  options.sampling.temperature = static_cast<float>(kTemperature);
  options.sampling.top_p = 1;
  options.sampling.top_k = 0;
  options.sampling.min_p = 0;
  options.sampling.seed = kSeed;
  options.max_tokens = max_tokens;
  const std::vector<engine::TokenId> prompt = model.tokenize(kPrompt, true, false);
  std::optional<Clock::time_point> first;
  Clock::time_point last;
  const Clock::time_point start = Clock::now();
  CLOISTER_ASSIGN_OR_RETURN(
      engine::Completion completion,
      engine::generate(generator, model, prompt, options, [&](std::string_view) {
        last = Clock::now();
        if (!first) first = last;
      }));
  if (!first) return Error(ErrorCode::kInternal, "the engine produced no text");
  return Run{milliseconds(*first - start), decode_speed(completion.completion_tokens, *first, last),
             completion.completion_tokens};
}

// The same generation through a verified session relayed by the host; the
// client library checks the answer's receipt.
Result<Run> stack_run(client::VerifiedConnection& connection, uint32_t max_tokens) {
  const json params = {{"messages", json::array({{{"role", "user"}, {"content", kPrompt}}})},
                       {"temperature", kTemperature},
                       {"seed", kSeed},
                       {"max_tokens", max_tokens}};
  std::vector<Clock::time_point> arrivals;
  arrivals.reserve(max_tokens + 1);
  const Clock::time_point start = Clock::now();
  CLOISTER_ASSIGN_OR_RETURN(
      client::ChatResult result,
      connection.chat(params, [&](std::string_view) { arrivals.push_back(Clock::now()); }));
  if (arrivals.empty()) return Error(ErrorCode::kInternal, "the enclave streamed no text");
  const uint32_t tokens = result.end["usage"]["completion_tokens"].get<uint32_t>();
  return Run{milliseconds(arrivals.front() - start),
             decode_speed(tokens, arrivals.front(), arrivals.back()), tokens};
}

// Resident memory of process `pid` in KiB, from /proc.
size_t resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

Status run(const Options& options) {
  CLOISTER_ASSIGN_OR_RETURN(auto model, engine::Model::load(options.model));
  engine::Generator generator(*model, {});  // one sequence, one thread, as the enclave runs
  LocalStack stack(options.model, options.enclave_binary, options.host_binary);
  // Room for the idle sessions and for every session the runs open, in case
  // the host has not yet seen the runs' sessions close.
  const int session_room = options.idle_sessions + 2 * options.runs + 16;
  const std::string max_sessions = std::to_string(session_room);
  CLOISTER_ASSIGN_OR_RETURN(
      EnclaveReplica enclave,
      stack.start_enclave("enclave", {"--max-sessions", max_sessions, "--max-tokens",
                                      std::to_string(options.tokens), "--idle-timeout", "600"}));
  const int connections = 2 * options.idle_sessions + 64;
  CLOISTER_TRY(stack.start_host(json::array({enclave.replica_config("bench")}),
                                {{"sessions_per_ip", session_room},
                                 {"sessions_per_account", session_room},
                                 {"session_opens_per_minute", 100000},
                                 {"max_connections", connections},
                                 {"idle_timeout_seconds", 600}}));
  CLOISTER_TRY(stack.wait_for_replica("bench", true));

  // Generation: bare and through the stack, alternating, after one warm-up each.
  CLOISTER_ASSIGN_OR_RETURN(auto relayed, stack.connect_client());
  CLOISTER_TRY(bare_engine_run(*model, generator, options.tokens));
  CLOISTER_TRY(stack_run(*relayed, options.tokens));
  // New sessions on the enclave's kept evidence, whose verdict the client keeps.
  client::VerdictCache verdicts;
  const client::EvidenceOptions kept_evidence{.fresh = false, .verdicts = &verdicts};
  CLOISTER_TRY(stack.connect_client(kept_evidence));
  std::vector<double> bare_ttft, bare_speed, stack_ttft, stack_speed;
  std::vector<double> speed_ratios;  // per pair of neighbouring runs, so slow drift cancels
  std::vector<double> open_fresh, open_kept, open_cached, new_session_ttft, session_added;
  uint32_t tokens = 0;
  for (int i = 0; i < options.runs; ++i) {
    CLOISTER_ASSIGN_OR_RETURN(Run bare, bare_engine_run(*model, generator, options.tokens));
    CLOISTER_ASSIGN_OR_RETURN(Run stacked, stack_run(*relayed, options.tokens));
    if (bare.tokens != stacked.tokens) {
      return Error(ErrorCode::kInternal, "the stack generated " + std::to_string(stacked.tokens) +
                                             " tokens, the bare engine " +
                                             std::to_string(bare.tokens));
    }
    tokens = bare.tokens;
    bare_ttft.push_back(bare.first_token_ms);
    bare_speed.push_back(bare.decode_tokens_per_second);
    stack_ttft.push_back(stacked.first_token_ms);
    stack_speed.push_back(stacked.decode_tokens_per_second);
    speed_ratios.push_back(stacked.decode_tokens_per_second / bare.decode_tokens_per_second);
    Clock::time_point start = Clock::now();
    CLOISTER_ASSIGN_OR_RETURN(auto fresh, stack.connect_client());
    open_fresh.push_back(milliseconds(Clock::now() - start));
    fresh->close();
    start = Clock::now();
    CLOISTER_ASSIGN_OR_RETURN(auto unkept, stack.connect_client({.fresh = false}));
    open_kept.push_back(milliseconds(Clock::now() - start));
    unkept->close();
    // A new session on the enclave's kept evidence and the kept verdict, then
    // its first token.
    start = Clock::now();
    CLOISTER_ASSIGN_OR_RETURN(auto cached, stack.connect_client(kept_evidence));
    open_cached.push_back(milliseconds(Clock::now() - start));
    CLOISTER_ASSIGN_OR_RETURN(Run first, stack_run(*cached, kFirstTokenRunTokens));
    new_session_ttft.push_back(open_cached.back() + first.first_token_ms);
    // The same request again on that session, now open: what the new
    // session added to its first token is the difference.
    CLOISTER_ASSIGN_OR_RETURN(Run again, stack_run(*cached, kFirstTokenRunTokens));
    session_added.push_back(new_session_ttft.back() - again.first_token_ms);
    cached->close();
  }
  relayed->close();
  if (verdicts.hits() != static_cast<size_t>(options.runs)) {
    return Error(ErrorCode::kInternal, "the client re-verified kept evidence");
  }

  std::printf("model %s, %u tokens per generation, medians of %d runs\n",
              options.model.filename().c_str(), tokens, options.runs);
  std::printf("| measure | bare engine | through host + enclave | ratio |\n|---|---|---|---|\n");
  std::printf("| decode tokens/s | %.1f | %.1f | %.3f (pairs: %.3f to %.3f) |\n",
              median(bare_speed), median(stack_speed), median(speed_ratios),
              *std::min_element(speed_ratios.begin(), speed_ratios.end()),
              *std::max_element(speed_ratios.begin(), speed_ratios.end()));
  std::printf("| time to first token (session open) | %.2f ms | %.2f ms | +%.2f ms |\n",
              median(bare_ttft), median(stack_ttft), median(stack_ttft) - median(bare_ttft));
  std::printf(
      "| time to first token, new session (evidence and verdict cached) | %.2f ms | %.2f ms | "
      "+%.2f ms |\n",
      median(bare_ttft), median(new_session_ttft), median(new_session_ttft) - median(bare_ttft));
  std::printf(
      "| added to a first token by opening its session (evidence and verdict cached): new "
      "session's first token minus the same request's on that session, open | | +%.2f ms | |\n",
      median(session_added));
  std::printf(
      "| open a verified session through the host, evidence and verdict cached | | %.2f ms | |\n",
      median(open_cached));
  std::printf("| open a verified session through the host, evidence cached | | %.2f ms | |\n",
              median(open_kept));
  std::printf("| open a verified session through the host, fresh evidence | | %.2f ms | |\n",
              median(open_fresh));

  if (options.idle_sessions > 0) {
    const size_t host_before = resident_kib(stack.host().pid());
    const size_t enclave_before = resident_kib(enclave.pid());
    std::vector<std::unique_ptr<client::VerifiedConnection>> idle;
    idle.reserve(options.idle_sessions);
    for (int i = 0; i < options.idle_sessions; ++i) {
      CLOISTER_ASSIGN_OR_RETURN(auto session, stack.connect_client());
      idle.push_back(std::move(session));
      if ((i + 1) % 100 == 0) std::fprintf(stderr, "stack_bench: %d sessions open\n", i + 1);
    }
    const double host_per =
        (static_cast<double>(resident_kib(stack.host().pid())) - static_cast<double>(host_before)) /
        options.idle_sessions;
    const double enclave_per =
        (static_cast<double>(resident_kib(enclave.pid())) - static_cast<double>(enclave_before)) /
        options.idle_sessions;
    std::printf("| memory per idle session, %d open: host | | %.1f KiB | |\n",
                options.idle_sessions, host_per);
    std::printf("| memory per idle session, %d open: enclave | | %.1f KiB | |\n",
                options.idle_sessions, enclave_per);
    for (auto& session : idle) session->close();
  }
  return ok_status();
}

}  // namespace
}  // namespace cloister::system_testing

int main(int argc, char** argv) {
  using cloister::system_testing::Options;
  Options options;
  const std::string usage =
      "usage: stack_bench --enclave BIN --host BIN [--model FILE] [--tokens N] [--runs N]\n"
      "                   [--idle-sessions N]\n";
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << usage;
      return 0;
    }
    if (i + 1 >= argc) {
      std::cerr << "stack_bench: " << flag << " needs a value\n" << usage;
      return 2;
    }
    const std::string value = argv[++i];
    if (flag == "--enclave") {
      options.enclave_binary = std::filesystem::absolute(value).string();
    } else if (flag == "--host") {
      options.host_binary = std::filesystem::absolute(value).string();
    } else if (flag == "--model") {
      options.model = std::filesystem::absolute(value);  // the enclave runs elsewhere
    } else if (flag == "--tokens") {
      options.tokens = static_cast<uint32_t>(std::stoul(value));
    } else if (flag == "--runs") {
      options.runs = std::stoi(value);
    } else if (flag == "--idle-sessions") {
      options.idle_sessions = std::stoi(value);
    } else {
      std::cerr << "stack_bench: unknown flag " << flag << "\n" << usage;
      return 2;
    }
  }
  if (options.enclave_binary.empty() || options.host_binary.empty() || options.model.empty()) {
    std::cerr << "stack_bench: --enclave, --host and --model are required\n" << usage;
    return 2;
  }
  // Each idle session holds a socket in this process and two in the host.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  const cloister::Status status = cloister::system_testing::run(options);
  if (!status.ok()) {
    std::cerr << "stack_bench: " << status.error().message() << "\n";
    return 1;
  }
  return 0;
}
