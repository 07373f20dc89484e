// The token id type shared by the tokenizer, the model and the public API.
#pragma once

#include <cstdint>

namespace cloister::engine {

using TokenId = int32_t;

}  // namespace cloister::engine
