#include "tlog/checkpoint.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "tlog/witness.h"

namespace cloister::tlog {
namespace {

// The example checkpoint of c2sp.org/tlog-checkpoint.
constexpr std::string_view kSpecCheckpoint =
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\xe2\x80\x94 example.com/behind-the-sofa "
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
    "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

TEST(Checkpoint, ParsesTheSpecExample) {
  auto note = parse_note(kSpecCheckpoint);
  ASSERT_TRUE(note.ok()) << note.error().message();
  auto checkpoint = parse_checkpoint_text(note->text);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message();
  EXPECT_EQ(checkpoint->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(checkpoint->size, 20852163u);
  EXPECT_EQ(base64_encode(checkpoint->root), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  EXPECT_TRUE(checkpoint->extensions.empty());
  EXPECT_EQ(format_checkpoint_text(*checkpoint), note->text);
}

TEST(Checkpoint, RejectsMalformedText) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  for (const std::string& text : {
           std::string("origin\n5\n"),
           "\n5\n" + root + "\n",
           "origin\n05\n" + root + "\n",
           "origin\n-5\n" + root + "\n",
           "origin\n+5\n" + root + "\n",
           "origin\n18446744073709551616\n" + root + "\n",
           std::string("origin\n5\nAAAA\n"),
           "origin\n5\n" + root,
           "origin\n5\n" + root + "\n\n",
       }) {
    EXPECT_FALSE(parse_checkpoint_text(text).ok()) << text;
  }
  auto with_extension = parse_checkpoint_text("origin\n0\n" + root + "\nextra line\n");
  ASSERT_TRUE(with_extension.ok());
  EXPECT_EQ(with_extension->extensions, std::vector<std::string>{"extra line"});
  EXPECT_EQ(parse_checkpoint_text("o\n18446744073709551615\n" + root + "\n")->size, UINT64_MAX);
}

TEST(Checkpoint, OpenRequiresTheLogKeyAndMatchingOrigin) {
  auto log = *NoteSigner::generate("log.example/a", KeyType::kEd25519);
  auto other = *NoteSigner::generate("log.example/a", KeyType::kEd25519);
  Checkpoint checkpoint{"log.example/a", 3, leaf_hash(to_bytes("x")), {}};
  Note note{format_checkpoint_text(checkpoint), {log.sign(format_checkpoint_text(checkpoint))}};
  auto opened = open_checkpoint(format_note(note), log.verifier());
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(opened->checkpoint, checkpoint);
  EXPECT_FALSE(open_checkpoint(format_note(note), other.verifier()).ok());

  auto renamed = *NoteSigner::generate("log.example/b", KeyType::kEd25519);
  Note wrong_origin{note.text, {renamed.sign(note.text)}};
  EXPECT_FALSE(open_checkpoint(format_note(wrong_origin), renamed.verifier()).ok());
}

TEST(TlogProof, RoundTripsAndRejectsDeviations) {
  TlogProof proof;
  proof.extra = to_bytes("age-v1.2.1");
  proof.index = 73894;
  proof.inclusion = {leaf_hash(to_bytes("a")), leaf_hash(to_bytes("b"))};
  proof.checkpoint = std::string(kSpecCheckpoint);
  std::string text = format_tlog_proof(proof);
  EXPECT_TRUE(text.starts_with("c2sp.org/tlog-proof@v1\nextra "));
  auto parsed = parse_tlog_proof(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->extra, proof.extra);
  EXPECT_EQ(parsed->index, proof.index);
  EXPECT_EQ(parsed->inclusion, proof.inclusion);
  EXPECT_EQ(parsed->checkpoint, proof.checkpoint);
  EXPECT_EQ(format_tlog_proof(*parsed), text);

  proof.extra.reset();
  EXPECT_TRUE(parse_tlog_proof(format_tlog_proof(proof)).ok());
  std::string good = format_tlog_proof(proof);
  EXPECT_FALSE(parse_tlog_proof("c2sp.org/tlog-proof@v2" + good.substr(22)).ok());
  EXPECT_FALSE(parse_tlog_proof(good.substr(0, good.find("\n\n"))).ok());
  std::string no_index = good;
  no_index.replace(no_index.find("index"), 5, "INDEX");
  EXPECT_FALSE(parse_tlog_proof(no_index).ok());
  std::string bad_checkpoint = good;
  bad_checkpoint.replace(bad_checkpoint.find("20852163"), 8, "x");
  EXPECT_FALSE(parse_tlog_proof(bad_checkpoint).ok());
}

// c2sp.org/tlog-witness: the example add-checkpoint request body.
TEST(Witness, ParsesTheSpecAddCheckpointRequest) {
  std::string body =
      "old 20852014\n"
      "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
      "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
      "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
      "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
      "\n" +
      std::string(kSpecCheckpoint);
  auto request = parse_add_checkpoint_request(body);
  ASSERT_TRUE(request.ok()) << request.error().message();
  EXPECT_EQ(request->old_size, 20852014u);
  ASSERT_EQ(request->consistency_proof.size(), 4u);
  EXPECT_EQ(base64_encode(request->consistency_proof[3]),
            "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=");
  EXPECT_EQ(request->checkpoint, kSpecCheckpoint);
  EXPECT_EQ(format_add_checkpoint_request(*request), body);
  EXPECT_FALSE(parse_add_checkpoint_request("old 01\n\n" + std::string(kSpecCheckpoint)).ok());
  EXPECT_FALSE(parse_add_checkpoint_request("new 1\n\n" + std::string(kSpecCheckpoint)).ok());
  EXPECT_FALSE(parse_add_checkpoint_request("old 1\nnot base64\n\n").ok());
}

}  // namespace
}  // namespace cloister::tlog
