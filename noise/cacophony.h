// A runner for Noise test vectors in the cacophony JSON format
// ({"vectors": [{"protocol_name", "init_*", "resp_*", "messages": [...]}]}),
// as published by the cacophony and snow projects. Each supported vector is
// replayed through two HandshakeStates with the vector's fixed keys, and
// every ciphertext, payload and the handshake hash must match byte for byte.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace cloister::noise {

struct VectorSummary {
  size_t passed = 0;
  size_t failed = 0;
  size_t skipped = 0;                 // protocols this implementation does not support
  std::vector<std::string> failures;  // "<protocol name> #<index>: <what differed>"
};

// Runs every vector in `json_text`. Fails only if the document itself is not
// a cacophony vector file; individual vectors that fail are counted.
Result<VectorSummary> run_cacophony_vectors(std::string_view json_text);

// Returns the summary line "N passed, M failed, K skipped".
std::string format_summary(const VectorSummary& summary);

}  // namespace cloister::noise
