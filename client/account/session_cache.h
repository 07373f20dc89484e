// The unlocked-session cache: the root secret R held in the Linux kernel's
// user keyring (a "user" key, never written to disk, readable only by this
// user's processes, expiring after a timeout), so that commands after
// `cloister unlock` do not ask again until `cloister lock` or the timeout.
// One entry per state directory. Where the keyring is unavailable (e.g. a
// container's seccomp policy) or CLOISTER_KEYRING=off, nothing is cached and
// every command unlocks for itself. See docs/client.md, "Unlocked sessions".
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>

#include "crypto/secret_bytes.h"

namespace cloister::client {

// Returns the keyring description for the state directory `home`.
std::string session_cache_name(const std::filesystem::path& home);

// Caches `root` for `home` until `timeout` passes. Fails with kUnavailable
// when the keyring cannot be used (the caller then tells the user).
Status cache_root_secret(const std::filesystem::path& home, const crypto::SecretBytes& root,
                         std::chrono::seconds timeout);
// Returns the cached root secret for `home`, or nullopt if none (locked,
// expired, or no keyring).
std::optional<crypto::SecretBytes> cached_root_secret(const std::filesystem::path& home);
// Removes (revokes) the cached secret of `home`; true if there was one.
bool forget_root_secret(const std::filesystem::path& home);

}  // namespace cloister::client
