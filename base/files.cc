#include "base/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cloister {
namespace {

Error io_error(std::string_view action, const std::filesystem::path& path) {
  int err = errno;
  ErrorCode code = err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo;
  return Error(code, std::string(action) + " " + path.string() + ": " + std::strerror(err));
}

// Closes a file descriptor when it goes out of scope.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace

Result<Bytes> read_file(const std::filesystem::path& path, size_t max_size) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("cannot open", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return io_error("cannot stat", path);
  if (static_cast<uint64_t>(st.st_size) > max_size) {
    return Error(ErrorCode::kResourceExhausted,
                 path.string() + " is larger than " + std::to_string(max_size) + " bytes");
  }
  Bytes out;
  out.reserve(static_cast<size_t>(st.st_size));
  uint8_t chunk[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot read", path);
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_size) {
      return Error(ErrorCode::kResourceExhausted,
                   path.string() + " is larger than " + std::to_string(max_size) + " bytes");
    }
    out.insert(out.end(), chunk, chunk + n);
  }
  return out;
}

Result<std::string> read_text_file(const std::filesystem::path& path, size_t max_size) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes data, read_file(path, max_size));
  return to_string(data);
}

Status write_file_atomically(const std::filesystem::path& path, ByteSpan data, unsigned mode) {
  std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::string temp = (dir / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
  ScopedFd fd(::mkstemp(temp.data()));
  if (fd.get() < 0) return io_error("cannot create a temporary file in", dir);
  auto fail = [&](std::string_view action) {
    Error error = io_error(action, temp);
    ::unlink(temp.c_str());
    return error;
  };
  if (::fchmod(fd.get(), mode) != 0) return fail("cannot chmod");
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write");
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("cannot fsync");
  if (::close(fd.release()) != 0) return fail("cannot close");
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail("cannot rename");
  ScopedFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0 || ::fsync(dir_fd.get()) != 0) {
    return io_error("cannot fsync directory", dir);
  }
  return ok_status();
}

}  // namespace cloister
