#include "net/io_pool.h"

#include <algorithm>
#include <string>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

#include "net/internal/asio.h"

namespace cloister::net {

IoPool::IoPool(size_t threads) : impl_(std::make_unique<Impl>()) {
  threads = std::max<size_t>(threads, 1);
  impl_->threads.reserve(threads);
  for (size_t i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] {
      // Handlers catch their own library exceptions; this guards the loop.
      while (!impl->context.stopped()) {
        try {
          impl->context.run();
        } catch (...) {
          continue;
        }
      }
    });
  }
}

IoPool::~IoPool() { stop(); }

void IoPool::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->work.reset();
  impl_->context.stop();
  for (auto& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
}

bool IoPool::running_in_pool() const {
  auto self = std::this_thread::get_id();
  return std::any_of(impl_->threads.begin(), impl_->threads.end(),
                     [&](const std::thread& thread) { return thread.get_id() == self; });
}

Error network_error(std::string_view what, const boost::system::error_code& error) {
  if (error == beast::error::timeout || error == asio::error::timed_out) {
    return Error(ErrorCode::kDeadlineExceeded, std::string(what) + ": timed out");
  }
  if (error == asio::error::operation_aborted) {
    return Error(ErrorCode::kCancelled, std::string(what) + ": cancelled");
  }
  return Error(ErrorCode::kUnavailable, std::string(what) + ": " + error.message());
}

std::string remote_address_of(const tcp::socket& socket) {
  boost::system::error_code error;
  auto endpoint = socket.remote_endpoint(error);
  if (error) return "";
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

void send_immediately(tcp::socket& socket) {
  boost::system::error_code ignored;  // best effort: a socket that refuses still works
  socket.set_option(tcp::no_delay(true), ignored);
}

}  // namespace cloister::net
