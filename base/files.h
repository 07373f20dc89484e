// Whole-file reads and crash-safe whole-file writes.
#pragma once

#include <filesystem>
#include <string>

#include "base/bytes.h"

namespace cloister {

// Reads the whole file at `path`. Fails with kNotFound or kIo, naming the path.
// Refuses files larger than `max_size` with kResourceExhausted.
Result<Bytes> read_file(const std::filesystem::path& path, size_t max_size = size_t{1} << 30);

// Reads the whole file at `path` as text (same limits as read_file).
Result<std::string> read_text_file(const std::filesystem::path& path,
                                   size_t max_size = size_t{1} << 30);

// Writes `data` to `path` atomically: a temporary file in the same directory is
// written, fsynced and renamed over `path`, then the directory is fsynced. A
// crash leaves either the old file or the new one, never a mix. `mode` sets the
// permission bits of the new file.
Status write_file_atomically(const std::filesystem::path& path, ByteSpan data,
                             unsigned mode = 0644);

}  // namespace cloister
