// The 6-bit scale/min packing that Q4_K and Q5_K share: eight scales and eight
// mins, 6 bits each, in 12 bytes (ggml's get_scale_min_k4 layout).
#pragma once

#include <cstdint>

namespace cloister::engine::kernels {

inline constexpr size_t kKScaleBytes = 12;

// Returns sub-block j's (0..7) 6-bit scale and min.
inline void unpack_scale_min_k4(int j, const uint8_t* scales, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = scales[j] & 63;
    *min = scales[j + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((scales[j + 4] & 0x0f) | ((scales[j - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((scales[j + 4] >> 4) | ((scales[j] >> 6) << 4));
  }
}

// Stores sub-block j's 6-bit scale and min; `scales` starts zeroed and
// sub-blocks are stored in order 0..7.
inline void pack_scale_min_k4(int j, uint8_t scale, uint8_t min, uint8_t* scales) {
  if (j < 4) {
    scales[j] = scale;
    scales[j + 4] = min;
  } else {
    scales[j + 4] = static_cast<uint8_t>((scale & 0x0f) | ((min & 0x0f) << 4));
    scales[j - 4] = static_cast<uint8_t>(scales[j - 4] | ((scale >> 4) << 6));
    scales[j] = static_cast<uint8_t>(scales[j] | ((min >> 4) << 6));
  }
}

}  // namespace cloister::engine::kernels
