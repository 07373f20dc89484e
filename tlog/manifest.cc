#include "tlog/manifest.h"

#include <algorithm>
#include <set>

#include "base/encoding.h"
#include "tlog/canonical_json.h"

namespace cloister::tlog {
namespace {

using nlohmann::json;

Error malformed(const std::string& path, std::string_view problem) {
  return Error(ErrorCode::kMalformed, "manifest field " + path + ": " + std::string(problem));
}

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Reads the fields of one JSON object, and at the end insists that every
// field was known: a client must not skip over a field that could matter.
class ObjectReader {
 public:
  static Result<ObjectReader> open(const json& value, std::string path) {
    if (!value.is_object()) return malformed(path, "must be an object");
    return ObjectReader(value, std::move(path));
  }

  const std::string& path() const { return path_; }

  Result<const json*> required(const std::string& key) {
    const json* value = optional(key);
    if (value == nullptr) return malformed(child(key), "is missing");
    return value;
  }

  const json* optional(const std::string& key) {
    auto it = object_.find(key);
    if (it == object_.end()) return nullptr;
    seen_.insert(key);
    return &*it;
  }

  Result<std::string> string(const std::string& key, size_t max_size) {
    CLOISTER_ASSIGN_OR_RETURN(const json* value, required(key));
    return read_string(*value, child(key), max_size);
  }

  template <size_t N>
  Result<std::array<uint8_t, N>> hex(const std::string& key) {
    CLOISTER_ASSIGN_OR_RETURN(const json* value, required(key));
    return read_hex<N>(*value, child(key));
  }

  template <size_t N>
  Result<std::optional<std::array<uint8_t, N>>> optional_hex(const std::string& key) {
    const json* value = optional(key);
    if (value == nullptr) return std::optional<std::array<uint8_t, N>>();
    CLOISTER_ASSIGN_OR_RETURN(auto digest, read_hex<N>(*value, child(key)));
    return std::optional<std::array<uint8_t, N>>(digest);
  }

  Result<uint8_t> byte(const std::string& key) {
    CLOISTER_ASSIGN_OR_RETURN(const json* value, required(key));
    return read_byte(*value, child(key));
  }

  Status finish() const {
    for (const auto& item : object_.items()) {
      if (seen_.count(item.key()) == 0) return malformed(child(item.key()), "is not a known field");
    }
    return ok_status();
  }

  std::string child(const std::string& key) const { return path_ + "." + key; }

  static Result<std::string> read_string(const json& value, const std::string& path,
                                         size_t max_size) {
    if (!value.is_string()) return malformed(path, "must be a string");
    const auto& text = value.get_ref<const std::string&>();
    if (text.empty() || text.size() > max_size) {
      return malformed(path, "must hold 1 to " + std::to_string(max_size) + " bytes");
    }
    return text;
  }

  template <size_t N>
  static Result<std::array<uint8_t, N>> read_hex(const json& value, const std::string& path) {
    if (!value.is_string()) return malformed(path, "must be a hex string");
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() != 2 * N || !is_lower_hex(text)) {
      return malformed(path, "must be " + std::to_string(2 * N) + " lower-case hex digits");
    }
    std::array<uint8_t, N> out{};
    Bytes raw = *hex_decode(text);
    std::copy(raw.begin(), raw.end(), out.begin());
    return out;
  }

  static Result<uint8_t> read_byte(const json& value, const std::string& path) {
    if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > 255) {
      return malformed(path, "must be an integer from 0 to 255");
    }
    return static_cast<uint8_t>(value.get<int64_t>());
  }

 private:
  ObjectReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  const json& object_;
  std::string path_;
  std::set<std::string> seen_;
};

Result<const json*> read_list(ObjectReader& object, const std::string& key) {
  CLOISTER_ASSIGN_OR_RETURN(const json* list, object.required(key));
  if (!list->is_array()) return malformed(object.child(key), "must be an array");
  if (list->size() > kMaxManifestListSize) {
    return malformed(object.child(key),
                     "has more than " + std::to_string(kMaxManifestListSize) + " entries");
  }
  return list;
}

Result<std::vector<Measurement>> read_measurements(ObjectReader& object, const std::string& key) {
  CLOISTER_ASSIGN_OR_RETURN(const json* list, read_list(object, key));
  std::vector<Measurement> out;
  for (size_t i = 0; i < list->size(); ++i) {
    std::string path = object.child(key) + "[" + std::to_string(i) + "]";
    CLOISTER_ASSIGN_OR_RETURN(Measurement m, ObjectReader::read_hex<48>((*list)[i], path));
    out.push_back(m);
  }
  return out;
}

