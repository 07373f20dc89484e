#include "tlog/release_version.h"

#include <algorithm>

namespace cloister::tlog {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_identifier_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

bool is_numeric(std::string_view identifier) {
  return std::all_of(identifier.begin(), identifier.end(), is_digit);
}

Error malformed(std::string_view text, const std::string& why) {
  return Error(ErrorCode::kMalformed,
               "release version \"" + std::string(text) + "\" is not a semantic version: " + why);
}

// Splits `text` at each `separator`; empty pieces are kept.
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    pieces.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return pieces;
    start = end + 1;
  }
}

Result<uint64_t> parse_number(std::string_view whole, std::string_view digits, const char* name) {
  if (digits.empty() || !is_numeric(digits)) {
    return malformed(whole, std::string(name) + " is not a number");
  }
  if (digits.size() > 1 && digits[0] == '0') {
    return malformed(whole, std::string(name) + " has a leading zero");
  }
  uint64_t value = 0;
  for (char c : digits) {
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10)
      return malformed(whole, std::string(name) + " is too large");
    value = value * 10 + digit;
  }
  return value;
}

// Checks dot-separated identifiers; numeric ones may not have leading zeros
// when `numbers_strict` (pre-release, not build metadata).
Status check_identifiers(std::string_view whole, const std::vector<std::string_view>& identifiers,
                         bool numbers_strict, const char* part) {
  for (std::string_view identifier : identifiers) {
    if (identifier.empty())
      return malformed(whole, std::string("an empty ") + part + " identifier");
    if (!std::all_of(identifier.begin(), identifier.end(), is_identifier_char)) {
      return malformed(whole, std::string("a ") + part +
                                  " identifier may hold only ASCII letters, digits and '-'");
    }
    if (numbers_strict && identifier.size() > 1 && identifier[0] == '0' && is_numeric(identifier)) {
      return malformed(whole, std::string("a numeric ") + part + " identifier has a leading zero");
    }
  }
  return {};
}

// Numeric identifiers without leading zeros order by length, then by digits.
std::strong_ordering compare_identifiers(const std::string& a, const std::string& b) {
  const bool a_numeric = is_numeric(a);
  const bool b_numeric = is_numeric(b);
  if (a_numeric && b_numeric) {
    if (a.size() != b.size()) return a.size() <=> b.size();
    return a.compare(b) <=> 0;
  }
  if (a_numeric != b_numeric)
    return a_numeric ? std::strong_ordering::less : std::strong_ordering::greater;
  return a.compare(b) <=> 0;
}

}  // namespace

Result<ReleaseVersion> parse_release_version(std::string_view text) {
  if (text.size() > kMaxReleaseVersionSize) {
    return Error(ErrorCode::kMalformed, "release version is longer than " +
                                            std::to_string(kMaxReleaseVersionSize) + " bytes");
  }
  ReleaseVersion version;
  std::string_view rest = text;
  if (const size_t plus = rest.find('+'); plus != std::string_view::npos) {
    const std::string_view build = rest.substr(plus + 1);
    CLOISTER_TRY(check_identifiers(text, split(build, '.'), false, "build"));
    version.build = std::string(build);
    rest = rest.substr(0, plus);
  }
  if (const size_t dash = rest.find('-'); dash != std::string_view::npos) {
    const std::vector<std::string_view> identifiers = split(rest.substr(dash + 1), '.');
    CLOISTER_TRY(check_identifiers(text, identifiers, true, "pre-release"));
    version.prerelease.assign(identifiers.begin(), identifiers.end());
    rest = rest.substr(0, dash);
  }
  const std::vector<std::string_view> core = split(rest, '.');
  if (core.size() != 3) return malformed(text, "it needs MAJOR.MINOR.PATCH");
  CLOISTER_ASSIGN_OR_RETURN(version.major, parse_number(text, core[0], "MAJOR"));
  CLOISTER_ASSIGN_OR_RETURN(version.minor, parse_number(text, core[1], "MINOR"));
  CLOISTER_ASSIGN_OR_RETURN(version.patch, parse_number(text, core[2], "PATCH"));
  return version;
}

std::strong_ordering compare_precedence(const ReleaseVersion& a, const ReleaseVersion& b) {
  if (auto order = a.major <=> b.major; std::is_neq(order)) return order;
  if (auto order = a.minor <=> b.minor; std::is_neq(order)) return order;
  if (auto order = a.patch <=> b.patch; std::is_neq(order)) return order;
  // A pre-release comes before its version.
  if (a.prerelease.empty() != b.prerelease.empty()) {
    return a.prerelease.empty() ? std::strong_ordering::greater : std::strong_ordering::less;
  }
  const size_t shared = std::min(a.prerelease.size(), b.prerelease.size());
  for (size_t i = 0; i < shared; ++i) {
    if (auto order = compare_identifiers(a.prerelease[i], b.prerelease[i]); std::is_neq(order)) {
      return order;
    }
  }
  return a.prerelease.size() <=> b.prerelease.size();
}

}  // namespace cloister::tlog
