// A fresh directory under the system temp directory, unique to its creator, so
// that tests running side by side (ctest -j) never share a file.
#pragma once

#include <filesystem>
#include <string_view>

namespace cloister::testing {

// Creates the directory on construction and removes it, with everything in
// it, on destruction.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "cloister-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace cloister::testing
