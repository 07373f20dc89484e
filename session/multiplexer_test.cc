#include "session/multiplexer.h"

#include <gtest/gtest.h>

namespace cloister::session {
namespace {

Limits small_limits() {
  Limits limits;
  limits.chunk_size = 4;
  limits.max_message_size = 64;
  limits.max_chunks_per_message = 20;
  limits.max_concurrent_streams = 3;
  limits.max_buffered_bytes = 100;
  return limits;
}

class MultiplexerTest : public ::testing::Test {
 protected:
  // Delivers `frames` to `to`, bounces its replies back, and returns the
  // events `to` produced. Fails the test on a protocol error.
  std::vector<Event> deliver(const std::vector<Frame>& frames, Multiplexer& to, Multiplexer& from) {
    std::vector<Event> events;
    for (const Frame& frame : frames) {
      auto inbound = to.on_frame(frame);
      EXPECT_TRUE(inbound.ok()) << inbound.error().message();
      if (!inbound.ok()) return events;
      if (inbound->event) events.push_back(*inbound->event);
      for (const Frame& reply : inbound->replies) {
        auto back = from.on_frame(reply);
        EXPECT_TRUE(back.ok()) << back.error().message();
        if (back.ok() && back->event) bounced_.push_back(*back->event);
      }
    }
    return events;
  }

  Multiplexer client_{Side::kClient, small_limits()};
  Multiplexer server_{Side::kServer, small_limits()};
  std::vector<Event> bounced_;
};

TEST_F(MultiplexerTest, ChunksAndReassemblesAWholeExchange) {
  auto [id, frames] = *client_.request(as_bytes("a request of 30 bytes, chunked"));
  EXPECT_EQ(id, 1u);
  ASSERT_EQ(frames.size(), 8u);
  EXPECT_FALSE(frames[0].fin);
  EXPECT_TRUE(frames.back().fin);
  EXPECT_EQ(frames[7].chunk_index, 7u);
  auto events = deliver(frames, server_, client_);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::kRequest);
  EXPECT_EQ(events[0].body, to_bytes("a request of 30 bytes, chunked"));

  std::vector<Event> at_client;
  for (auto frames_for :
       {*server_.response_start(id, as_bytes("head")),
        *server_.stream_delta(id, as_bytes("delta one")), *server_.stream_delta(id, {}),
        *server_.response_end(id, as_bytes("receipt"))}) {
    for (auto& event : deliver(frames_for, client_, server_)) at_client.push_back(event);
  }
  ASSERT_EQ(at_client.size(), 4u);
  EXPECT_EQ(at_client[0].kind, EventKind::kResponseStart);
  EXPECT_EQ(at_client[1].body, to_bytes("delta one"));
  EXPECT_EQ(at_client[2].body, Bytes{});
  EXPECT_EQ(at_client[3].kind, EventKind::kResponseEnd);
  EXPECT_EQ(at_client[3].body, to_bytes("receipt"));
  EXPECT_EQ(client_.open_streams(), 0u);
  EXPECT_EQ(server_.open_streams(), 0u);
}

TEST_F(MultiplexerTest, InterleavesChunksOfDifferentStreams) {
  auto first = *client_.request(as_bytes("first request!"));
  auto second = *client_.request(as_bytes("second request"));
  std::vector<Frame> interleaved;
  for (size_t i = 0; i < first.second.size(); ++i) {
    interleaved.push_back(first.second[i]);
    interleaved.push_back(second.second[i]);
  }
  auto events = deliver(interleaved, server_, client_);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].stream_id, 1u);
  EXPECT_EQ(events[0].body, to_bytes("first request!"));
  EXPECT_EQ(events[1].stream_id, 2u);
  EXPECT_EQ(events[1].body, to_bytes("second request"));
}

TEST_F(MultiplexerTest, CancelEndsStreamOnBothSides) {
  auto [id, frames] = *client_.request(as_bytes("long job"));
  deliver(frames, server_, client_);
  deliver(*server_.response_start(id, as_bytes("h")), client_, server_);
  auto events = deliver({*client_.cancel(id)}, server_, client_);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::kCancelled);
  // The server's automatic confirmation reached the client as the terminal event.
  ASSERT_EQ(bounced_.size(), 1u);
  EXPECT_EQ(bounced_[0].kind, EventKind::kStreamError);
  EXPECT_EQ(bounced_[0].error_code, static_cast<uint16_t>(WireError::kCancelled));
  EXPECT_EQ(server_.stream_delta(id, as_bytes("late")).error().code(), ErrorCode::kCancelled);
  EXPECT_EQ(client_.open_streams(), 0u);
  EXPECT_EQ(server_.open_streams(), 0u);
}

