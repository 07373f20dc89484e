// Fuzzes the client's parsers of bytes it does not fully control: a
// conversation (decrypted from a blob, or from a plaintext export being
// imported) and the trust policy file. The first byte picks the parser.
// Anything that parses must re-serialize to something that parses the same.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "client/history/conversation.h"
#include "client/policy/trust_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cloister::client;
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    auto policy = parse_policy_json(text);
    if (policy.ok()) {
      auto again = parse_policy_json(policy_to_json(*policy));
      if (!again.ok() || policy_to_json(*again) != policy_to_json(*policy)) __builtin_trap();
    }
    return 0;
  }
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) return 0;
  auto conversation = conversation_from_json(value);
  if (conversation.ok()) {
    auto again = conversation_from_json(conversation_to_json(*conversation));
    if (!again.ok() || again->messages != conversation->messages) __builtin_trap();
  }
  (void)title_from(text);
  return 0;
}
