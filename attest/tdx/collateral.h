// Intel DCAP collateral for TDX (Intel PCS API v4): TCB info and QE identity,
// each a JSON document {"tcbInfo"|"enclaveIdentity": {...}, "signature": hex}
// whose signature (ECDSA P-256, r || s) covers the exact bytes of the inner
// object as served; the TCB signing chain that signs both; and the PCK and
// root CRLs. Also the byte encoding Cloister uses to carry all of it.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"

namespace cloister::attest::tdx {

struct TdxCollateral {
  std::string tcb_info_json;     // as served by PCS
  std::string qe_identity_json;  // as served by PCS
  Bytes tcb_signing_chain;       // PEM: "Intel SGX TCB Signing" then the root
  Bytes pck_crl;                 // DER or PEM
  Bytes root_crl;                // DER or PEM
};

// Encodes collateral as one JSON object: tcb_info and qe_identity as strings
// holding the documents verbatim, tcb_signing_chain as PEM text, and the CRLs
// as base64 DER or PEM text.
Bytes encode_collateral(const TdxCollateral& collateral);
// Decodes what encode_collateral produced.
Result<TdxCollateral> decode_collateral(ByteSpan bytes);

// A signed PCS document split into the signed bytes and the signature.
struct SignedDocument {
  std::string body;                     // the exact text of the signed inner object
  std::array<uint8_t, 64> signature{};  // r || s
};

// Finds the value of top-level member `key` in `json_text` and returns its
// exact text with the hex "signature" member. The scan is bounded (nesting
// depth 64) and fails on anything that is not well-formed JSON.
Result<SignedDocument> split_signed_document(std::string_view json_text, std::string_view key);

struct TdxTcbLevel {
  std::array<uint8_t, 16> sgx_components{};
  uint16_t pce_svn = 0;
  std::array<uint8_t, 16> tdx_components{};
  std::string tcb_date;
  std::string status;
  std::vector<std::string> advisory_ids;
};

struct TdxModuleIdentity {
  std::string id;  // "TDX_01", ...
  std::array<uint8_t, 48> mr_signer{};
  uint64_t attributes = 0;
  uint64_t attributes_mask = 0;
  struct Level {
    uint8_t isv_svn = 0;
    std::string tcb_date;
    std::string status;
  };
  std::vector<Level> levels;
};

struct TcbInfo {
  std::string id;  // "TDX"
  uint32_t version = 0;
  TimePoint issue_date;
  TimePoint next_update;
  std::array<uint8_t, 6> fmspc{};
  std::array<uint8_t, 2> pce_id{};
  uint32_t evaluation_data_number = 0;
  std::optional<TdxModuleIdentity> tdx_module;       // "tdxModule": mrsigner and attributes
  std::vector<TdxModuleIdentity> module_identities;  // "tdxModuleIdentities" (newer TCB info)
  std::vector<TdxTcbLevel> levels;
};

struct QeIdentityLevel {
  uint16_t isv_svn = 0;
  std::string tcb_date;
  std::string status;
  std::vector<std::string> advisory_ids;
};

struct QeIdentity {
  std::string id;  // "TD_QE"
  uint32_t version = 0;
  TimePoint issue_date;
  TimePoint next_update;
  uint32_t misc_select = 0;
  uint32_t misc_select_mask = 0;
  std::array<uint8_t, 16> attributes{};
  std::array<uint8_t, 16> attributes_mask{};
  std::array<uint8_t, 32> mr_signer{};
  uint16_t isv_prod_id = 0;
  std::vector<QeIdentityLevel> levels;
};

// Parses the inner "tcbInfo" object text (TCB info v3, id "TDX").
Result<TcbInfo> parse_tcb_info(std::string_view body);
// Parses the inner "enclaveIdentity" object text (v2).
Result<QeIdentity> parse_qe_identity(std::string_view body);

}  // namespace cloister::attest::tdx
