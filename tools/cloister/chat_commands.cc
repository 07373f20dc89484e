#include "tools/cloister/chat_commands.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <iostream>
#include <iterator>
#include <sstream>

#include "base/encoding.h"
#include "tools/cloister/client_context.h"

namespace cloister::tools {
namespace {

using nlohmann::json;

// Ctrl-C cancels the generation in progress (the handler only flips an atomic).
std::atomic<client::CancelToken*> g_generation{nullptr};
std::atomic<bool> g_at_prompt{false};

void on_interrupt(int) {
  if (client::CancelToken* token = g_generation.load()) {
    token->cancel();
    return;
  }
  if (g_at_prompt.load()) {
    static constexpr char kHint[] = "\n(type /quit to leave)\n> ";
    (void)!::write(STDOUT_FILENO, kHint, sizeof(kHint) - 1);
    return;
  }
  std::signal(SIGINT, SIG_DFL);
  std::raise(SIGINT);
}

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
}

struct GenerationScope {
  explicit GenerationScope(client::CancelToken& token) { g_generation.store(&token); }
  ~GenerationScope() { g_generation.store(nullptr); }
  GenerationScope(const GenerationScope&) = delete;
  GenerationScope& operator=(const GenerationScope&) = delete;
};

struct AskFlags {
  CommonOptions common;
  std::string prompt;
  std::optional<int64_t> max_tokens;
  std::string model;
  std::optional<double> temperature;
  std::optional<int64_t> seed;
  std::string system;
  std::string url;
  bool no_save = false;
  bool show_receipt = false;
};

struct ChatFlags {
  CommonOptions common;
  std::optional<int64_t> max_tokens;
  std::string model;
  std::string url;
  std::string open;
};

struct VerifyFlags {
  CommonOptions common;
  bool json = false;
  std::string url;
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             system_clock().now().time_since_epoch())
      .count();
}

json request_params(const client::Conversation& conversation, const std::string& model,
                    const std::optional<int64_t>& max_tokens,
                    const std::optional<double>& temperature, const std::optional<int64_t>& seed) {
  json params{{"messages", client::chat_messages(conversation)}};
  if (!model.empty()) params["model"] = model;
  if (max_tokens) params["max_tokens"] = *max_tokens;
  if (temperature) params["temperature"] = *temperature;
  if (seed) params["seed"] = *seed;
  return params;
}

// Streams one answer to `out`; returns the result (cancelled on Ctrl-C).
Result<client::ChatResult> stream_answer(client::VerifiedConnection& connection, const json& params,
                                         std::ostream& out) {
  if (connection.verification().simulated) std::cerr << kSimulatedBanner << "\n";
  client::CancelToken cancel;
  GenerationScope scope(cancel);
  return connection.chat(
      params, [&out](std::string_view delta) { out << delta << std::flush; }, &cancel);
}

void append_answer(client::Conversation& conversation, const client::ChatResult& answer) {
  conversation.messages.push_back({"assistant", answer.content, now_ms(),
                                   answer.receipt.empty() ? "" : base64_encode(answer.receipt)});
}

void print_notes(const client::SaveOutcome& outcome) {
  for (const std::string& note : outcome.notes) std::cerr << "note: " << note << "\n";
}

