#include "tools/cloister-engine/progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace cloister::tools::engine_cli {

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)) {}

ProgressBar::~ProgressBar() {
  if (last_percent_ >= 0) std::fputs("\n", stderr);
}

bool ProgressBar::available() { return ::isatty(STDERR_FILENO) == 1; }

void ProgressBar::update(uint64_t done, uint64_t total) {
  if (!available() || total == 0) return;
  const int percent = static_cast<int>(done * 100 / total);
  if (percent == last_percent_) return;
  last_percent_ = percent;
  constexpr int kWidth = 40;
  const int filled = percent * kWidth / 100;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  std::fprintf(stderr, "\r%s [%s] %3d%% (%.0f MiB)", label_.c_str(), bar.c_str(), percent,
               static_cast<double>(total) / (1 << 20));
  std::fflush(stderr);
}

}  // namespace cloister::tools::engine_cli