// The server ended the stream while the client's cancel was in flight.
TEST_F(MultiplexerTest, CancelRacingTheEndIsHarmless) {
  auto [id, frames] = *client_.request(as_bytes("quick"));
  deliver(frames, server_, client_);
  auto start = *server_.response_start(id, as_bytes("h"));
  auto end = *server_.response_end(id, as_bytes("done"));
  Frame cancel = *client_.cancel(id);
  deliver(start, client_, server_);  // dropped: the stream is cancelled
  auto ended = deliver(end, client_, server_);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].kind, EventKind::kResponseEnd);
  EXPECT_TRUE(deliver({cancel}, server_, client_).empty());
}

TEST_F(MultiplexerTest, RejectsReorderedChunks) {
  auto [id, frames] = *client_.request(as_bytes("twelve bytes"));
  std::swap(frames[1], frames[2]);
  ASSERT_TRUE(server_.on_frame(frames[0]).ok());
  auto reordered = server_.on_frame(frames[1]);
  ASSERT_FALSE(reordered.ok());
  EXPECT_EQ(reordered.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(reordered.error().message().find("chunk 2 arrived where chunk 1 was expected"),
            std::string::npos);
}

TEST_F(MultiplexerTest, RejectsOutOfOrderMessages) {
  auto [id, frames] = *client_.request(as_bytes("x"));
  deliver(frames, server_, client_);
  // A delta before the response head.
  Frame early{FrameType::kStreamDelta, true, id, 0, to_bytes("d")};
  EXPECT_EQ(client_.on_frame(early).error().code(), ErrorCode::kMalformed);
}

TEST_F(MultiplexerTest, RejectsFramesForStreamsThatAreNotOpen) {
  Frame stray{FrameType::kResponseStart, true, 9, 0, {}};
  EXPECT_FALSE(client_.on_frame(stray).ok());
  Frame cancel_unopened{FrameType::kCancel, true, 5, 0, {}};
  EXPECT_FALSE(server_.on_frame(cancel_unopened).ok());
}

TEST_F(MultiplexerTest, RejectsReusedStreamIds) {
  Frame request{FrameType::kRequest, true, 4, 0, to_bytes("r")};
  ASSERT_TRUE(server_.on_frame(request).ok());
  EXPECT_FALSE(server_.on_frame(request).ok());  // stream 4 is open and complete
  Frame lower{FrameType::kRequest, true, 3, 0, to_bytes("r")};
  Multiplexer fresh(Side::kServer, small_limits());
  ASSERT_TRUE(fresh.on_frame(request).ok());
  EXPECT_FALSE(fresh.on_frame(lower).ok());
}

TEST_F(MultiplexerTest, RejectsFramesSentTheWrongWay) {
  EXPECT_FALSE(client_.on_frame(Frame{FrameType::kRequest, true, 1, 0, {}}).ok());
  EXPECT_FALSE(server_.on_frame(Frame{FrameType::kResponseEnd, true, 1, 0, {}}).ok());
  EXPECT_FALSE(client_.on_frame(Frame{FrameType::kCancel, true, 1, 0, {}}).ok());
}

TEST_F(MultiplexerTest, RejectsAnInterruptedChunkedMessage) {
  Multiplexer server(Side::kServer, small_limits());
  Frame part{FrameType::kRequest, false, 1, 0, to_bytes("abcd")};
  Frame cancel{FrameType::kCancel, true, 1, 0, {}};
  ASSERT_TRUE(server.on_frame(part).ok());
  // A cancel mid-request is allowed and drops the partial request...
  auto cancelled = server.on_frame(cancel);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->event->kind, EventKind::kCancelled);
  // ...but a different message type inside a chunked one is not.
  auto [id, frames] = *client_.request(as_bytes("0123456789"));
  deliver(frames, server_, client_);
  auto start = *server_.response_start(id, as_bytes("0123456789"));
  ASSERT_TRUE(client_.on_frame(start[0]).ok());
  Frame delta{FrameType::kStreamDelta, true, id, 0, to_bytes("d")};
  EXPECT_FALSE(client_.on_frame(delta).ok());
}

