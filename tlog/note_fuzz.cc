// Fuzzes signed-note, vkey and checkpoint parsing: any input parses or fails
// cleanly, and whatever parses re-encodes to exactly the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tlog/checkpoint.h"

namespace {

// The c2sp.org/signed-note example key: a known key exercises verification.
const cloister::tlog::NoteVerifier& known_key() {
  static const auto* key = new cloister::tlog::NoteVerifier(*cloister::tlog::NoteVerifier::parse(
      "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"));
  return *key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cloister::tlog;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto note = parse_note(text); note.ok()) {
    if (format_note(*note) != text) std::abort();
    (void)verified_signers(*note, {&known_key(), 1});
    if (auto checkpoint = parse_checkpoint_text(note->text); checkpoint.ok()) {
      if (format_checkpoint_text(*checkpoint) != note->text) std::abort();
    }
  }
  if (auto vkey = NoteVerifier::parse(text); vkey.ok()) {
    if (vkey->vkey() != text) std::abort();
  }
  (void)parse_signature_lines(text);
  (void)NoteSigner::parse(text);
  return 0;
}
