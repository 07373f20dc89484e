#include "client/history/history_store.h"

#include <algorithm>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/files.h"
#include "base/json_fields.h"
#include "client/history/blob_cipher.h"

namespace cloister::client {
namespace {

using nlohmann::json;

constexpr std::string_view kExportFormat = "cloister/history-export/v1";
constexpr std::string_view kPlainExportFormat = "cloister/history-plaintext/v1";
constexpr int kMaxSaveAttempts = 8;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             system_clock().now().time_since_epoch())
      .count();
}

bool is_prefix(const std::vector<HistoryMessage>& shorter,
               const std::vector<HistoryMessage>& longer) {
  if (shorter.size() > longer.size()) return false;
  return std::equal(shorter.begin(), shorter.end(), longer.begin(),
                    [](const HistoryMessage& a, const HistoryMessage& b) {
                      return a.role == b.role && a.content == b.content;
                    });
}

}  // namespace

HistoryStore::HistoryStore(HostClient& host, const AccountKeys& keys,
                           std::filesystem::path cache_dir)
    : host_(host), keys_(keys), cache_dir_(std::move(cache_dir)) {}

Result<Conversation> HistoryStore::open(const std::string& id, uint64_t version,
                                        ByteSpan sealed) const {
  BlobBinding binding{keys_.identity.public_key, id, version};
  Result<Bytes> plaintext = open_blob(keys_.history_key, binding, sealed);
  if (!plaintext.ok()) return plaintext.error().with_context("history blob " + id);
  json value = json::parse(to_string(*plaintext), nullptr, false);
  CLOISTER_ASSIGN_OR_RETURN(Conversation conversation, conversation_from_json(value));
  if (conversation.id != id)
    return Error(ErrorCode::kRejected, "history blob " + id + " names another id");
  conversation.version = version;
  return conversation;
}

Bytes HistoryStore::seal(const Conversation& conversation, uint64_t version) const {
  BlobBinding binding{keys_.identity.public_key, conversation.id, version};
  return seal_blob(keys_.history_key, binding, as_bytes(conversation_to_json(conversation).dump()));
}

Status HistoryStore::write_cache(const std::string& id, uint64_t version, ByteSpan sealed) {
  std::error_code ec;
  std::filesystem::create_directories(cache_dir_, ec);
  Bytes record(8);
  for (int i = 0; i < 8; ++i) record[i] = static_cast<uint8_t>(version >> (56 - 8 * i));
  record.insert(record.end(), sealed.begin(), sealed.end());
  return write_file_atomically(cache_dir_ / id, record, 0600);
}

Result<Conversation> HistoryStore::read_cache(const std::string& id) const {
  CLOISTER_ASSIGN_OR_RETURN(Bytes record, read_file(cache_dir_ / id, 64 << 20));
  if (record.size() < 8) return Error(ErrorCode::kMalformed, "cache entry " + id + " is truncated");
  uint64_t version = 0;
  for (int i = 0; i < 8; ++i) version = (version << 8) | record[i];
  return open(id, version, ByteSpan(record).subspan(8));
}

void HistoryStore::drop_cache(const std::string& id) {
  std::error_code ec;
  std::filesystem::remove(cache_dir_ / id, ec);
}

Status HistoryStore::sync() {
  uint64_t cursor = 0;
  CLOISTER_ASSIGN_OR_RETURN(std::vector<BlobChange> changes, host_.changes_since(cursor));
  std::map<std::string, BlobChange> latest;
  for (const BlobChange& change : changes) {
    if (!is_conversation_id(change.id)) continue;
    auto& slot = latest[change.id];
    if (change.version >= slot.version) slot = change;
  }
  // Drop what the host no longer has.
  std::error_code ec;
  if (std::filesystem::exists(cache_dir_, ec)) {
    for (const auto& entry : std::filesystem::directory_iterator(cache_dir_, ec)) {
      const std::string id = entry.path().filename().string();
      auto found = latest.find(id);
      if (found == latest.end() || found->second.deleted) drop_cache(id);
    }
  }
  for (const auto& [id, change] : latest) {
    if (change.deleted) continue;
    Result<Conversation> cached = read_cache(id);
    if (cached.ok() && cached->version == change.version) continue;
    CLOISTER_ASSIGN_OR_RETURN(BlobVersion blob, host_.get_blob(id));
    Result<Conversation> readable = open(id, blob.version, blob.data);
    if (!readable.ok()) return readable.error();  // never cache what does not open
    CLOISTER_TRY(write_cache(id, blob.version, blob.data));
  }
  return ok_status();
}

