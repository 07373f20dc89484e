// run: generates text from a prompt, or chats, streaming tokens to stdout as
// they are produced. Only generated text goes to stdout; notes go to stderr.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>

#include "engine/engine.h"
#include "tools/cloister-engine/commands.h"
#include "tools/cloister-engine/progress_bar.h"

namespace cloister::tools::engine_cli {
namespace {

// Models larger than this get a progress bar while their pages are read in.
constexpr uint64_t kProgressBarBytes = uint64_t{32} << 20;

std::atomic<bool> g_interrupted{false};

void on_interrupt(int) { g_interrupted = true; }

struct RunArgs {
  std::string model;
  std::string prompt;
  bool chat = false;
  std::string system;
  std::string chat_template;
  uint32_t max_tokens = 256;
  uint32_t context = 0;
  unsigned threads = 0;
  std::optional<uint64_t> seed;
  float temperature = 0.8f;
  int32_t top_k = 40;
  float top_p = 0.95f;
  float min_p = 0.05f;
  float repeat_penalty = 1.0f;
  int32_t repeat_last_n = 64;
  float frequency_penalty = 0.0f;
  float presence_penalty = 0.0f;
  std::vector<std::string> stop;
  bool ignore_eos = false;
  bool verbose = false;
};

engine::GenerationOptions generation_options(const RunArgs& args) {
  engine::GenerationOptions options;
  options.max_tokens = args.max_tokens;
  options.stop = args.stop;
  options.ignore_end_of_generation = args.ignore_eos;
  engine::SamplingParams& s = options.sampling;
  s.temperature = args.temperature;
  s.top_k = args.top_k;
  s.top_p = args.top_p;
  s.min_p = args.min_p;
  s.repeat_penalty = args.repeat_penalty;
  s.repeat_last_n = args.repeat_last_n;
  s.frequency_penalty = args.frequency_penalty;
  s.presence_penalty = args.presence_penalty;
  s.seed = args.seed;
  return options;
}

Result<std::shared_ptr<const engine::Model>> load(const RunArgs& args) {
  engine::LoadOptions options;
  options.context_length = args.context;
  std::error_code ignored;
  const uint64_t size = std::filesystem::file_size(args.model, ignored);
  std::unique_ptr<ProgressBar> bar;
  if (ProgressBar::available() && size >= kProgressBarBytes) {
    bar = std::make_unique<ProgressBar>("loading " +
                                        std::filesystem::path(args.model).filename().string());
    options.prefault = true;
    options.on_progress = [&bar](uint64_t done, uint64_t total) { bar->update(done, total); };
  }
  return engine::Model::load(args.model, options);
}

// Generates one answer for `prompt_text`, streaming it to stdout.
Result<engine::Completion> answer(const engine::Model& model, const RunArgs& args,
                                  const std::string& prompt_text) {
  const std::vector<engine::TokenId> prompt = model.tokenize(prompt_text, true, true);
  g_interrupted = false;
  Result<engine::Completion> completion = engine::generate(
      model, prompt, generation_options(args),
      [](std::string_view piece) {
        std::cout << piece;
        std::cout.flush();
      },
      &g_interrupted, args.threads);
  if (completion.ok() && args.verbose) {
    std::cerr << "\n[" << completion->prompt_tokens << " prompt tokens, "
              << completion->completion_tokens
              << " generated, finish: " << engine::finish_reason_name(completion->finish_reason)
              << "]\n";
  }
  return completion;
}

int run_chat_loop(Program& program, const engine::Model& model, const RunArgs& args) {
  std::vector<engine::ChatMessage> messages;
  if (!args.system.empty()) messages.push_back({"system", args.system});
  const bool interactive = ::isatty(STDIN_FILENO) == 1;
  std::string line;
  while (true) {
    if (interactive) std::cerr << "> " << std::flush;
    if (!std::getline(std::cin, line)) break;
    if (line.empty()) continue;
    messages.push_back({"user", line});
    Result<std::string> prompt = model.apply_chat_template(messages, true, args.chat_template);
    if (!prompt.ok()) return program.fail(prompt.error());
    Result<engine::Completion> completion = answer(model, args, *prompt);
    if (!completion.ok()) return program.fail(completion.error());
    std::cout << "\n";
    messages.push_back({"assistant", completion->text});
  }
  return kExitOk;
}

int run_generate(Program& program, const RunArgs& args) {
  Result<std::shared_ptr<const engine::Model>> model = load(args);
  if (!model.ok()) return program.fail(model.error());
  std::signal(SIGINT, on_interrupt);
  if (args.chat && args.prompt.empty()) return run_chat_loop(program, **model, args);

  std::string prompt_text = args.prompt;
  if (args.chat) {
    std::vector<engine::ChatMessage> messages;
    if (!args.system.empty()) messages.push_back({"system", args.system});
    messages.push_back({"user", args.prompt});
    Result<std::string> rendered =
        (*model)->apply_chat_template(messages, true, args.chat_template);
    if (!rendered.ok()) return program.fail(rendered.error());
    prompt_text = *rendered;
  }
  Result<engine::Completion> completion = answer(**model, args, prompt_text);
  if (!completion.ok()) return program.fail(completion.error());
  if (::isatty(STDOUT_FILENO) == 1) std::cout << "\n";
  return kExitOk;
}

}  // namespace

void add_run_command(Program& program) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* command = program.app().add_subcommand("run", "Generate text from a prompt or chat");
  command->add_option("-m,--model", args->model, "GGUF file")->required();
  command->add_option("-p,--prompt", args->prompt,
                      "Prompt (plain completion; with --chat, the user's message)");
  command->add_flag("--chat", args->chat,
                    "Use the model's chat template; without -p, chat line by line on stdin");
  command->add_option("--system", args->system, "System message for --chat");
  command->add_option("--chat-template", args->chat_template,
                      "Chat format to use instead of the model's: chatml, llama3, llama2, "
                      "mistral, phi3");
  command
      ->add_option("-n,--max-tokens", args->max_tokens,
                   "Tokens to generate at most (0: until the context is full)")
      ->capture_default_str();
  command
      ->add_option("-c,--ctx-size", args->context, "Context length (0: the model's, at most 4096)")
      ->capture_default_str();
  command->add_option("-t,--threads", args->threads, "Threads (0: one per core)")
      ->capture_default_str();
  command->add_option("--seed", args->seed, "Random seed (default: random)");
  command->add_option("--temp", args->temperature, "Temperature; 0 is greedy")
      ->capture_default_str();
  command->add_option("--top-k", args->top_k, "Top-k (0: off)")->capture_default_str();
  command->add_option("--top-p", args->top_p, "Top-p (1: off)")->capture_default_str();
  command->add_option("--min-p", args->min_p, "Min-p (0: off)")->capture_default_str();
  command->add_option("--repeat-penalty", args->repeat_penalty, "Repetition penalty (1: off)")
      ->capture_default_str();
  command
      ->add_option("--repeat-last-n", args->repeat_last_n, "Recent tokens the penalties consider")
      ->capture_default_str();
  command->add_option("--frequency-penalty", args->frequency_penalty, "Frequency penalty")
      ->capture_default_str();
  command->add_option("--presence-penalty", args->presence_penalty, "Presence penalty")
      ->capture_default_str();
  command->add_option("--stop", args->stop, "Stop before this text (repeatable)");
  command->add_flag("--ignore-eos", args->ignore_eos, "Keep going past end-of-turn tokens");
  command->add_flag("-v,--verbose", args->verbose, "Print token counts to stderr at the end");
  program.on(command, [&program, args] { return run_generate(program, *args); });
}

}  // namespace cloister::tools::engine_cli
