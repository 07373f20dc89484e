// Test support: a TCP forwarder on loopback that records every byte it
// carries, so a test can search what a process received and sent. WebSocket
// traffic is recorded as the bytes on the wire; websocket_payloads() turns a
// recording into the frames' unmasked payloads (clients mask what they send,
// which would hide plaintext from a naive search).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"

namespace cloister::system_testing {

class TcpTap {
 public:
  // Listens on 127.0.0.1 (any free port) and forwards each connection to
  // 127.0.0.1:`target_port`.
  static Result<std::unique_ptr<TcpTap>> start(uint16_t target_port);
  // Stops accepting, closes every connection and joins its threads.
  ~TcpTap();
  TcpTap(const TcpTap&) = delete;
  TcpTap& operator=(const TcpTap&) = delete;

  uint16_t port() const { return port_; }
  // Returns one recording per connection and direction: what the connecting
  // side sent, then what it received, for every connection so far.
  std::vector<std::string> recordings() const;

 private:
  struct Connection;
  TcpTap(int listener, uint16_t port, uint16_t target_port);
  void accept_loop();

  int listener_;
  uint16_t port_;
  uint16_t target_port_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> connections_;
};

// Returns the concatenated, unmasked payloads of the WebSocket frames in
// `recording` (after its HTTP upgrade exchange); a trailing partial frame is
// ignored. Returns `recording` unchanged if it holds no upgrade.
std::string websocket_payloads(const std::string& recording);

}  // namespace cloister::system_testing
