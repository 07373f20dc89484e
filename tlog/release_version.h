// Release versions as Semantic Versioning 2.0.0 (semver.org) defines them, so
// that a client can refuse releases older than a minimum: a release stays in
// the log for ever once logged, and a floor is how a client stops trusting an
// old one. The manifest's "version" is any string; only a floor needs it to be
// a semantic version.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace cloister::tlog {

// The longest version string parsed.
inline constexpr size_t kMaxReleaseVersionSize = 256;

struct ReleaseVersion {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  std::vector<std::string> prerelease;  // the identifiers after '-', in order
  std::string build;                    // after '+'; it plays no part in precedence
};

// Parses MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]. Fails (kMalformed, saying
// what is wrong) on anything else: leading zeros in a number, an empty or
// non-alphanumeric identifier, a number above 2^64 - 1, or more than
// kMaxReleaseVersionSize bytes.
Result<ReleaseVersion> parse_release_version(std::string_view text);

// Semantic Versioning's precedence: numbers compare numerically, a version
// with a pre-release comes before the same version without, pre-release
// identifiers compare one by one (numbers numerically and before words, words
// in ASCII order, a longer list after its prefix); build metadata is ignored.
std::strong_ordering compare_precedence(const ReleaseVersion& a, const ReleaseVersion& b);

}  // namespace cloister::tlog
