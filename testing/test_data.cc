#include "testing/test_data.h"

#include <cstdlib>
#include <string>

#include "base/files.h"

namespace cloister::testing {

std::filesystem::path test_data_root() {
  if (const char* env = std::getenv("CLOISTER_TEST_DATA"); env != nullptr && *env != '\0') {
    return env;
  }
  return std::filesystem::path(CLOISTER_SOURCE_DIR).parent_path() / "shared" / "data";
}

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  if (ci == nullptr) return false;
  std::string value(ci);
  return value == "true" || value == "1" || value == "TRUE" || value == "True";
}

Result<std::filesystem::path> locate_test_data(std::string_view relative) {
  std::filesystem::path path = test_data_root() / relative;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Error(ErrorCode::kNotFound,
                 "test data missing: " + path.string() +
                     " (set CLOISTER_TEST_DATA to the shared data directory)");
  }
  return path;
}

Bytes read_test_file(const std::filesystem::path& path) {
  auto data = read_file(path);
  EXPECT_TRUE(data.ok()) << (data.ok() ? "" : data.error().message());
  return data.ok() ? std::move(data).value() : Bytes{};
}

}  // namespace cloister::testing
