// IEEE 754 half precision and bfloat16 conversions, bit-exact with ggml's
// reference (round to nearest, ties to even).
#pragma once

#include <bit>
#include <cstdint>

namespace cloister::engine::kernels {

// Returns the float that the IEEE half `bits` encodes (subnormals, inf and NaN included).
inline float fp16_to_f32(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1f;
  const uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float.
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return sign != 0 ? -magnitude : magnitude;
  }
  if (exponent == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

// Returns the IEEE half nearest to `value` (overflow gives infinity, NaN stays NaN).
inline uint16_t f32_to_fp16(float value) {
  uint32_t u = std::bit_cast<uint32_t>(value);
  const uint32_t sign = u & 0x80000000u;
  u ^= sign;
  uint32_t out = 0;
  if (u >= (127u + 16u) << 23) {
    out = u > (255u << 23) ? 0x7e00u : 0x7c00u;  // NaN or too large
  } else if (u < 113u << 23) {
    // The result is subnormal or zero: let the FPU round by adding a magic
    // number whose exponent puts the half's last mantissa bit at bit 0.
    const float magic = std::bit_cast<float>(((127u - 15u) + (23u - 10u) + 1u) << 23);
    out = std::bit_cast<uint32_t>(std::bit_cast<float>(u) + magic) - std::bit_cast<uint32_t>(magic);
  } else {
    const uint32_t mantissa_odd = (u >> 13) & 1;
    u += ((15u - 127u) << 23) + 0xfffu;  // rebias the exponent, round half up
    u += mantissa_odd;                   // ... and ties to even
    out = u >> 13;
  }
  return static_cast<uint16_t>(out | (sign >> 16));
}

// Returns the float that the bfloat16 `bits` encodes.
inline float bf16_to_f32(uint16_t bits) {
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

// Returns the bfloat16 nearest to `value` (ties to even; NaN stays a quiet NaN).
inline uint16_t f32_to_bf16(float value) {
  const uint32_t u = std::bit_cast<uint32_t>(value);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 64);
  return static_cast<uint16_t>((u + (0x7fffu + ((u >> 16) & 1))) >> 16);
}

}  // namespace cloister::engine::kernels
