// An exclusive advisory lock on a file (flock), held for the lifetime of the
// object, so that processes sharing a log or a witness state take turns.
#pragma once

#include <filesystem>

#include "base/result.h"

namespace cloister::tlog {

class FileLock {
 public:
  // Opens (creating if needed) `path` and blocks until this process holds an
  // exclusive lock on it. Fails with kIo.
  static Result<FileLock> acquire(const std::filesystem::path& path);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace cloister::tlog
