// Fuzzes release-version parsing: any input parses or fails cleanly, a
// version that parses is equal to itself, and precedence is antisymmetric.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tlog/release_version.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cloister::tlog;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t half = text.find('\n');
  auto first = parse_release_version(text.substr(0, half));
  if (!first.ok()) return 0;
  if (!std::is_eq(compare_precedence(*first, *first))) std::abort();
  if (half == std::string_view::npos) return 0;
  auto second = parse_release_version(text.substr(half + 1));
  if (!second.ok()) return 0;
  const std::strong_ordering forward = compare_precedence(*first, *second);
  const std::strong_ordering backward = compare_precedence(*second, *first);
  if (std::is_lt(forward) != std::is_gt(backward) || std::is_eq(forward) != std::is_eq(backward)) {
    std::abort();
  }
  return 0;
}