Result<TdxMeasurements> read_tdx(const json& value, const std::string& path) {
  CLOISTER_ASSIGN_OR_RETURN(ObjectReader object, ObjectReader::open(value, path));
  TdxMeasurements tdx;
  CLOISTER_ASSIGN_OR_RETURN(tdx.mrtd, object.hex<48>("mrtd"));
  for (size_t i = 0; i < tdx.rtmr.size(); ++i) {
    CLOISTER_ASSIGN_OR_RETURN(tdx.rtmr[i], object.optional_hex<48>("rtmr" + std::to_string(i)));
  }
  CLOISTER_TRY(object.finish());
  return tdx;
}

Status read_measurement_block(const json& value, ReleaseManifest& manifest) {
  CLOISTER_ASSIGN_OR_RETURN(ObjectReader object, ObjectReader::open(value, "measurements"));
  CLOISTER_ASSIGN_OR_RETURN(manifest.simulated_measurements,
                            read_measurements(object, "simulated"));
  CLOISTER_ASSIGN_OR_RETURN(manifest.snp_measurements, read_measurements(object, "snp"));
  CLOISTER_ASSIGN_OR_RETURN(const json* tdx, read_list(object, "tdx"));
  for (size_t i = 0; i < tdx->size(); ++i) {
    CLOISTER_ASSIGN_OR_RETURN(
        TdxMeasurements entry,
        read_tdx((*tdx)[i], object.child("tdx") + "[" + std::to_string(i) + "]"));
    manifest.tdx_measurements.push_back(entry);
  }
  CLOISTER_TRY(object.finish());
  if (manifest.simulated_measurements.empty() && manifest.snp_measurements.empty() &&
      manifest.tdx_measurements.empty()) {
    return malformed("measurements", "lists no measurement at all");
  }
  return ok_status();
}

