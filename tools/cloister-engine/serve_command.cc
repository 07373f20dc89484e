// serve: the OpenAI-compatible HTTP server, until SIGINT or SIGTERM.
#include <pthread.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "net/http_server.h"
#include "tools/cloister-engine/commands.h"
#include "tools/cloister-engine/openai_server.h"

namespace cloister::tools::engine_cli {
namespace {

struct ServeArgs {
  std::string model;
  std::string listen = "127.0.0.1:8080";
  std::string model_name;
  std::string chat_template;
  uint32_t context = 0;
  unsigned threads = 0;
  uint32_t max_tokens = 512;
};

Result<std::pair<std::string, uint16_t>> parse_listen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Error(ErrorCode::kInvalidArgument, "--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
  }
  const std::string port_text = listen.substr(colon + 1);
  char* end = nullptr;
  const unsigned long port = std::strtoul(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port > 65535) {
    return Error(ErrorCode::kInvalidArgument, "--listen has a bad port '" + port_text + "'");
  }
  return std::pair<std::string, uint16_t>{listen.substr(0, colon), static_cast<uint16_t>(port)};
}

int run_serve(Program& program, const ServeArgs& args) {
  Result<std::pair<std::string, uint16_t>> address = parse_listen(args.listen);
  if (!address.ok()) return program.fail(address.error());
  engine::LoadOptions load;
  load.context_length = args.context;
  Result<std::shared_ptr<const engine::Model>> model = engine::Model::load(args.model, load);
  if (!model.ok()) return program.fail(model.error());

  ServeOptions options;
  options.model_name = args.model_name;
  options.chat_template = args.chat_template;
  options.defaults.max_tokens = args.max_tokens;
  options.threads = args.threads;
  Result<net::Router> router = make_openai_router(*model, options);
  if (!router.ok()) return program.fail(router.error());

  // Block the stop signals in every thread (the server's threads inherit the
  // mask), then wait for one here. A shell starts background jobs with SIGINT
  // ignored, and an ignored signal is discarded rather than left pending, so
  // restore the default disposition first.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  net::ServerOptions server_options;
  server_options.address = address->first;
  server_options.port = address->second;
  server_options.handler_threads = 4;
  // Generation is slow: allow a whole answer to stream without tripping the
  // write timeout of a client that reads as tokens arrive.
  server_options.write_timeout = std::chrono::minutes(10);
  Result<std::unique_ptr<net::HttpServer>> server =
      net::HttpServer::start(std::move(router).value(), server_options);
  if (!server.ok()) return program.fail(server.error());
  std::cerr << "cloister-engine: serving " << args.model << " on http://" << address->first << ":"
            << (*server)->port() << "/v1 (Ctrl-C stops)" << std::endl;
  int signal = 0;
  sigwait(&stop_signals, &signal);
  (*server)->stop();
  return kExitOk;
}

}  // namespace

void add_serve_command(Program& program) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* command = program.app().add_subcommand("serve", "Serve an OpenAI-compatible HTTP API");
  command->add_option("-m,--model", args->model, "GGUF file")->required();
  command->add_option("--listen", args->listen, "Address and port to listen on")
      ->capture_default_str();
  command->add_option("--model-name", args->model_name,
                      "Model id in responses (default: general.name)");
  command->add_option("--chat-template", args->chat_template,
                      "Chat format instead of the model's: chatml, llama3, llama2, mistral, phi3");
  command
      ->add_option("-c,--ctx-size", args->context, "Context length (0: the model's, at most 4096)")
      ->capture_default_str();
  command->add_option("-t,--threads", args->threads, "Threads (0: one per core)")
      ->capture_default_str();
  command
      ->add_option("-n,--max-tokens", args->max_tokens,
                   "Default max_tokens for requests that do not set it")
      ->capture_default_str();
  program.on(command, [&program, args] { return run_serve(program, *args); });
}

}  // namespace cloister::tools::engine_cli
