#include "client/keys/fido2_key.h"

#include <memory>
#include <mutex>

#include <fido.h>

#include "crypto/random.h"

namespace cloister::client {
namespace {

void init_libfido2() {
  static std::once_flag once;
  std::call_once(once, [] { fido_init(0); });
}

Error fido_error(std::string_view action, int rc) {
  return Error(rc == FIDO_ERR_PIN_INVALID || rc == FIDO_ERR_PIN_REQUIRED
                   ? ErrorCode::kPermissionDenied
                   : ErrorCode::kUnavailable,
               std::string("FIDO2 ") + std::string(action) + ": " + fido_strerr(rc));
}

struct DevCloser {
  void operator()(fido_dev_t* dev) const {
    fido_dev_close(dev);
    fido_dev_free(&dev);
  }
};
using Device = std::unique_ptr<fido_dev_t, DevCloser>;

Result<Device> open_device(const Fido2Options& options) {
  init_libfido2();
  std::string path;
  if (options.device_path) {
    path = *options.device_path;
  } else {
    std::vector<std::string> devices = list_fido2_devices();
    if (devices.empty()) {
      return Error(ErrorCode::kUnavailable, "no FIDO2 security key is connected");
    }
    path = devices.front();
  }
  fido_dev_t* raw = fido_dev_new();
  if (raw == nullptr) return Error(ErrorCode::kResourceExhausted, "fido_dev_new failed");
  if (int rc = fido_dev_open(raw, path.c_str()); rc != FIDO_OK) {
    fido_dev_free(&raw);
    return fido_error("open " + path, rc);
  }
  return Device(raw);
}

const char* pin_of(const Fido2Options& options) {
  return options.pin ? options.pin->c_str() : nullptr;
}

}  // namespace

std::vector<std::string> list_fido2_devices() {
  init_libfido2();
  constexpr size_t kMaxDevices = 16;
  std::vector<std::string> paths;
  fido_dev_info_t* list = fido_dev_info_new(kMaxDevices);
  size_t found = 0;
  if (list != nullptr && fido_dev_info_manifest(list, kMaxDevices, &found) == FIDO_OK) {
    for (size_t i = 0; i < found; ++i) {
      paths.emplace_back(fido_dev_info_path(fido_dev_info_ptr(list, i)));
    }
  }
  fido_dev_info_free(&list, kMaxDevices);
  return paths;
}

Result<Bytes> fido2_register(const Fido2Options& options, ByteSpan user_id,
                             std::string_view user_name) {
  CLOISTER_ASSIGN_OR_RETURN(Device dev, open_device(options));
  std::unique_ptr<fido_cred_t, void (*)(fido_cred_t*)> cred(
      fido_cred_new(), [](fido_cred_t* c) { fido_cred_free(&c); });
  Bytes client_data = crypto::random_bytes(32);
  std::string name(user_name);
  int rc = fido_cred_set_type(cred.get(), COSE_ES256);
  if (rc == FIDO_OK) rc = fido_cred_set_clientdata(cred.get(), client_data.data(), 32);
  if (rc == FIDO_OK) rc = fido_cred_set_rp(cred.get(), options.rp_id.c_str(), "Cloister");
  if (rc == FIDO_OK) {
    rc = fido_cred_set_user(cred.get(), user_id.data(), user_id.size(), name.c_str(), name.c_str(),
                            nullptr);
  }
  if (rc == FIDO_OK) rc = fido_cred_set_extensions(cred.get(), FIDO_EXT_HMAC_SECRET);
  if (rc == FIDO_OK) rc = fido_cred_set_rk(cred.get(), FIDO_OPT_TRUE);
  if (rc != FIDO_OK) return fido_error("prepare credential", rc);
  rc = fido_dev_make_cred(dev.get(), cred.get(), pin_of(options));
  if (rc != FIDO_OK) return fido_error("make credential", rc);
  const uint8_t* id = fido_cred_id_ptr(cred.get());
  return Bytes(id, id + fido_cred_id_len(cred.get()));
}

Result<crypto::SecretBytes> fido2_hmac_secret(const Fido2Options& options, ByteSpan credential_id,
                                              ByteSpan salt) {
  if (salt.size() != 32) {
    return Error(ErrorCode::kInvalidArgument, "hmac-secret salts are 32 bytes");
  }
  CLOISTER_ASSIGN_OR_RETURN(Device dev, open_device(options));
  std::unique_ptr<fido_assert_t, void (*)(fido_assert_t*)> assertion(
      fido_assert_new(), [](fido_assert_t* a) { fido_assert_free(&a); });
  Bytes client_data = crypto::random_bytes(32);
  int rc = fido_assert_set_rp(assertion.get(), options.rp_id.c_str());
  if (rc == FIDO_OK) rc = fido_assert_set_clientdata(assertion.get(), client_data.data(), 32);
  if (rc == FIDO_OK && !credential_id.empty()) {
    rc = fido_assert_allow_cred(assertion.get(), credential_id.data(), credential_id.size());
  }
  if (rc == FIDO_OK) rc = fido_assert_set_extensions(assertion.get(), FIDO_EXT_HMAC_SECRET);
  if (rc == FIDO_OK) rc = fido_assert_set_hmac_salt(assertion.get(), salt.data(), salt.size());
  if (rc != FIDO_OK) return fido_error("prepare assertion", rc);
  rc = fido_dev_get_assert(dev.get(), assertion.get(), pin_of(options));
  if (rc != FIDO_OK) return fido_error("get assertion", rc);
  if (fido_assert_count(assertion.get()) < 1 ||
      fido_assert_hmac_secret_len(assertion.get(), 0) != 32) {
    return Error(ErrorCode::kUnavailable, "the security key returned no hmac-secret");
  }
  return crypto::SecretBytes(ByteSpan(fido_assert_hmac_secret_ptr(assertion.get(), 0), 32));
}

}  // namespace cloister::client
