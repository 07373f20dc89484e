// The 6-bit scale/min packing that Q4_K and Q5_K share: eight scales and eight
// mins, 6 bits each, in 12 bytes (ggml's get_scale_min_k4 layout).
#pragma once

#include <cstdint>
#include <cstring>

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

// Unpacks all eight scales (out[0..7]) and mins (out[8..15]) at once, four
// bytes per word operation; the same values as unpack_scale_min_k4.
inline void unpack_scales_mins_k4(const uint8_t* scales, uint8_t* out) {
  uint32_t w[3];
  std::memcpy(w, scales, sizeof(w));
  constexpr uint32_t kLow6 = 0x3f3f3f3f;
  constexpr uint32_t kLow4 = 0x0f0f0f0f;
  constexpr uint32_t kLow2 = 0x03030303;
  const uint32_t unpacked[4] = {
      w[0] & kLow6,                                          // scales 0..3
      (w[2] & kLow4) | (((w[0] >> 6) & kLow2) << 4),         // scales 4..7
      w[1] & kLow6,                                          // mins 0..3
      ((w[2] >> 4) & kLow4) | (((w[1] >> 6) & kLow2) << 4),  // mins 4..7
  };
  std::memcpy(out, unpacked, sizeof(unpacked));
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
