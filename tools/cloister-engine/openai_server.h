// `serve`: an OpenAI-compatible HTTP API over one loaded model.
//
//   GET  /v1/models             the served model
//   POST /v1/chat/completions   messages -> chat template -> generation
//   POST /v1/completions        a prompt string -> generation
//
// Both POST routes stream Server-Sent Events when the request says
// "stream": true, and answer errors with OpenAI's {"error": {...}} shape.
// Requests are served one at a time (each with its own KV cache); a client
// that disconnects mid-stream cancels its generation.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "engine/engine.h"
#include "net/router.h"

namespace cloister::tools::engine_cli {

struct ServeOptions {
  std::string model_name;              // reported in responses and /v1/models
  std::string chat_template;           // empty: the model's own format
  engine::GenerationOptions defaults;  // what requests leave out
  unsigned threads = 1;
};

// Returns a router serving `model` with the routes above.
Result<net::Router> make_openai_router(std::shared_ptr<const engine::Model> model,
                                       ServeOptions options);

}  // namespace cloister::tools::engine_cli
