#include "engine/kernels/f32.h"

namespace cloister::engine::kernels {

float dot_f32(std::span<const float> w, std::span<const float> x) {
  float sum = 0.0f;
  for (size_t i = 0; i < w.size(); ++i) sum += w[i] * x[i];
  return sum;
}

}  // namespace cloister::engine::kernels
