// Test-only helpers for net/ and its users: raw loopback sockets (to play a
// misbehaving client byte by byte), temporary directories, and a throwaway
// self-signed TLS certificate.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"
#include "testing/temp_dir.h"

namespace cloister::net::testing {

// A blocking TCP client socket to 127.0.0.1 with explicit timeouts.
class RawSocket {
 public:
  // Connects to 127.0.0.1:`port`; check connected().
  explicit RawSocket(uint16_t port);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends all of `data`; returns false if the peer has gone.
  bool send(std::string_view data);
  // Reads until `marker` has been seen, the peer closes, or `timeout` passes.
  // Returns everything read.
  std::string read_until(std::string_view marker, std::chrono::milliseconds timeout);
  // Returns true if the peer closes the connection within `timeout` (reading
  // and discarding whatever it sends first).
  bool closed_by_peer_within(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

using TempDir = ::cloister::testing::TempDir;

struct CertificateFiles {
  std::string cert_file;
  std::string key_file;
};

// Writes a fresh P-256 key and a self-signed certificate for "localhost" and
// 127.0.0.1 (valid for a day) into `dir`.
Result<CertificateFiles> write_self_signed_certificate(const std::filesystem::path& dir);

}  // namespace cloister::net::testing

#include <memory>

namespace cloister::net {
class WebSocket;
}

namespace cloister::net::testing {

// Sends every message received on `socket` straight back, until it closes.
void echo_messages(const std::shared_ptr<WebSocket>& socket);

}  // namespace cloister::net::testing
