#include "engine/tensor/thread_pool.h"

#include <chrono>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace cloister::engine {
namespace {

// How long a thread spins for the next loop (or for the end of the current
// one) before it sleeps: a few decode steps' worth of small loops.
constexpr std::chrono::microseconds kSpinTime{200};

void cpu_relax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

// Spins until `done()` or kSpinTime has passed; returns done().
template <typename Done>
bool spin_until(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  for (unsigned i = 1;; ++i) {
    if (done()) return true;
    // Pause at first; then yield, so that on a machine with more runnable
    // threads than cores the spinning thread gives way to the working one.
    if (i < 256) {
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
    if (i % 64 == 0 && std::chrono::steady_clock::now() > deadline) return done();
  }
}

}  // namespace

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 1; i < threads; ++i) {
    workers_.emplace_back([this, i] { worker_loop(i); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

void ThreadPool::run_share(unsigned index) {
  const size_t threads = size();
  const size_t begin = n_ * index / threads;
  const size_t end = n_ * (index + 1) / threads;
  if (begin < end) (*body_)(begin, end);
}

void ThreadPool::parallel_for(size_t n, RangeFunction body) {
  if (workers_.empty() || n < 2) {
    if (n > 0) body(0, n);
    return;
  }
  n_ = n;
  body_ = &body;
  pending_.store(static_cast<unsigned>(workers_.size()), std::memory_order_relaxed);
  {
    // Under the lock, so that a worker about to sleep sees the new loop.
    std::lock_guard lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  run_share(0);
  auto finished = [this] { return pending_.load(std::memory_order_acquire) == 0; };
  if (!spin_until(finished)) {
    std::unique_lock lock(mutex_);
    done_.wait(lock, finished);
  }
  body_ = nullptr;
}

void ThreadPool::worker_loop(unsigned index) {
  unsigned long seen = 0;
  while (true) {
    auto started = [&] { return generation_.load(std::memory_order_acquire) != seen; };
    if (!spin_until(started)) {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, started);
    }
    seen = generation_.load(std::memory_order_acquire);
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    run_share(index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // Under the lock, so that a caller about to sleep sees the count.
      std::lock_guard lock(mutex_);
      done_.notify_one();
    }
  }
}

}  // namespace cloister::engine
