#include "engine/tensor/thread_pool.h"

namespace cloister::engine {

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
  {
    std::lock_guard lock(mutex_);
    n_ = n;
    body_ = &body;
    pending_ = static_cast<unsigned>(workers_.size());
    ++generation_;
  }
  wake_.notify_all();
  run_share(0);
  std::unique_lock lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0; });
  body_ = nullptr;
}

void ThreadPool::worker_loop(unsigned index) {
  unsigned long seen = 0;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    run_share(index);
    {
      std::lock_guard lock(mutex_);
      --pending_;
    }
    done_.notify_one();
  }
}

}  // namespace cloister::engine
