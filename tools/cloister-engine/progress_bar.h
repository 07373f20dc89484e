// A one-line progress bar on stderr, drawn only when stderr is a terminal.
#pragma once

#include <cstdint>
#include <string>

namespace cloister::tools::engine_cli {

class ProgressBar {
 public:
  // `label` precedes the bar, e.g. "loading model.gguf".
  explicit ProgressBar(std::string label);
  ~ProgressBar();

  // Returns true if stderr is a terminal (otherwise update() draws nothing).
  static bool available();

  // Redraws the bar at `done` of `total`.
  void update(uint64_t done, uint64_t total);

 private:
  std::string label_;
  int last_percent_ = -1;
};

}  // namespace cloister::tools::engine_cli
