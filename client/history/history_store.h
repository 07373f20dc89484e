// Encrypted conversation history, synced with the host as versioned blobs.
// Every conversation is one blob, sealed under the account's history key and
// bound to its id and version (blob_cipher.h). A local cache in the state
// directory holds the same ciphertext, so only changed blobs are fetched.
//
// Conflicts (another device wrote a newer version first) are merged when one
// side extends the other, and otherwise surfaced: the other device's copy
// stays as it is and this device's copy is saved as a new conversation
// titled "... (conflicted copy)". Nothing is ever silently overwritten.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "client/account/host_client.h"
#include "client/history/conversation.h"
#include "client/keys/account_keys.h"

namespace cloister::client {

struct SaveOutcome {
  std::string id;                  // where this device's copy now lives
  std::vector<std::string> notes;  // merges and conflicts, for the user
};

class HistoryStore {
 public:
  // `host` (signed in) and `keys` must outlive the store.
  HistoryStore(HostClient& host, const AccountKeys& keys, std::filesystem::path cache_dir);

  // Brings the cache up to date with the host's change feed.
  Status sync();
  // Returns every conversation in the cache, newest first (call sync() first).
  Result<std::vector<Conversation>> list();
  // Loads a conversation by id, or by a unique id prefix or exact title.
  Result<Conversation> load(std::string_view id_or_title);
  // Stores `conversation` (new when version is 0), merging with or surfacing a
  // newer remote version; updates its version (and id, if it had to move).
  Result<SaveOutcome> save(Conversation& conversation);
  // Deletes a conversation at the host and from the cache.
  Status remove(const Conversation& conversation);

  // An encrypted export: the sealed blobs, openable only with this account's
  // history key. Returns the file's bytes.
  Result<std::string> export_encrypted();
  // A plaintext export (JSON of every conversation).
  Result<std::string> export_plaintext();
  // Imports either export; conversations that already exist are merged as a
  // save() would. Returns how many conversations were imported.
  Result<size_t> import(std::string_view file);

 private:
  Result<Conversation> open(const std::string& id, uint64_t version, ByteSpan sealed) const;
  Bytes seal(const Conversation& conversation, uint64_t version) const;
  Status write_cache(const std::string& id, uint64_t version, ByteSpan sealed);
  Result<Conversation> read_cache(const std::string& id) const;
  void drop_cache(const std::string& id);

  HostClient& host_;
  const AccountKeys& keys_;
  std::filesystem::path cache_dir_;
};

}  // namespace cloister::client
