#include "client/account/session_cache.h"

#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/encoding.h"
#include "crypto/hash.h"

namespace cloister::client {
namespace {

constexpr const char* kKeyType = "user";
constexpr size_t kMaxSecret = 64;
// Permission bits (keyutils.h, which this build does not need): possessor all,
// and the owning user may view, read and search.
constexpr unsigned kPossessorAll = 0x3f000000;
constexpr unsigned kUserViewReadSearch = 0x00010000 | 0x00020000 | 0x00080000;

bool keyring_disabled() {
  const char* setting = std::getenv("CLOISTER_KEYRING");
  return setting != nullptr && std::string_view(setting) == "off";
}

long find_key(const std::string& name) {
  return syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, kKeyType, name.c_str(), 0);
}

}  // namespace

std::string session_cache_name(const std::filesystem::path& home) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::weakly_canonical(home, ec);
  if (ec) absolute = home;
  const auto digest = crypto::sha256(as_bytes(absolute.string()));
  return "cloister:unlocked:" + hex_encode(ByteSpan(digest).first(12));
}

Status cache_root_secret(const std::filesystem::path& home, const crypto::SecretBytes& root,
                         std::chrono::seconds timeout) {
  if (keyring_disabled())
    return Error(ErrorCode::kUnavailable, "the keyring is off (CLOISTER_KEYRING=off)");
  const std::string name = session_cache_name(home);
  const long id =
      syscall(SYS_add_key, kKeyType, name.c_str(), root.data(), root.size(), KEY_SPEC_USER_KEYRING);
  if (id < 0) {
    return Error(ErrorCode::kUnavailable,
                 std::string("the kernel keyring is unavailable: ") + std::strerror(errno));
  }
  // This user's processes may find and read it; nobody else may.
  (void)syscall(SYS_keyctl, KEYCTL_SETPERM, id, kPossessorAll | kUserViewReadSearch);
  if (syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, id, static_cast<unsigned>(timeout.count())) < 0) {
    (void)syscall(SYS_keyctl, KEYCTL_REVOKE, id);
    return Error(ErrorCode::kUnavailable, "cannot set the keyring entry's timeout");
  }
  return ok_status();
}

std::optional<crypto::SecretBytes> cached_root_secret(const std::filesystem::path& home) {
  if (keyring_disabled()) return std::nullopt;
  const long id = find_key(session_cache_name(home));
  if (id < 0) return std::nullopt;
  crypto::SecretBytes secret(kMaxSecret);
  const long size = syscall(SYS_keyctl, KEYCTL_READ, id, secret.data(), secret.size());
  if (size <= 0 || static_cast<size_t>(size) > kMaxSecret) return std::nullopt;
  return crypto::SecretBytes(ByteSpan(secret.data(), static_cast<size_t>(size)));
}

bool forget_root_secret(const std::filesystem::path& home) {
  const long id = find_key(session_cache_name(home));
  if (id < 0) return false;
  (void)syscall(SYS_keyctl, KEYCTL_REVOKE, id);
  (void)syscall(SYS_keyctl, KEYCTL_UNLINK, id, KEY_SPEC_USER_KEYRING);
  return true;
}

}  // namespace cloister::client
