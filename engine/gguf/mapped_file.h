// A read-only memory mapping of a whole file. Model weights are used straight
// from the mapping, never copied.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>

#include "base/bytes.h"

namespace cloister::engine {

class MappedFile {
 public:
  // Maps the file at `path` read-only. Fails with kNotFound or kIo, naming the path.
  static Result<std::shared_ptr<const MappedFile>> open(const std::filesystem::path& path);

  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  // Returns the mapped bytes (empty for an empty file).
  ByteSpan bytes() const { return {data_, size_}; }

  // Reads every page once so that later use does not stall on disk, calling
  // `on_progress(done, total)` as it goes (in bytes).
  void prefault(const std::function<void(uint64_t, uint64_t)>& on_progress) const;

  // Gives back this process's pages of `range` (a part of bytes()) that it
  // holds whole, unlocking them first, for data that is no longer read from
  // here: the pages leave the resident set, and a later read maps them again
  // from the file.
  void release(ByteSpan range) const;

 private:
  MappedFile(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  const uint8_t* data_;
  size_t size_;
};

}  // namespace cloister::engine
