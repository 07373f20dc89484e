// History sync against a real host (in-process HostService on SQLite): two
// devices of one account see each other's conversations; concurrent edits
// merge when one extends the other and are otherwise kept as a conflicted
// copy; a conversation deleted elsewhere while edited here is kept; a blob
// the host swapped or replayed is refused.
#include "client/history/history_store.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "client/keys/account_keys.h"
#include "enclave/testing/release_fixture.h"
#include "host/testing/host_harness.h"

namespace cloister::client {
namespace {

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

class HistorySyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host::HostConfig config = host::testing::test_config(dir_.path());
    config.port = free_port();
    config.auth.origin = "http://127.0.0.1:" + std::to_string(config.port);
    auto started = host::testing::start_host(config);
    ASSERT_TRUE(started.ok()) << started.error().message();
    host_ = std::move(*started);
    // The host checks signatures against its configured origin.
    origin_ = config.auth.origin;
    root_ = generate_root_secret();
    auto keys = derive_account_keys(root_);
    ASSERT_TRUE(keys.ok());
    keys_ = std::move(*keys);
    for (auto* client : {&a_, &b_}) {
      auto made = HostClient::create(host::testing::origin_of(*host_));
      ASSERT_TRUE(made.ok());
      *client = std::move(*made);
    }
  }

  void sign_in(HostClient& client) { ASSERT_TRUE(client.sign_in(keys_.identity).ok()); }

  HistoryMessage user(std::string text) { return {"user", std::move(text), 1, ""}; }
  HistoryMessage assistant(std::string text) { return {"assistant", std::move(text), 2, ""}; }

  enclave::testing::TempDir dir_;
  std::unique_ptr<host::HostService> host_;
  std::string origin_;
  crypto::SecretBytes root_;
  AccountKeys keys_;
  std::unique_ptr<HostClient> a_;
  std::unique_ptr<HostClient> b_;
};

TEST_F(HistorySyncTest, TwoDevicesMergeOrKeepBothNeverLoseAnything) {
  sign_in(*a_);
  sign_in(*b_);
  HistoryStore device_a(*a_, keys_, dir_.path() / "a");
  HistoryStore device_b(*b_, keys_, dir_.path() / "b");

  Conversation conversation;
  conversation.title = "Trip";
  conversation.messages = {user("Plan a trip"), assistant("Go north")};
  ASSERT_TRUE(device_a.save(conversation).ok());
  ASSERT_TRUE(device_b.sync().ok());
  auto on_b = device_b.load("Trip");
  ASSERT_TRUE(on_b.ok()) << on_b.error().message();
  EXPECT_EQ(on_b->messages, conversation.messages);

  // B extends it; A, unaware, renames it: A's save merges B's turns in.
  on_b->messages.push_back(user("How cold?"));
  ASSERT_TRUE(device_b.save(*on_b).ok());
  conversation.title = "Trip north";
  auto merged = device_a.save(conversation);
  ASSERT_TRUE(merged.ok()) << merged.error().message();
  EXPECT_FALSE(merged->notes.empty());
  EXPECT_EQ(conversation.messages.size(), 3u);
  ASSERT_TRUE(device_b.sync().ok());
  auto both = device_b.load(conversation.id);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->title, "Trip north");
  EXPECT_EQ(both->messages.size(), 3u);

  // Both add different turns: B's stays, A's becomes a conflicted copy.
  both->messages.push_back(user("B's question"));
  ASSERT_TRUE(device_b.save(*both).ok());
  conversation.messages.push_back(user("A's question"));
  auto conflicted = device_a.save(conversation);
  ASSERT_TRUE(conflicted.ok()) << conflicted.error().message();
  EXPECT_NE(conflicted->id, both->id);
  ASSERT_EQ(conflicted->notes.size(), 1u);
  EXPECT_NE(conflicted->notes[0].find("conflicted copy"), std::string::npos);
  ASSERT_TRUE(device_b.sync().ok());
  auto all = device_b.list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  bool saw_a = false;
  bool saw_b = false;
  for (const Conversation& c : *all) {
    saw_a = saw_a || c.messages.back().content == "A's question";
    saw_b = saw_b || c.messages.back().content == "B's question";
  }
  EXPECT_TRUE(saw_a && saw_b);

  // Deleted on B while A edits: A's edit survives as a new conversation.
  auto original = device_b.load(both->id);
  ASSERT_TRUE(original.ok());
  ASSERT_TRUE(device_b.remove(*original).ok());
  ASSERT_TRUE(device_a.sync().ok());
  Conversation stale = *original;
  stale.messages.push_back(assistant("edited offline"));
  auto kept = device_a.save(stale);
  ASSERT_TRUE(kept.ok()) << kept.error().message();
  EXPECT_NE(kept->id, original->id);
  EXPECT_FALSE(kept->notes.empty());
}

TEST_F(HistorySyncTest, RefusesABlobTheHostMovedToAnotherId) {
  sign_in(*a_);
  HistoryStore device(*a_, keys_, dir_.path() / "a");
  Conversation first;
  first.title = "one";
  first.messages = {user("1")};
  ASSERT_TRUE(device.save(first).ok());
  // The host (here: anyone with the token) copies the ciphertext to another id.
  auto blob = a_->get_blob(first.id);
  ASSERT_TRUE(blob.ok());
  const std::string moved = new_conversation_id();
  ASSERT_TRUE(a_->create_blob(moved, blob->data).ok());
  auto synced = device.sync();
  ASSERT_FALSE(synced.ok());
  EXPECT_EQ(synced.error().code(), ErrorCode::kRejected) << synced.error().message();
}

TEST(Conversation, ParsesOnlyWhatItWrites) {
  Conversation conversation;
  conversation.id = new_conversation_id();
  conversation.title = "t";
  conversation.messages = {{"user", "hi", 1, ""}, {"assistant", "hello", 2, "UkVD"}};
  auto parsed = conversation_from_json(conversation_to_json(conversation));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->messages, conversation.messages);
  auto bad = conversation_to_json(conversation);
  bad["messages"][0]["role"] = "system";
  EXPECT_FALSE(conversation_from_json(bad).ok());
  bad = conversation_to_json(conversation);
  bad["id"] = "../etc";
  EXPECT_FALSE(conversation_from_json(bad).ok());
  bad = conversation_to_json(conversation);
  bad["format"] = 77777777777777;  // once threw from inside the parser (found by fuzzing)
  EXPECT_FALSE(conversation_from_json(bad).ok());
  EXPECT_EQ(title_from("a\nb"), "a b");
  EXPECT_EQ(title_from(std::string(100, 'x')).size(), 60u);
}

}  // namespace
}  // namespace cloister::client
