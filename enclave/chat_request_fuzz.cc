// Fuzzes the chat API's request parser: every input must parse or be refused
// with a message that quotes nothing from the input, and a parsed request
// must respect every bound.
#include <cstddef>
#include <cstdint>
#include <string>

#include "enclave/chat_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cloister;
  using namespace cloister::enclave;
  auto request = parse_api_request(ByteSpan(data, size), size_t{1} << 20);
  if (!request.ok()) {
    // Refusals are written by the parser; they never carry more than a field path.
    if (request.error().message().size() > 200) __builtin_trap();
    (void)failure_from_parse_error(request.error());
    return 0;
  }
  if (request->method != ApiMethod::kChatCompletions) return 0;
  const ChatRequest& chat = request->chat;
  if (chat.messages.empty() || chat.messages.size() > kMaxMessages) __builtin_trap();
  if (chat.sampling.stop.size() > kMaxStopStrings) __builtin_trap();
  for (const std::string& stop : chat.sampling.stop) {
    if (stop.empty() || stop.size() > kMaxStopBytes) __builtin_trap();
  }
  if (chat.sampling.max_tokens &&
      (*chat.sampling.max_tokens == 0 || *chat.sampling.max_tokens > kMaxRequestedTokens)) {
    __builtin_trap();
  }
  if (!(chat.sampling.temperature >= 0 && chat.sampling.temperature <= 2)) __builtin_trap();
  if (!(chat.sampling.top_p >= 0 && chat.sampling.top_p <= 1)) __builtin_trap();
  for (const engine::ChatMessage& message : chat.messages) {
    if (message.role != "system" && message.role != "user" && message.role != "assistant") {
      __builtin_trap();
    }
    // Whatever came in, what goes out as JSON must be valid UTF-8.
    if (to_valid_utf8(message.content) != message.content) __builtin_trap();
  }
  return 0;
}