TEST_F(MultiplexerTest, EnforcesMessageSizeAndChunkCount) {
  EXPECT_EQ(client_.request(Bytes(65)).error().code(), ErrorCode::kInvalidArgument);
  Multiplexer server(Side::kServer, small_limits());
  for (uint32_t i = 0; i < 16; ++i) {
    ASSERT_TRUE(server.on_frame(Frame{FrameType::kRequest, false, 1, i, Bytes(4)}).ok());
  }
  auto oversized = server.on_frame(Frame{FrameType::kRequest, false, 1, 16, Bytes(4)});
  ASSERT_FALSE(oversized.ok());
  EXPECT_EQ(oversized.error().code(), ErrorCode::kResourceExhausted);

  Multiplexer counting(Side::kServer, small_limits());
  for (uint32_t i = 0; i < 20; ++i) {
    ASSERT_TRUE(counting.on_frame(Frame{FrameType::kRequest, false, 1, i, Bytes(1)}).ok());
  }
  EXPECT_EQ(counting.on_frame(Frame{FrameType::kRequest, true, 1, 20, Bytes(1)}).error().code(),
            ErrorCode::kResourceExhausted);
}

TEST_F(MultiplexerTest, EnforcesBufferedBytesAcrossStreams) {
  Limits limits = small_limits();
  limits.max_buffered_bytes = 80;
  Multiplexer server(Side::kServer, limits);
  for (StreamId id = 1; id <= 3; ++id) {
    for (uint32_t i = 0; i < 8; ++i) {
      auto accepted = server.on_frame(Frame{FrameType::kRequest, false, id, i, Bytes(4)});
      if (id == 3 && i == 4) {
        ASSERT_FALSE(accepted.ok());  // 21 partial chunks of 4 bytes pass 80
        EXPECT_EQ(accepted.error().code(), ErrorCode::kResourceExhausted);
        return;
      }
      ASSERT_TRUE(accepted.ok());
    }
  }
  FAIL() << "the buffer limit never triggered";
}

TEST_F(MultiplexerTest, EnforcesConcurrentStreamLimit) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client_.request(as_bytes("r")).ok());
  EXPECT_EQ(client_.request(as_bytes("r")).error().code(), ErrorCode::kResourceExhausted);
  for (StreamId id = 1; id <= 3; ++id) {
    ASSERT_TRUE(server_.on_frame(Frame{FrameType::kRequest, true, id, 0, {}}).ok());
  }
  EXPECT_EQ(server_.on_frame(Frame{FrameType::kRequest, true, 4, 0, {}}).error().code(),
            ErrorCode::kResourceExhausted);
}

TEST_F(MultiplexerTest, AnswersPingsAndChecksPongs) {
  PingPayload payload = {1, 2, 3, 4, 5, 6, 7, 8};
  Frame ping = *client_.ping(payload);
  deliver({ping}, server_, client_);
  ASSERT_EQ(bounced_.size(), 1u);
  EXPECT_EQ(bounced_[0].kind, EventKind::kPong);
  EXPECT_EQ(bounced_[0].body, to_bytes(payload));
  Frame unsolicited{FrameType::kPong, true, 0, 0, to_bytes(payload)};
  EXPECT_FALSE(client_.on_frame(unsolicited).ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(server_.ping(payload).ok());
  EXPECT_EQ(server_.ping(payload).error().code(), ErrorCode::kResourceExhausted);
}

TEST_F(MultiplexerTest, SessionErrorFromPeerEndsWithItsCode) {
  Frame goodbye = *server_.session_error(static_cast<uint16_t>(WireError::kTooLarge), "limit");
  auto result = client_.on_frame(goodbye);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(result.error().message().find("limit"), std::string::npos);
}

TEST_F(MultiplexerTest, ServerRefusesResponsesOutOfOrder) {
  auto [id, frames] = *client_.request(as_bytes("r"));
  EXPECT_EQ(server_.response_start(id, {}).error().code(), ErrorCode::kFailedPrecondition);
  deliver(frames, server_, client_);
  EXPECT_EQ(server_.stream_delta(id, {}).error().code(), ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(server_.response_start(id, {}).ok());
  EXPECT_EQ(server_.response_start(id, {}).error().code(), ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(server_.stream_error(id, 0x0100, "model failed").ok());
  EXPECT_EQ(server_.response_end(id, {}).error().code(), ErrorCode::kCancelled);
  EXPECT_EQ(client_.cancel(99).error().code(), ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace cloister::session
