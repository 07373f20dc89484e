// One Server-Sent Event from an OpenAI-compatible upstream: a
// chat.completion.chunk (content delta, finish reason, usage) or an error
// object. The upstream runs inside the VM, but its output is parsed as
// untrusted bytes all the same (fuzz_upstream_chunk).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "enclave/chat_api.h"

namespace cloister::enclave {

struct UpstreamChunk {
  std::string content;                       // the delta's text (valid UTF-8), maybe empty
  std::optional<std::string> finish_reason;  // set on the chunk that ends the answer
  std::optional<Usage> usage;                // set on the chunk that carries usage
  bool error = false;                        // the event was an error object
};

// Parses the data of one event. Fails with kMalformed when it is not a JSON
// object of that shape (a missing choices list is allowed: usage-only chunks
// have none).
Result<UpstreamChunk> parse_upstream_chunk(std::string_view data);

}  // namespace cloister::enclave
