// A small pool of threads running one I/O event loop. Servers own one; client
// connections run on the pool they are given. Every socket created on a pool
// must be closed or dropped before the pool is destroyed.
#pragma once

#include <cstddef>
#include <memory>

namespace cloister::net {

class IoPool {
 public:
  // The event loop itself; only net/'s implementation files see inside.
  struct Impl;

  // Starts `threads` threads (at least one) running the loop.
  explicit IoPool(size_t threads = 1);
  // Stops the loop and joins the threads (see stop()).
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  // Stops the loop, abandoning pending operations, and joins the threads.
  // Idempotent; must not be called from one of the pool's own threads.
  void stop();
  // Returns true if the calling thread is one of this pool's threads.
  bool running_in_pool() const;

  // Returns the event loop, for net/'s implementation files.
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cloister::net
