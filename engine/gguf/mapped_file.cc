#include "engine/gguf/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace cloister::engine {
namespace {

Error io_error(const std::filesystem::path& path, std::string_view action) {
  int saved = errno;
  ErrorCode code = saved == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo;
  return Error(code,
               "cannot " + std::string(action) + " " + path.string() + ": " + std::strerror(saved));
}

// Closes a descriptor when it goes out of scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() { ::close(fd_); }

 private:
  int fd_;
};

}  // namespace

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path, "open");
  FdCloser closer(fd);
  struct stat info {};
  if (::fstat(fd, &info) != 0) return io_error(path, "stat");
  if (!S_ISREG(info.st_mode)) {
    return Error(ErrorCode::kInvalidArgument, path.string() + " is not a regular file");
  }
  auto size = static_cast<size_t>(info.st_size);
  if (size == 0) {
    return std::shared_ptr<const MappedFile>(new MappedFile(nullptr, 0));
  }
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (data == MAP_FAILED) return io_error(path, "map");
  return std::shared_ptr<const MappedFile>(new MappedFile(static_cast<const uint8_t*>(data), size));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

void MappedFile::prefault(const std::function<void(uint64_t, uint64_t)>& on_progress) const {
  if (data_ == nullptr) return;
  ::madvise(const_cast<uint8_t*>(data_), size_, MADV_WILLNEED);
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t report_every = size_t{64} << 20;
  volatile uint8_t sink = 0;
  for (size_t offset = 0; offset < size_; offset += page) {
    sink = sink + data_[offset];
    if (on_progress && offset % report_every < page) on_progress(offset, size_);
  }
  if (on_progress) on_progress(size_, size_);
}

void MappedFile::release(ByteSpan range) const {
  const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  // The whole pages inside the range: skip to the first page boundary.
  const size_t head = (page - reinterpret_cast<uintptr_t>(range.data()) % page) % page;
  if (range.size() <= head) return;
  const size_t length = (range.size() - head) / page * page;
  if (length == 0) return;
  void* pages = const_cast<uint8_t*>(range.data() + head);
  // The enclave locks all its memory (mlockall); locked pages cannot be given
  // back. The weights are public, so they need not stay locked. Both calls
  // are best effort: at worst the pages stay resident.
  ::munlock(pages, length);
  ::madvise(pages, length, MADV_DONTNEED);
}

}  // namespace cloister::engine
