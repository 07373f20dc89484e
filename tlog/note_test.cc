#include "tlog/note.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace cloister::tlog {
namespace {

// The example verifier key and note from c2sp.org/signed-note ("Example").
constexpr std::string_view kSpecVkey =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr std::string_view kSpecNote =
    "This is an example message.\n"
    "\n"
    "\xe2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
    "\n";
// The introductory example of c2sp.org/signed-note (no key is published for it).
constexpr std::string_view kSpecPoemNote =
    "Ognuno sta solo sul cuor della terra\n"
    "trafitto da un raggio di sole:\n"
    "\n"
    "ed \xc3\xa8 subito sera.\n"
    "\n"
    "\xe2\x80\x94 quasimodo.example/salvatore "
    "NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc="
    "\n";

std::string replace(std::string text, std::string_view from, std::string_view to) {
  size_t at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(Note, SpecExampleVerifiesUnderSpecKey) {
  auto verifier = NoteVerifier::parse(kSpecVkey);
  ASSERT_TRUE(verifier.ok()) << verifier.error().message();
  EXPECT_EQ(verifier->name(), "example.com/foo");
  EXPECT_EQ(verifier->key_id(), 0x530d903au);
  EXPECT_EQ(verifier->type(), KeyType::kEd25519);
  EXPECT_EQ(verifier->vkey(), kSpecVkey);

  auto note = parse_note(kSpecNote);
  ASSERT_TRUE(note.ok()) << note.error().message();
  EXPECT_EQ(note->text, "This is an example message.\n");
  ASSERT_EQ(note->signatures.size(), 1u);
  EXPECT_EQ(note->signatures[0].name, "example.com/foo");
  EXPECT_EQ(note->signatures[0].key_id, 0x530d903au);
  EXPECT_EQ(note->signatures[0].signature.size(), 64u);
  auto signers = verified_signers(*note, {&*verifier, 1});
  ASSERT_TRUE(signers.ok());
  EXPECT_EQ(*signers, std::vector<size_t>{0});
  EXPECT_EQ(format_note(*note), kSpecNote);
}

TEST(Note, SpecPoemParsesWithTheLastBlankLineAsSeparator) {
  auto note = parse_note(kSpecPoemNote);
  ASSERT_TRUE(note.ok()) << note.error().message();
  EXPECT_EQ(note->text,
            "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\n"
            "ed \xc3\xa8 subito sera.\n");
  ASSERT_EQ(note->signatures.size(), 1u);
  EXPECT_EQ(note->signatures[0].name, "quasimodo.example/salvatore");
  EXPECT_EQ(format_note(*note), kSpecPoemNote);
}

TEST(Note, RejectsATamperedTextOrSignature) {
  auto verifier = *NoteVerifier::parse(kSpecVkey);
  auto altered_text =
      parse_note(replace(std::string(kSpecNote), "example message", "exemplary message"));
  ASSERT_TRUE(altered_text.ok());
  EXPECT_FALSE(verified_signers(*altered_text, {&verifier, 1}).ok());

  auto note = *parse_note(kSpecNote);
  note.signatures[0].signature[10] ^= 0x01;
  auto result = verified_signers(note, {&verifier, 1});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kRejected);
}

TEST(Note, IgnoresSignaturesFromUnknownKeys) {
  auto verifier = *NoteVerifier::parse(kSpecVkey);
  auto other = *NoteSigner::generate("example.com/foo", KeyType::kEd25519);  // same name, other id
  auto stranger = *NoteSigner::generate("example.com/bar", KeyType::kEd25519);
  auto note = *parse_note(kSpecNote);
  note.signatures.insert(note.signatures.begin(), other.sign(note.text));
  note.signatures.push_back(stranger.sign("another text\n"));  // would not verify, but is unknown
  auto signers = verified_signers(note, {&verifier, 1});
  ASSERT_TRUE(signers.ok()) << signers.error().message();
  EXPECT_EQ(signers->size(), 1u);

  // Only unknown keys: nothing verified.
  auto alone = *parse_note(kSpecNote);
  auto none = verified_signers(alone, {&stranger.verifier(), 1});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // A key with the same id but another name is also unknown.
  Note renamed = alone;
  renamed.signatures[0].name = "example.com/foo2";
  auto renamed_signers = verified_signers(renamed, {&verifier, 1});
  ASSERT_TRUE(renamed_signers.ok());
  EXPECT_TRUE(renamed_signers->empty());
}

TEST(Note, RejectsMalformedNotes) {
  std::string good(kSpecNote);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"no blank line", replace(good, "\n\n", "\n")},
      {"no final newline", good.substr(0, good.size() - 1)},
      {"no signatures", "text\n\n"},
      {"empty input", ""},
      {"control character", replace(good, "example", "exa\tmple")},
      {"carriage return", replace(good, "message.\n", "message.\r\n")},
      {"invalid UTF-8", replace(good, "example",
                                "exa\xff"
                                "mple")},
      {"hyphen instead of em dash", replace(good, "\xe2\x80\x94", "-")},
      {"bad base64", replace(good, "Uw2Q", "U!2Q")},
      {"space inside the signature", "text\n\n\xe2\x80\x94 example.com/foo U w2QOg==\n"},
      {"no signature bytes", "text\n\n\xe2\x80\x94 example.com/foo Uw2QOg==\n"},
      {"empty key name", replace(good, "example.com/foo ", " ")},
      {"plus in key name", replace(good, "example.com/foo ", "example.com+foo ")},
      {"blank signature line", good + "\n"},
      {"trailing garbage line", good + "not a signature\n"},
  };
  for (const auto& [what, text] : cases) {
    EXPECT_FALSE(parse_note(text).ok()) << what;
  }
  std::string many = "text\n\n";
  auto signer = *NoteSigner::generate("example.com/k", KeyType::kEd25519);
  for (size_t i = 0; i <= kMaxNoteSignatures; ++i)
    many += format_signature_line(signer.sign("text\n"));
  auto too_many = parse_note(many);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_FALSE(parse_note(std::string(kMaxNoteSize + 1, 'a')).ok());
}

