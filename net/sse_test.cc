#include "net/sse.h"

#include <vector>

#include <gtest/gtest.h>

namespace cloister::net {
namespace {

struct Parsed {
  std::vector<SseEvent> events;
  std::string last_id;
};

// Feeds `stream` split at `split` (0: in one piece).
Parsed parse(std::string_view stream, size_t split = 0) {
  SseParser parser;
  Parsed parsed;
  auto collect = [&](const SseEvent& event) {
    parsed.events.push_back(event);
    return true;
  };
  if (split == 0) {
    EXPECT_TRUE(parser.feed(stream, collect).ok());
  } else {
    EXPECT_TRUE(parser.feed(stream.substr(0, split), collect).ok());
    EXPECT_TRUE(parser.feed(stream.substr(split), collect).ok());
  }
  parser.finish();
  parsed.last_id = parser.last_event_id();
  return parsed;
}

// The examples below are the ones in the WHATWG HTML standard, section
// "Server-sent events: event stream interpretation".
TEST(SseParser, JoinsDataLinesWithNewlines) {
  auto parsed = parse("data: YHOO\ndata: +2\ndata: 10\n\n");
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].data, "YHOO\n+2\n10");
  EXPECT_EQ(parsed.events[0].event, "");
}

TEST(SseParser, TracksIdsAndStripsOnlyOneSpace) {
  auto parsed = parse(
      ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
      "data:  third event\n\n");
  ASSERT_EQ(parsed.events.size(), 3u);
  EXPECT_EQ(parsed.events[0].data, "first event");
  EXPECT_EQ(parsed.events[0].id, "1");
  EXPECT_EQ(parsed.events[1].data, "second event");
  EXPECT_EQ(parsed.events[1].id, "");
  EXPECT_EQ(parsed.events[2].data, " third event");
}

TEST(SseParser, DispatchesEmptyDataButNotAnUnterminatedEvent) {
  auto parsed = parse("data\n\ndata\ndata\n\ndata:");
  ASSERT_EQ(parsed.events.size(), 2u);
  EXPECT_EQ(parsed.events[0].data, "");
  EXPECT_EQ(parsed.events[1].data, "\n");
}

TEST(SseParser, TreatsColonSpaceAndColonAlike) {
  auto parsed = parse("data:test\n\ndata: test\n\n");
  ASSERT_EQ(parsed.events.size(), 2u);
  EXPECT_EQ(parsed.events[0].data, "test");
  EXPECT_EQ(parsed.events[1].data, "test");
}

TEST(SseParser, AcceptsEveryLineEndingAndAnyChunking) {
  const std::string stream =
      "\xEF\xBB\xBF"
      "event: delta\r\ndata: a\rdata: b\r\n\r\nretry: 250\nevent: done\ndata: [DONE]\n\n";
  for (size_t split = 0; split < stream.size(); ++split) {
    auto parsed = parse(stream, split);
    ASSERT_EQ(parsed.events.size(), 2u) << "split at " << split;
    EXPECT_EQ(parsed.events[0].event, "delta");
    EXPECT_EQ(parsed.events[0].data, "a\nb");
    EXPECT_EQ(parsed.events[1].event, "done");
    EXPECT_EQ(parsed.events[1].data, "[DONE]");
    EXPECT_EQ(parsed.events[1].retry_ms, 250u);
  }
}

TEST(SseParser, IgnoresIdsHoldingNul) {
  auto parsed = parse(std::string("id: 7\ndata: x\n\nid: a\0b\ndata: y\n\n", 32));
  ASSERT_EQ(parsed.events.size(), 2u);
  EXPECT_EQ(parsed.events[1].id, "7");
}

TEST(SseParser, RejectsOverlongLines) {
  SseParser parser({.max_line_bytes = 16, .max_event_bytes = 1024});
  auto status = parser.feed("data: " + std::string(64, 'x'), [](const SseEvent&) { return true; });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kResourceExhausted);
}

TEST(SseParser, RejectsOversizedEvents) {
  SseParser parser({.max_line_bytes = 64, .max_event_bytes = 100});
  std::string stream;
  for (int i = 0; i < 10; ++i) stream += "data: 0123456789abcdef\n";
  auto status = parser.feed(stream, [](const SseEvent&) { return true; });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kResourceExhausted);
}

TEST(SseParser, StopsWhenTheHandlerSaysSo) {
  SseParser parser;
  int seen = 0;
  auto status = parser.feed("data: 1\n\ndata: 2\n\n", [&](const SseEvent&) {
    ++seen;
    return false;
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kCancelled);
  EXPECT_EQ(seen, 1);
}

TEST(FormatSseEvent, WritesOneDataLinePerLine) {
  SseEvent event{.event = "delta", .data = "one\ntwo\r\nthree", .id = "9", .retry_ms = 100};
  EXPECT_EQ(format_sse_event(event),
            "event: delta\nid: 9\nretry: 100\ndata: one\ndata: two\ndata: three\n\n");
}

TEST(FormatSseEvent, CannotBeSplitByNewlinesInTheEventName) {
  SseEvent event{.event = "a\nb", .data = "x"};
  auto parsed = parse(format_sse_event(event));
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].event, "ab");
}

TEST(FormatSseEvent, RoundTripsThroughTheParser) {
  SseEvent event{.event = "", .data = "{\"choices\":[]}\n\nsecond paragraph"};
  auto parsed = parse(format_sse_event(event));
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].data, event.data);
}

}  // namespace
}  // namespace cloister::net
