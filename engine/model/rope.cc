#include "engine/model/rope.h"

#include <cmath>
#include <numbers>

namespace cloister::engine {

RopeAngles::RopeAngles(const ModelConfig& config, std::span<const float> freq_factors)
    : n_rot_(config.n_rot), style_(config.spec->rope_style) {
  const uint32_t pairs = n_rot_ / 2;
  inverse_frequencies_.resize(pairs);
  for (uint32_t i = 0; i < pairs; ++i) {
    double frequency = std::pow(static_cast<double>(config.rope_freq_base),
                                -2.0 * i / static_cast<double>(n_rot_));
    frequency *= config.rope_freq_scale;
    if (!freq_factors.empty()) frequency /= freq_factors[i];
    inverse_frequencies_[i] = frequency;
  }
  cos_.resize(pairs);
  sin_.resize(pairs);
  set_position(0);
}

void RopeAngles::set_position(uint32_t pos) {
  for (size_t i = 0; i < inverse_frequencies_.size(); ++i) {
    const double angle = pos * inverse_frequencies_[i];
    cos_[i] = static_cast<float>(std::cos(angle));
    sin_[i] = static_cast<float>(std::sin(angle));
  }
}

void RopeAngles::apply(std::span<float> head) const {
  const uint32_t pairs = n_rot_ / 2;
  for (uint32_t i = 0; i < pairs; ++i) {
    const size_t a = style_ == RopeStyle::kAdjacentPairs ? 2 * i : i;
    const size_t b = style_ == RopeStyle::kAdjacentPairs ? 2 * i + 1 : i + pairs;
    const float x0 = head[a];
    const float x1 = head[b];
    head[a] = x0 * cos_[i] - x1 * sin_[i];
    head[b] = x0 * sin_[i] + x1 * cos_[i];
  }
}

std::vector<float> llama3_rope_freq_factors(uint32_t n_rot, float freq_base, float factor,
                                            float low_freq_factor, float high_freq_factor,
                                            uint32_t original_context) {
  const double low_freq_wavelen = original_context / static_cast<double>(low_freq_factor);
  const double high_freq_wavelen = original_context / static_cast<double>(high_freq_factor);
  std::vector<float> factors;
  for (uint32_t i = 0; i < n_rot; i += 2) {
    const double frequency = 1.0 / std::pow(static_cast<double>(freq_base), i / double(n_rot));
    const double wavelen = 2 * std::numbers::pi / frequency;
    if (wavelen < high_freq_wavelen) {
      factors.push_back(1.0f);
    } else if (wavelen > low_freq_wavelen) {
      factors.push_back(factor);
    } else {
      const double smooth =
          (original_context / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
      factors.push_back(static_cast<float>(1.0 / ((1 - smooth) / factor + smooth)));
    }
  }
  return factors;
}

}  // namespace cloister::engine