bool is_setting_key(std::string_view key) {
  return !key.empty() && key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

Status read_engine(const json& value, ReleaseManifest& manifest) {
  CLOISTER_ASSIGN_OR_RETURN(ObjectReader object, ObjectReader::open(value, "engine"));
  CLOISTER_ASSIGN_OR_RETURN(const json* settings, object.required("settings"));
  if (!settings->is_object()) return malformed("engine.settings", "must be an object");
  if (settings->size() > kMaxManifestListSize) {
    return malformed("engine.settings", "has too many entries");
  }
  for (const auto& item : settings->items()) {
    std::string path = "engine.settings." + item.key();
    if (!is_setting_key(item.key())) {
      return malformed(path, "names must be 1 to 64 characters of [a-z0-9_.-]");
    }
    const json& setting = item.value();
    if (setting.is_boolean()) {
      manifest.engine_settings[item.key()] = setting.get<bool>();
    } else if (setting.is_number_integer()) {
      manifest.engine_settings[item.key()] = setting.get<int64_t>();
    } else if (setting.is_string()) {
      CLOISTER_ASSIGN_OR_RETURN(std::string text, ObjectReader::read_string(setting, path, 1024));
      manifest.engine_settings[item.key()] = std::move(text);
    } else {
      return malformed(path, "must be a string, an integer or a boolean");
    }
  }
  if (const json* upstream = object.optional("upstream")) {
    CLOISTER_ASSIGN_OR_RETURN(std::string url,
                              ObjectReader::read_string(*upstream, "engine.upstream", 256));
    if (!is_printable_ascii(url) || !(url.starts_with("http://") || url.starts_with("https://"))) {
      return malformed("engine.upstream", "must be an http:// or https:// URL");
    }
    manifest.upstream_engine = std::move(url);
  }
  return object.finish();
}

Status read_models(ObjectReader& top, ReleaseManifest& manifest) {
  CLOISTER_ASSIGN_OR_RETURN(const json* models, read_list(top, "models"));
  for (size_t i = 0; i < models->size(); ++i) {
    std::string path = "models[" + std::to_string(i) + "]";
    CLOISTER_ASSIGN_OR_RETURN(ObjectReader object, ObjectReader::open((*models)[i], path));
    ModelFile model;
    CLOISTER_ASSIGN_OR_RETURN(model.name, object.string("name", 128));
    if (!is_printable_ascii(model.name)) {
      return malformed(object.child("name"), "must be printable ASCII without spaces");
    }
    CLOISTER_ASSIGN_OR_RETURN(model.sha256, object.hex<32>("sha256"));
    CLOISTER_TRY(object.finish());
    manifest.models.push_back(std::move(model));
  }
  return ok_status();
}

Status read_min_tcb(const json& value, ReleaseManifest& manifest) {
  CLOISTER_ASSIGN_OR_RETURN(ObjectReader object, ObjectReader::open(value, "min_tcb"));
  if (const json* snp = object.optional("snp")) {
    CLOISTER_ASSIGN_OR_RETURN(ObjectReader fields, ObjectReader::open(*snp, "min_tcb.snp"));
    SnpTcb tcb;
    CLOISTER_ASSIGN_OR_RETURN(tcb.bootloader, fields.byte("bootloader"));
    CLOISTER_ASSIGN_OR_RETURN(tcb.tee, fields.byte("tee"));
    CLOISTER_ASSIGN_OR_RETURN(tcb.snp, fields.byte("snp"));
    CLOISTER_ASSIGN_OR_RETURN(tcb.microcode, fields.byte("microcode"));
    if (const json* fmc = fields.optional("fmc")) {
      CLOISTER_ASSIGN_OR_RETURN(tcb.fmc, ObjectReader::read_byte(*fmc, "min_tcb.snp.fmc"));
    }
    CLOISTER_TRY(fields.finish());
    manifest.min_snp_tcb = tcb;
  }
  if (const json* tdx = object.optional("tdx")) {
    CLOISTER_ASSIGN_OR_RETURN(ObjectReader fields, ObjectReader::open(*tdx, "min_tcb.tdx"));
    TdxTcb tcb;
    CLOISTER_ASSIGN_OR_RETURN(tcb.tee_tcb_svn, fields.hex<16>("tee_tcb_svn"));
    CLOISTER_TRY(fields.finish());
    manifest.min_tdx_tcb = tcb;
  }
  if (!manifest.min_snp_tcb && !manifest.min_tdx_tcb) {
    return malformed("min_tcb", "must name at least one platform (omit it otherwise)");
  }
  return object.finish();
}

Result<ReleaseManifest> read_manifest(const json& document) {
  CLOISTER_ASSIGN_OR_RETURN(ObjectReader top, ObjectReader::open(document, "manifest"));
  ReleaseManifest manifest;
  CLOISTER_ASSIGN_OR_RETURN(std::string format, top.string("format", 64));
  if (format != kManifestFormat) {
    return Error(ErrorCode::kUnsupported,
                 "manifest format \"" + format + "\" is not " + std::string(kManifestFormat));
  }
  CLOISTER_ASSIGN_OR_RETURN(manifest.version, top.string("version", 64));
  if (!is_printable_ascii(manifest.version)) {
    return malformed("version", "must be printable ASCII without spaces");
  }
  CLOISTER_ASSIGN_OR_RETURN(manifest.source_commit, top.string("source_commit", 64));
  if ((manifest.source_commit.size() != 40 && manifest.source_commit.size() != 64) ||
      !is_lower_hex(manifest.source_commit)) {
    return malformed("source_commit", "must be 40 or 64 lower-case hex digits");
  }
  CLOISTER_ASSIGN_OR_RETURN(const json* enclave_value, top.required("enclave"));
  CLOISTER_ASSIGN_OR_RETURN(ObjectReader enclave, ObjectReader::open(*enclave_value, "enclave"));
  CLOISTER_ASSIGN_OR_RETURN(manifest.enclave_binary_sha256, enclave.hex<32>("binary_sha256"));
  CLOISTER_ASSIGN_OR_RETURN(manifest.enclave_image_sha256,
                            enclave.optional_hex<32>("image_sha256"));
  CLOISTER_TRY(enclave.finish());
  CLOISTER_ASSIGN_OR_RETURN(const json* measurements, top.required("measurements"));
  CLOISTER_TRY(read_measurement_block(*measurements, manifest));
  CLOISTER_TRY(read_models(top, manifest));
  CLOISTER_ASSIGN_OR_RETURN(const json* engine, top.required("engine"));
  CLOISTER_TRY(read_engine(*engine, manifest));
  if (const json* min_tcb = top.optional("min_tcb")) CLOISTER_TRY(read_min_tcb(*min_tcb, manifest));
  CLOISTER_ASSIGN_OR_RETURN(manifest.web_app_sha256, top.optional_hex<32>("web_app_sha256"));
  CLOISTER_TRY(top.finish());
  return manifest;
}

json measurement_list(const std::vector<Measurement>& measurements) {
  json list = json::array();
  for (const auto& m : measurements) list.push_back(hex_encode(m));
  return list;
}

json to_json(const ReleaseManifest& manifest) {
  json enclave = {{"binary_sha256", hex_encode(manifest.enclave_binary_sha256)}};
  if (manifest.enclave_image_sha256) {
    enclave["image_sha256"] = hex_encode(*manifest.enclave_image_sha256);
  }
  json tdx = json::array();
  for (const auto& entry : manifest.tdx_measurements) {
    json item = {{"mrtd", hex_encode(entry.mrtd)}};
    for (size_t i = 0; i < entry.rtmr.size(); ++i) {
      if (entry.rtmr[i]) item["rtmr" + std::to_string(i)] = hex_encode(*entry.rtmr[i]);
    }
    tdx.push_back(std::move(item));
  }
  json settings = json::object();
  for (const auto& setting : manifest.engine_settings) {
    const std::string& key = setting.first;
    std::visit([&settings, &key](const auto& v) { settings[key] = v; }, setting.second);
  }
  json engine = {{"settings", std::move(settings)}};
  if (manifest.upstream_engine) engine["upstream"] = *manifest.upstream_engine;
  json models = json::array();
  for (const auto& model : manifest.models) {
    models.push_back({{"name", model.name}, {"sha256", hex_encode(model.sha256)}});
  }
  json document = {
      {"format", kManifestFormat},
      {"version", manifest.version},
      {"source_commit", manifest.source_commit},
      {"enclave", std::move(enclave)},
      {"measurements",
       {{"simulated", measurement_list(manifest.simulated_measurements)},
        {"snp", measurement_list(manifest.snp_measurements)},
        {"tdx", std::move(tdx)}}},
      {"models", std::move(models)},
      {"engine", std::move(engine)},
  };
  if (manifest.min_snp_tcb || manifest.min_tdx_tcb) {
    json min_tcb = json::object();
    if (const auto& snp = manifest.min_snp_tcb) {
      min_tcb["snp"] = {{"bootloader", snp->bootloader},
                        {"tee", snp->tee},
                        {"snp", snp->snp},
                        {"microcode", snp->microcode}};
      if (snp->fmc) min_tcb["snp"]["fmc"] = *snp->fmc;
    }
    if (manifest.min_tdx_tcb) {
      min_tcb["tdx"] = {{"tee_tcb_svn", hex_encode(manifest.min_tdx_tcb->tee_tcb_svn)}};
    }
    document["min_tcb"] = std::move(min_tcb);
  }
  if (manifest.web_app_sha256) document["web_app_sha256"] = hex_encode(*manifest.web_app_sha256);
  return document;
}

template <size_t N>
bool contains(const std::vector<std::array<uint8_t, N>>& list, ByteSpan value) {
  return std::any_of(list.begin(), list.end(), [value](const std::array<uint8_t, N>& entry) {
    return std::equal(entry.begin(), entry.end(), value.begin(), value.end());
  });
}

}  // namespace