TEST(Note, RejectsMalformedVkeys) {
  EXPECT_FALSE(NoteVerifier::parse("example.com/foo+530d903a").ok());
  EXPECT_FALSE(NoteVerifier::parse("+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k").ok());
  EXPECT_FALSE(
      NoteVerifier::parse("example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
          .ok());
  EXPECT_FALSE(
      NoteVerifier::parse("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2")
          .ok());
  // A key id that does not match the name.
  auto wrong_id =
      NoteVerifier::parse("example.com/fox+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
  ASSERT_FALSE(wrong_id.ok());
  EXPECT_EQ(wrong_id.error().code(), ErrorCode::kRejected);
  // An unknown signature type (0x02, ECDSA) is unsupported.
  Bytes material = *base64_decode("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
  material[0] = 0x02;
  auto ecdsa = NoteVerifier::parse("example.com/foo+530d903a+" + base64_encode(material));
  ASSERT_FALSE(ecdsa.ok());
  EXPECT_EQ(ecdsa.error().code(), ErrorCode::kUnsupported);
}

TEST(Note, SignerKeysRoundTripAndSign) {
  auto signer = NoteSigner::generate("log.example/releases", KeyType::kEd25519);
  ASSERT_TRUE(signer.ok());
  auto encoded = signer->encode();
  std::string text = to_string(encoded.span());
  EXPECT_TRUE(text.starts_with("PRIVATE+KEY+log.example/releases+"));
  auto reparsed = NoteSigner::parse(text);
  ASSERT_TRUE(reparsed.ok()) << reparsed.error().message();
  EXPECT_EQ(reparsed->verifier().vkey(), signer->verifier().vkey());
  auto verifier = NoteVerifier::parse(signer->verifier().vkey());
  ASSERT_TRUE(verifier.ok());
  Note note{"hello\n", {reparsed->sign("hello\n")}};
  auto signers = verified_signers(*parse_note(format_note(note)), {&*verifier, 1});
  ASSERT_TRUE(signers.ok());
  EXPECT_EQ(signers->size(), 1u);
  EXPECT_FALSE(NoteSigner::parse("PRIVATE+KEY+x+00000000+AQ==").ok());
  EXPECT_FALSE(NoteSigner::generate("has space", KeyType::kEd25519).ok());
}

// c2sp.org/tlog-cosignature: the example cosignature line and signed message.
TEST(Note, CosignatureFormatMatchesSpec) {
  std::string text =
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  EXPECT_EQ(cosignature_message(text, 1679315147),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  auto lines = parse_signature_lines(
      "\xe2\x80\x94 witness.example.com/w1 "
      "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/"
      "zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n");
  ASSERT_TRUE(lines.ok()) << lines.error().message();
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ(cosignature_timestamp((*lines)[0].signature), 1679315147u);

  auto witness = *NoteSigner::generate("witness.example/w1", KeyType::kCosignatureV1);
  NoteSignature cosignature = witness.sign(text, 1700000000);
  EXPECT_EQ(cosignature.signature.size(), 72u);
  EXPECT_EQ(cosignature_timestamp(cosignature.signature), 1700000000u);
  EXPECT_TRUE(witness.verifier().verify(text, cosignature.signature));
  EXPECT_FALSE(witness.verifier().verify(text + "x\n", cosignature.signature));
  // The timestamp is signed: changing it breaks the signature.
  cosignature.signature[7] ^= 1;
  EXPECT_FALSE(witness.verifier().verify(text, cosignature.signature));
  // A cosignature key's id differs from an Ed25519 key's for the same name and key.
  EXPECT_NE(compute_key_id("w", KeyType::kCosignatureV1, witness.verifier().public_key()),
            compute_key_id("w", KeyType::kEd25519, witness.verifier().public_key()));
}

}  // namespace
}  // namespace cloister::tlog
