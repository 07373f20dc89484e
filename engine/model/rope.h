// Rotary position embeddings: each pair of dimensions of a head is rotated by
// an angle proportional to the position, at a frequency that falls
// geometrically along the head.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/model/config.h"

namespace cloister::engine {

// The rotation angles of one position, computed once and applied to every
// head of Q and K.
class RopeAngles {
 public:
  // `freq_factors` (n_rot / 2 values, or empty) divide each frequency, as
  // Llama 3's rope_freqs.weight does.
  RopeAngles(const ModelConfig& config, std::span<const float> freq_factors);

  // Computes the angles for position `pos`.
  void set_position(uint32_t pos);

  // Rotates the first n_rot dimensions of one head in place.
  void apply(std::span<float> head) const;

 private:
  uint32_t n_rot_;
  RopeStyle style_;
  std::vector<double> inverse_frequencies_;  // n_rot / 2 values
  std::vector<float> cos_;
  std::vector<float> sin_;
};

// Returns Llama 3's RoPE frequency factors (what convert_hf_to_gguf.py writes
// as rope_freqs.weight) for the given scaling parameters.
std::vector<float> llama3_rope_freq_factors(uint32_t n_rot, float freq_base, float factor,
                                            float low_freq_factor, float high_freq_factor,
                                            uint32_t original_context);

}  // namespace cloister::engine
