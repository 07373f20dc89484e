#include "net/metrics.h"

#include <gtest/gtest.h>

namespace cloister::net {
namespace {

TEST(MetricsRegistry, RendersCountersAndGaugesInTextFormat) {
  MetricsRegistry registry;
  registry.counter("requests_total", "Requests served.", {{"route", "/v1/blobs"}}).inc(3);
  registry.gauge("sessions_open", "Open sessions.").set(-2);
  std::string text = registry.render();
  EXPECT_NE(text.find("# HELP requests_total Requests served.\n# TYPE requests_total counter\n"
                      "requests_total{route=\"/v1/blobs\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE sessions_open gauge\nsessions_open -2\n"), std::string::npos) << text;
}

TEST(MetricsRegistry, ReturnsTheSameSeriesForTheSameLabels) {
  MetricsRegistry registry;
  auto& a = registry.counter("c", "help", {{"k", "v"}});
  auto& b = registry.counter("c", "help", {{"k", "v"}});
  auto& other = registry.counter("c", "help", {{"k", "w"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
}

TEST(MetricsRegistry, EscapesLabelValues) {
  MetricsRegistry registry;
  registry.counter("c", "help", {{"k", "a\"b\\c\nd"}}).inc();
  EXPECT_NE(registry.render().find("c{k=\"a\\\"b\\\\c\\nd\"} 1"), std::string::npos);
}

TEST(Histogram, CountsCumulativelyWithInclusiveBounds) {
  MetricsRegistry registry;
  auto& histogram = registry.histogram("latency_seconds", "Latency.", {}, {0.1, 1.0});
  for (double value : {0.05, 0.1, 0.5, 2.0}) histogram.observe(value);
  std::string text = registry.render();
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"0.1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"1\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_sum 2.65\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_count 4\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace cloister::net
