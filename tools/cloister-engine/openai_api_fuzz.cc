// libFuzzer target: OpenAI request bodies are untrusted; parsing must accept
// or reject any bytes without crashing, and accepted values must be in range.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tools/cloister-engine/openai_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cloister::tools::engine_cli;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const cloister::engine::GenerationOptions defaults;
  cloister::Result<ChatRequest> chat = parse_chat_request(body, defaults);
  if (chat.ok()) {
    if (chat->messages.empty() || chat->options.max_tokens == 0) std::abort();
    if (!(chat->options.sampling.temperature >= 0 && chat->options.sampling.temperature <= 2)) {
      std::abort();
    }
    if (chat->options.stop.size() > 4) std::abort();
  }
  (void)parse_completion_request(body, defaults);
  return 0;
}