Result<std::vector<Conversation>> HistoryStore::list() {
  std::vector<Conversation> conversations;
  std::error_code ec;
  if (!std::filesystem::exists(cache_dir_, ec)) return conversations;
  for (const auto& entry : std::filesystem::directory_iterator(cache_dir_, ec)) {
    const std::string id = entry.path().filename().string();
    if (!is_conversation_id(id)) continue;
    CLOISTER_ASSIGN_OR_RETURN(Conversation conversation, read_cache(id));
    conversations.push_back(std::move(conversation));
  }
  std::sort(conversations.begin(), conversations.end(), [](const auto& a, const auto& b) {
    return a.updated_ms != b.updated_ms ? a.updated_ms > b.updated_ms : a.id < b.id;
  });
  return conversations;
}

Result<Conversation> HistoryStore::load(std::string_view id_or_title) {
  CLOISTER_ASSIGN_OR_RETURN(std::vector<Conversation> all, list());
  std::vector<Conversation*> matches;
  for (Conversation& conversation : all) {
    if (conversation.id == id_or_title) return conversation;
    if (conversation.title == id_or_title ||
        (id_or_title.size() >= 4 && conversation.id.starts_with(id_or_title)) ||
        (id_or_title.size() >= 4 && conversation.id.substr(5).starts_with(id_or_title))) {
      matches.push_back(&conversation);
    }
  }
  if (matches.size() == 1) return *matches[0];
  if (matches.empty()) {
    return Error(ErrorCode::kNotFound, "no conversation \"" + std::string(id_or_title) + "\"");
  }
  return Error(ErrorCode::kInvalidArgument, "\"" + std::string(id_or_title) + "\" matches " +
                                                std::to_string(matches.size()) +
                                                " conversations; use more of the id");
}

Result<SaveOutcome> HistoryStore::save(Conversation& conversation) {
  SaveOutcome outcome;
  if (conversation.id.empty()) conversation.id = new_conversation_id();
  if (conversation.created_ms == 0) conversation.created_ms = now_ms();
  conversation.updated_ms = std::max(conversation.updated_ms, now_ms());
  for (int attempt = 0; attempt < kMaxSaveAttempts; ++attempt) {
    const uint64_t expected = conversation.version + 1;
    Bytes sealed = seal(conversation, expected);
    Result<uint64_t> written =
        conversation.version == 0
            ? host_.create_blob(conversation.id, sealed)
            : host_.update_blob(conversation.id, sealed, conversation.version);
    if (written.ok()) {
      if (*written != expected) {
        // The id had a deleted predecessor, so the host numbered past it. Seal
        // again for the version it really has (the AEAD binds the version).
        sealed = seal(conversation, *written + 1);
        CLOISTER_ASSIGN_OR_RETURN(written, host_.update_blob(conversation.id, sealed, *written));
      }
      conversation.version = *written;
      // The cache holds exactly the bytes the host now has.
      CLOISTER_TRY(write_cache(conversation.id, conversation.version, sealed));
      outcome.id = conversation.id;
      return outcome;
    }
    const ErrorCode code = written.error().code();
    if (code != ErrorCode::kConflict && code != ErrorCode::kAlreadyExists) return written.error();

    // Someone else wrote first. Read theirs and merge.
    Result<BlobVersion> remote_blob = host_.get_blob(conversation.id);
    if (!remote_blob.ok()) {
      if (remote_blob.error().code() != ErrorCode::kNotFound) return remote_blob.error();
      // Deleted elsewhere while edited here: keep this copy as a new conversation.
      outcome.notes.push_back("\"" + conversation.title +
                              "\" was deleted on another device; this copy was saved as a new "
                              "conversation");
      conversation.id = new_conversation_id();
      conversation.version = 0;
      continue;
    }
    CLOISTER_ASSIGN_OR_RETURN(Conversation remote,
                              open(conversation.id, remote_blob->version, remote_blob->data));
    if (is_prefix(remote.messages, conversation.messages)) {
      // Ours extends theirs: ours wins, written over their version.
      outcome.notes.push_back("merged with a newer copy from another device");
    } else if (is_prefix(conversation.messages, remote.messages)) {
      // Theirs extends ours: take their messages, keep our title/folder/system edits.
      conversation.messages = remote.messages;
      outcome.notes.push_back("merged with a newer copy from another device");
    } else {
      // Both added different messages: keep theirs untouched, save ours apart.
      Conversation copy = conversation;
      copy.id = new_conversation_id();
      copy.version = 0;
      copy.title = conversation.title + " (conflicted copy)";
      CLOISTER_ASSIGN_OR_RETURN(SaveOutcome saved, save(copy));
      outcome.notes.push_back("\"" + conversation.title +
                              "\" changed on another device too; this device's copy was saved as "
                              "\"" +
                              copy.title + "\" (" + copy.id + ")");
      outcome.id = copy.id;
      conversation = copy;
      CLOISTER_TRY(write_cache(remote.id, remote_blob->version, remote_blob->data));
      return outcome;
    }
    conversation.version = remote_blob->version;
  }
  return Error(ErrorCode::kConflict, "the conversation kept changing on another device; try again");
}