Result<ReleaseManifest> parse_manifest(ByteSpan canonical) {
  if (canonical.size() > kMaxManifestSize) {
    return Error(ErrorCode::kResourceExhausted,
                 "manifest is larger than " + std::to_string(kMaxManifestSize) + " bytes");
  }
  auto document = parse_canonical_json(canonical);
  if (!document.ok()) return document.error().with_context("manifest is not canonical JSON");
  return read_manifest(*document);
}

Result<std::string> encode_manifest(const ReleaseManifest& manifest) {
  auto text = canonical_json(to_json(manifest));
  if (!text.ok()) return text.error().with_context("manifest");
  // One set of rules: whatever we write must read back as the same manifest.
  auto reread = parse_manifest(as_bytes(*text));
  if (!reread.ok()) return Error(ErrorCode::kInvalidArgument, reread.error().message());
  if (!(*reread == manifest)) {
    return Error(ErrorCode::kInvalidArgument, "manifest does not survive its own encoding");
  }
  return text;
}

Sha256Digest manifest_digest(ByteSpan canonical) { return crypto::sha256(canonical); }

bool allows_snp_measurement(const ReleaseManifest& manifest, ByteSpan measurement) {
  return contains(manifest.snp_measurements, measurement);
}

bool allows_simulated_measurement(const ReleaseManifest& manifest, ByteSpan measurement) {
  return contains(manifest.simulated_measurements, measurement);
}

bool allows_tdx_measurements(const ReleaseManifest& manifest, ByteSpan mrtd,
                             std::span<const Measurement, 4> rtmrs) {
  return std::any_of(
      manifest.tdx_measurements.begin(), manifest.tdx_measurements.end(),
      [&](const TdxMeasurements& entry) {
        if (!std::equal(entry.mrtd.begin(), entry.mrtd.end(), mrtd.begin(), mrtd.end())) {
          return false;
        }
        for (size_t i = 0; i < entry.rtmr.size(); ++i) {
          if (entry.rtmr[i] && *entry.rtmr[i] != rtmrs[i]) return false;
        }
        return true;
      });
}

}  // namespace cloister::tlog
