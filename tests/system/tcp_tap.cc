#include "tests/system/tcp_tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cloister::system_testing {

namespace {

Error socket_error(const std::string& what) {
  return Error(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// Copies from `from` to `to` until either end closes, appending what it
// copied to `recording`.
void pump(int from, int to, std::string& recording, std::mutex& mutex) {
  char buffer[16384];
  while (true) {
    const ssize_t n = ::read(from, buffer, sizeof buffer);
    if (n <= 0) break;
    {
      std::lock_guard lock(mutex);
      recording.append(buffer, static_cast<size_t>(n));
    }
    for (ssize_t sent = 0; sent < n;) {
      const ssize_t written =
          ::send(to, buffer + sent, static_cast<size_t>(n - sent), MSG_NOSIGNAL);
      if (written <= 0) {
        ::shutdown(from, SHUT_RDWR);
        return;
      }
      sent += written;
    }
  }
  ::shutdown(to, SHUT_WR);
}

}  // namespace

struct TcpTap::Connection {
  int client = -1;
  int server = -1;
  std::string sent;      // client -> server
  std::string received;  // server -> client
  std::thread upstream;
  std::thread downstream;

  ~Connection() {
    if (client >= 0) ::shutdown(client, SHUT_RDWR);
    if (server >= 0) ::shutdown(server, SHUT_RDWR);
    if (upstream.joinable()) upstream.join();
    if (downstream.joinable()) downstream.join();
    if (client >= 0) ::close(client);
    if (server >= 0) ::close(server);
  }
};

Result<std::unique_ptr<TcpTap>> TcpTap::start(uint16_t target_port) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) return socket_error("socket");
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, 64) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const Error error = socket_error("listening on loopback");
    ::close(listener);
    return error;
  }
  auto tap = std::unique_ptr<TcpTap>(new TcpTap(listener, ntohs(address.sin_port), target_port));
  tap->acceptor_ = std::thread([raw = tap.get()] { raw->accept_loop(); });
  return tap;
}

TcpTap::TcpTap(int listener, uint16_t port, uint16_t target_port)
    : listener_(listener), port_(port), target_port_(target_port) {}

TcpTap::~TcpTap() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listener_);
  // Joined outside the lock: the pumps take it to record.
  std::vector<std::unique_ptr<Connection>> connections;
  {
    std::lock_guard lock(mutex_);
    connections.swap(connections_);
  }
  connections.clear();
}

void TcpTap::accept_loop() {
  while (!stopping_) {
    pollfd ready{listener_, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in target = loopback(target_port_);
    if (server < 0 ||
        ::connect(server, reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0) {
      ::close(client);
      if (server >= 0) ::close(server);
      continue;
    }
    std::lock_guard lock(mutex_);
    auto connection = std::make_unique<Connection>();
    connection->client = client;
    connection->server = server;
    Connection* raw = connection.get();
    raw->upstream = std::thread([this, raw] { pump(raw->client, raw->server, raw->sent, mutex_); });
    raw->downstream =
        std::thread([this, raw] { pump(raw->server, raw->client, raw->received, mutex_); });
    connections_.push_back(std::move(connection));
  }
}

std::vector<std::string> TcpTap::recordings() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> recordings;
  for (const auto& connection : connections_) {
    recordings.push_back(connection->sent);
    recordings.push_back(connection->received);
  }
  return recordings;
}

std::string websocket_payloads(const std::string& recording) {
  const size_t upgrade_end = recording.find("\r\n\r\n");
  if (upgrade_end == std::string::npos) return recording;
  std::string payloads;
  size_t at = upgrade_end + 4;
  const auto byte = [&](size_t index) { return static_cast<uint8_t>(recording[index]); };
  while (at + 2 <= recording.size()) {
    const bool masked = (byte(at + 1) & 0x80) != 0;
    uint64_t length = byte(at + 1) & 0x7f;
    size_t header = 2;
    if (length == 126 || length == 127) {
      const size_t bytes = length == 126 ? 2 : 8;
      if (at + 2 + bytes > recording.size()) break;
      length = 0;
      for (size_t i = 0; i < bytes; ++i) length = (length << 8) | byte(at + 2 + i);
      header += bytes;
    }
    const size_t mask_at = at + header;
    if (masked) header += 4;
    if (length > recording.size() || at + header + length > recording.size()) break;
    for (size_t i = 0; i < length; ++i) {
      uint8_t value = byte(at + header + i);
      if (masked) value ^= byte(mask_at + i % 4);
      payloads.push_back(static_cast<char>(value));
    }
    at += header + length;
  }
  return payloads;
}

}  // namespace cloister::system_testing
