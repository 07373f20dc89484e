// Private to net/: the Boost.Asio and Beast types behind the public headers'
// pimpls. Only net/'s own implementation files include this.
#pragma once

#include <atomic>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "base/result.h"
#include "net/io_pool.h"

namespace cloister::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

struct IoPool::Impl {
  asio::io_context context;
  asio::executor_work_guard<asio::io_context::executor_type> work{context.get_executor()};
  std::vector<std::thread> threads;
  std::atomic<bool> stopped{false};
};

// Returns a kUnavailable (or kDeadlineExceeded on timeout) error describing
// `error` during `what`.
Error network_error(std::string_view what, const boost::system::error_code& error);

// Returns the peer's address as text, or "" if the socket is not connected.
std::string remote_address_of(const tcp::socket& socket);

// Turns off Nagle's algorithm on `socket`: a streamed answer is many small
// WebSocket messages, and each must leave at once rather than wait for the
// peer to acknowledge the one before it.
void send_immediately(tcp::socket& socket);

}  // namespace cloister::net