Status HistoryStore::remove(const Conversation& conversation) {
  Status deleted = host_.delete_blob(conversation.id, conversation.version);
  if (!deleted.ok() && deleted.error().code() == ErrorCode::kConflict) {
    return Error(ErrorCode::kConflict,
                 "\"" + conversation.title +
                     "\" changed on another device since it was read; sync and look again before "
                     "deleting it");
  }
  if (!deleted.ok() && deleted.error().code() != ErrorCode::kNotFound) return deleted;
  drop_cache(conversation.id);
  return ok_status();
}

Result<std::string> HistoryStore::export_encrypted() {
  json blobs = json::array();
  std::error_code ec;
  if (std::filesystem::exists(cache_dir_, ec)) {
    for (const auto& entry : std::filesystem::directory_iterator(cache_dir_, ec)) {
      const std::string id = entry.path().filename().string();
      if (!is_conversation_id(id)) continue;
      CLOISTER_ASSIGN_OR_RETURN(Bytes record, read_file(entry.path(), 64 << 20));
      if (record.size() < 8) continue;
      uint64_t version = 0;
      for (int i = 0; i < 8; ++i) version = (version << 8) | record[i];
      blobs.push_back({{"id", id},
                       {"version", version},
                       {"sealed", base64_encode(ByteSpan(record).subspan(8))}});
    }
  }
  json file{{"format", kExportFormat},
            {"account", account_id(keys_.identity.public_key)},
            {"note", "sealed with the account's history key; import with cloister history import"},
            {"blobs", blobs}};
  return file.dump(1) + "\n";
}

Result<std::string> HistoryStore::export_plaintext() {
  CLOISTER_ASSIGN_OR_RETURN(std::vector<Conversation> all, list());
  json conversations = json::array();
  for (const Conversation& conversation : all)
    conversations.push_back(conversation_to_json(conversation));
  json file{{"format", kPlainExportFormat},
            {"account", account_id(keys_.identity.public_key)},
            {"conversations", conversations}};
  return file.dump(1) + "\n";
}

Result<size_t> HistoryStore::import(std::string_view text) {
  json file = json::parse(text, nullptr, false);
  if (file.is_discarded() || !file.is_object()) {
    return Error(ErrorCode::kMalformed, "not a cloister history export");
  }
  std::vector<Conversation> incoming;
  const std::string format = string_member(file, "format");
  if (format == kExportFormat) {
    if (string_member(file, "account") != account_id(keys_.identity.public_key)) {
      return Error(ErrorCode::kRejected, "this export belongs to another account");
    }
    if (!file.contains("blobs") || !file["blobs"].is_array()) {
      return Error(ErrorCode::kMalformed, "an export without blobs");
    }
    for (const json& blob : file["blobs"]) {
      if (!blob.is_object() || !blob.contains("id") || !blob["id"].is_string() ||
          !blob.contains("version") || !blob["version"].is_number_unsigned() ||
          !blob.contains("sealed") || !blob["sealed"].is_string()) {
        return Error(ErrorCode::kMalformed, "a malformed blob in the export");
      }
      CLOISTER_ASSIGN_OR_RETURN(Bytes sealed, base64_decode(blob["sealed"].get<std::string>()));
      CLOISTER_ASSIGN_OR_RETURN(
          Conversation conversation,
          open(blob["id"].get<std::string>(), blob["version"].get<uint64_t>(), sealed));
      incoming.push_back(std::move(conversation));
    }
  } else if (format == kPlainExportFormat) {
    if (!file.contains("conversations") || !file["conversations"].is_array()) {
      return Error(ErrorCode::kMalformed, "an export without conversations");
    }
    for (const json& item : file["conversations"]) {
      CLOISTER_ASSIGN_OR_RETURN(Conversation conversation, conversation_from_json(item));
      incoming.push_back(std::move(conversation));
    }
  } else {
    return Error(ErrorCode::kMalformed, "not a cloister history export");
  }
  CLOISTER_TRY(sync());
  size_t imported = 0;
  for (Conversation& conversation : incoming) {
    Result<Conversation> existing = read_cache(conversation.id);
    // Saving against the current version merges, or keeps both when they differ.
    conversation.version = existing.ok() ? existing->version : 0;
    if (existing.ok() && existing->messages == conversation.messages &&
        existing->title == conversation.title) {
      continue;
    }
    Result<SaveOutcome> saved = save(conversation);
    if (!saved.ok()) return saved.error();
    ++imported;
  }
  return imported;
}

}  // namespace cloister::client
