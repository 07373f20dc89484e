// Content-free service metrics in the Prometheus text exposition format
// (version 0.0.4): counters, gauges and latency histograms. Only counts and
// durations go in here, never anything derived from a request's content.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cloister::net {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// A monotonically increasing count; safe to bump from any thread.
class Counter {
 public:
  // Adds `by` to the count.
  void inc(uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  // Returns the count so far.
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (e.g. open sessions); safe from any thread.
class Gauge {
 public:
  // Replaces the value.
  void set(int64_t value) { value_.store(value, std::memory_order_relaxed); }
  // Adds `by` (which may be negative).
  void add(int64_t by) { value_.fetch_add(by, std::memory_order_relaxed); }
  // Returns the current value.
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Counts observations into fixed buckets, with their sum; safe from any thread.
class Histogram {
 public:
  // `bounds` are the upper bounds of the buckets, ascending (+Inf is implied).
  explicit Histogram(std::vector<double> bounds);
  // Records one observation (e.g. a latency in seconds).
  void observe(double value);

  // Returns the buckets' upper bounds, ascending.
  const std::vector<double>& bounds() const { return bounds_; }
  // Returns the cumulative count of observations <= bounds()[i]; i ==
  // bounds().size() gives the total count.
  uint64_t cumulative_count(size_t i) const;
  // Returns the sum of every observation.
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, plus +Inf
  std::atomic<double> sum_{0.0};
};

// Returns latency buckets from 1 ms to 30 s, for durations in seconds.
std::vector<double> default_latency_buckets();

// A set of named metric families. Lookups create the series on first use and
// return a reference that stays valid for the registry's lifetime.
class MetricsRegistry {
 public:
  // Return the series of family `name` with `labels`, creating it (and the
  // family, described by `help`) on first use.
  Counter& counter(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help,
                       const MetricLabels& labels = {},
                       std::vector<double> bounds = default_latency_buckets());

  // Returns every family in the Prometheus text format.
  std::string render() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Family {
    Kind kind;
    std::string help;
    std::map<MetricLabels, std::unique_ptr<Counter>> counters;
    std::map<MetricLabels, std::unique_ptr<Gauge>> gauges;
    std::map<MetricLabels, std::unique_ptr<Histogram>> histograms;
  };

  Family& family(std::string_view name, std::string_view help, Kind kind);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace cloister::net