int run_ask(AskFlags flags) {
  if (flags.prompt == "-") {
    flags.prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  if (flags.prompt.empty())
    return report_failure(Error(ErrorCode::kInvalidArgument, "an empty prompt"));
  const std::filesystem::path home = client::resolve_home(flags.common.home);
  auto session = open_session(home);
  if (!session.ok()) return report_failure(session.error());
  net::IoPool pool(1);
  auto connection =
      connect_enclave(pool, home, &session->account, session->host->token(), flags.url);
  if (!connection.ok()) return report_failure(connection.error());

  client::Conversation conversation;
  conversation.title = client::title_from(flags.prompt);
  conversation.system = flags.system;
  conversation.messages.push_back({"user", flags.prompt, now_ms(), ""});
  install_interrupt_handler();
  auto answer = stream_answer(
      **connection,
      request_params(conversation, flags.model, flags.max_tokens, flags.temperature, flags.seed),
      std::cout);
  std::cout << "\n" << std::flush;
  if (!answer.ok()) return report_failure(answer.error());
  if (answer->cancelled) std::cerr << "[cancelled]\n";
  if (flags.show_receipt && !answer->receipt.empty()) {
    std::cerr << "receipt: " << base64_encode(answer->receipt) << "\n";
  }
  if (!flags.no_save) {
    append_answer(conversation, *answer);
    auto history = session->history();
    auto saved = history.save(conversation);
    if (!saved.ok()) return report_failure(saved.error().with_context("saving the conversation"));
    print_notes(*saved);
  }
  return answer->cancelled ? 130 : kExitOk;
}

int run_verify(const VerifyFlags& flags) {
  const std::filesystem::path home = client::resolve_home(flags.common.home);
  std::optional<Session> session;
  if (flags.url.empty()) {
    auto opened = open_session(home);
    if (!opened.ok()) return report_failure(opened.error());
    session = std::move(*opened);
  }
  net::IoPool pool(1);
  auto connection = connect_enclave(pool, home, session ? &session->account : nullptr,
                                    session ? session->host->token() : std::string(), flags.url);
  if (!connection.ok()) {
    if (flags.json) {
      std::cout << json{{"verified", false}, {"reason", connection.error().message()}}.dump(2)
                << "\n";
    }
    return report_failure(connection.error());
  }
  const client::Verification& verified = (*connection)->verification();
  if (flags.json) {
    std::cout << verified.to_json().dump(2) << "\n";
  } else {
    std::cout << verified.to_text();
  }
  (*connection)->close();
  return kExitOk;
}

// The REPL's state.
class ChatRepl {
 public:
  ChatRepl(Session& session, const ChatFlags& flags)
      : session_(session), flags_(flags), history_(session.history()) {}

  int run() {
    install_interrupt_handler();
    std::cout << "cloister chat: /new /list /open ID /rename TITLE /folder NAME /delete /system "
                 "TEXT /verify /quit. Ctrl-C cancels an answer.\n";
    if (!flags_.open.empty()) open(flags_.open);
    if (auto connected = ensure_connected(); !connected.ok())
      return report_failure(connected.error());
    std::string line;
    while (true) {
      std::cout << "> " << std::flush;
      g_at_prompt.store(true);
      const bool got = static_cast<bool>(std::getline(std::cin, line));
      g_at_prompt.store(false);
      if (!got) break;
      if (line.empty()) continue;
      if (line[0] == '/') {
        if (!command(line)) break;
        continue;
      }
      send(line);
    }
    std::cout << "\n";
    return kExitOk;
  }

 private:
  Status ensure_connected() {
    if (connection_ && !connection_->closed()) return ok_status();
    CLOISTER_ASSIGN_OR_RETURN(connection_, connect_enclave(pool_, session_.home, &session_.account,
                                                           session_.host->token(), flags_.url));
    const client::Verification& verified = connection_->verification();
    std::cout << "Verified " << (verified.simulated ? "SIMULATED " : "") << verified.platform
              << " enclave, release " << verified.manifest.version << " (log entry "
              << verified.log_index << ", " << verified.witnesses.size() << " witness(es))\n";
    if (verified.simulated) std::cout << kSimulatedBanner << "\n";
    return ok_status();
  }

  void send(const std::string& text) {
    if (auto connected = ensure_connected(); !connected.ok()) {
      report_failure(connected.error());
      return;
    }
    if (current_.messages.empty() && current_.title.empty())
      current_.title = client::title_from(text);
    current_.messages.push_back({"user", text, now_ms(), ""});
    if (connection_->verification().simulated) std::cout << "[SIMULATED] ";
    auto answer = stream_answer(
        *connection_, request_params(current_, flags_.model, flags_.max_tokens, {}, {}), std::cout);
    std::cout << "\n";
    if (!answer.ok()) {
      current_.messages.pop_back();
      report_failure(answer.error());
      return;
    }
    if (answer->cancelled) std::cout << "[cancelled]\n";
    append_answer(current_, *answer);
    save();
  }

  void save() {
    auto saved = history_.save(current_);
    if (!saved.ok()) {
      report_failure(saved.error().with_context("saving"));
      return;
    }
    print_notes(*saved);
  }

  void open(const std::string& which) {
    (void)history_.sync();
    // A number refers to the last /list.
    if (!which.empty() && std::all_of(which.begin(), which.end(), ::isdigit)) {
      const size_t index = std::stoul(which);
      if (index >= 1 && index <= listed_.size()) {
        auto loaded = history_.load(listed_[index - 1]);
        if (loaded.ok())
          current_ = *loaded;
        else
          report_failure(loaded.error());
        show_current();
        return;
      }
    }
    auto loaded = history_.load(which);
    if (!loaded.ok()) {
      report_failure(loaded.error());
      return;
    }
    current_ = *loaded;
    show_current();
  }

  void show_current() {
    std::cout << "# " << current_.title
              << (current_.folder.empty() ? "" : "  [" + current_.folder + "]") << "\n";
    if (!current_.system.empty()) std::cout << "(system) " << current_.system << "\n";
    for (const client::HistoryMessage& message : current_.messages) {
      std::cout << (message.role == "user" ? "> " : "") << message.content << "\n";
    }
  }

  // Returns false to quit.
  bool command(const std::string& line) {
    const size_t space = line.find(' ');
    const std::string name = line.substr(0, space);
    const std::string arg = space == std::string::npos ? "" : line.substr(space + 1);
    if (name == "/quit" || name == "/exit") return false;
    if (name == "/new") {
      current_ = client::Conversation{};
      std::cout << "(new conversation)\n";
    } else if (name == "/list") {
      if (auto synced = history_.sync(); !synced.ok()) report_failure(synced.error());
      auto all = history_.list();
      if (!all.ok()) {
        report_failure(all.error());
        return true;
      }
      listed_.clear();
      for (const client::Conversation& conversation : *all) {
        listed_.push_back(conversation.id);
        std::cout << listed_.size() << ". " << conversation.id.substr(5, 8) << "  "
                  << conversation.title
                  << (conversation.folder.empty() ? "" : "  [" + conversation.folder + "]") << "  ("
                  << conversation.messages.size() << " messages)\n";
      }
      if (listed_.empty()) std::cout << "(no conversations)\n";
    } else if (name == "/open") {
      open(arg);
    } else if (name == "/rename") {
      current_.title = arg.empty() ? "(untitled)" : arg;
      if (current_.version != 0) save();
    } else if (name == "/folder") {
      current_.folder = arg;
      if (current_.version != 0) save();
    } else if (name == "/system") {
      current_.system = arg;
      std::cout << (arg.empty() ? "(system prompt cleared)\n" : "(system prompt set)\n");
      if (current_.version != 0) save();
    } else if (name == "/delete") {
      if (current_.version == 0) {
        std::cout << "(nothing stored to delete)\n";
      } else if (auto removed = history_.remove(current_); !removed.ok()) {
        report_failure(removed.error());
      } else {
        std::cout << "(deleted \"" << current_.title << "\")\n";
        current_ = client::Conversation{};
      }
    } else if (name == "/verify") {
      if (auto connected = ensure_connected(); !connected.ok()) {
        report_failure(connected.error());
      } else {
        std::cout << connection_->verification().to_text();
      }
    } else {
      std::cout << "commands: /new /list /open ID|N /rename TITLE /folder NAME /delete /system "
                   "TEXT /verify /quit\n";
    }
    return true;
  }

  Session& session_;
  const ChatFlags& flags_;
  client::HistoryStore history_;
  net::IoPool pool_{1};
  std::unique_ptr<client::VerifiedConnection> connection_;
  client::Conversation current_;
  std::vector<std::string> listed_;
};

int run_chat(const ChatFlags& flags) {
  auto session = open_session(client::resolve_home(flags.common.home));
  if (!session.ok()) return report_failure(session.error());
  ChatRepl repl(*session, flags);
  return repl.run();
}

}  // namespace

