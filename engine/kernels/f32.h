// F32 weights: the reference dot product of a row with float activations.
#pragma once

#include <span>

namespace cloister::engine::kernels {

// Returns sum(w[i] * x[i]); both spans have the same length.
float dot_f32(std::span<const float> w, std::span<const float> x);

}  // namespace cloister::engine::kernels
