// The version every binary reports with --version.
#pragma once

#include <string_view>

namespace cloister {

// Returns the release version, e.g. "0.1.0".
std::string_view version();
// Returns the source commit the build came from, or "unknown".
std::string_view source_commit();

}  // namespace cloister