void register_chat_commands(Program& program) {
  CLI::App& app = program.app();

  auto ask = std::make_shared<AskFlags>();
  CLI::App* ask_cmd = app.add_subcommand(
      "ask", "Ask one question; the verified answer streams to stdout (saved to the history)");
  add_common_options(ask_cmd, ask->common);
  ask_cmd->add_option("PROMPT", ask->prompt, "The question, or - to read it from stdin")
      ->required();
  ask_cmd->add_option("--max-tokens", ask->max_tokens, "Longest answer, in tokens");
  ask_cmd->add_option("--model", ask->model, "Model name (default: the enclave's)");
  ask_cmd->add_option("--temperature", ask->temperature, "Sampling temperature (0 is greedy)");
  ask_cmd->add_option("--seed", ask->seed, "Sampling seed");
  ask_cmd->add_option("--system", ask->system, "A system prompt");
  ask_cmd->add_option("--url", ask->url,
                      "Session URL override (e.g. an enclave's, for development)");
  ask_cmd->add_flag("--no-save", ask->no_save, "Do not save the conversation to the history");
  ask_cmd->add_flag("--receipt", ask->show_receipt, "Print the verified receipt on stderr");
  program.on(ask_cmd, [ask] { return run_ask(*ask); });

  auto chat = std::make_shared<ChatFlags>();
  CLI::App* chat_cmd = app.add_subcommand("chat", "Interactive verified chat with history");
  add_common_options(chat_cmd, chat->common);
  chat_cmd->add_option("--max-tokens", chat->max_tokens, "Longest answer, in tokens");
  chat_cmd->add_option("--model", chat->model, "Model name (default: the enclave's)");
  chat_cmd->add_option("--url", chat->url, "Session URL override");
  chat_cmd->add_option("--open", chat->open, "Open this conversation first");
  program.on(chat_cmd, [chat] { return run_chat(*chat); });

  auto verify = std::make_shared<VerifyFlags>();
  CLI::App* verify_cmd = app.add_subcommand(
      "verify",
      "Attest the enclave and print what was verified (platform, measurement, TCB, "
      "release, checkpoint and witnesses, model, GPU, SIMULATED)");
  add_common_options(verify_cmd, verify->common);
  verify_cmd->add_flag("--json", verify->json, "Print JSON");
  verify_cmd->add_option("--url", verify->url,
                         "Verify this session URL directly (no account needed)");
  program.on(verify_cmd, [verify] { return run_verify(*verify); });
}

}  // namespace cloister::tools
