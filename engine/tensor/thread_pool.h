// A fixed set of worker threads that split a loop over rows between them.
// The calling thread takes a share too, so a pool of size 1 has no workers
// and runs everything inline. A decode step hands out a few hundred loops of
// well under a millisecond each, so workers (and the caller, for the end of
// a loop) spin briefly before sleeping: waking a sleeping thread costs more
// than many of those loops take.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace cloister::engine {

// A non-owning reference to a callable taking a half-open range [begin, end).
// Unlike std::function it never allocates, so the per-token path stays
// allocation-free.
class RangeFunction {
 public:
  template <typename F>
  RangeFunction(F& f)  // NOLINT(google-explicit-constructor): a reference wrapper
      : object_(&f), call_([](void* object, size_t begin, size_t end) {
          (*static_cast<F*>(object))(begin, end);
        }) {}
  void operator()(size_t begin, size_t end) const { call_(object_, begin, end); }

 private:
  void* object_;
  void (*call_)(void*, size_t, size_t);
};

class ThreadPool {
 public:
  // Starts `threads - 1` workers (0 means one per hardware thread).
  explicit ThreadPool(unsigned threads);
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool();

  // Returns how many threads share each loop, the caller included.
  unsigned size() const { return static_cast<unsigned>(workers_.size()) + 1; }

  // Calls `body` on contiguous, disjoint ranges covering [0, n), in parallel,
  // and returns when all have finished. Not reentrant.
  void parallel_for(size_t n, RangeFunction body);

 private:
  void worker_loop(unsigned index);
  void run_share(unsigned index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::atomic<unsigned long> generation_{0};
  std::atomic<unsigned> pending_{0};
  bool stopping_ = false;  // guarded by mutex_
  size_t n_ = 0;
  const RangeFunction* body_ = nullptr;
};

}  // namespace cloister::engine
