// Fuzzes the collateral readers: the signed-document splitter that locates
// Intel's signed bytes, the TCB info and QE identity parsers, and the
// collateral encoding the evidence bundle carries.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "attest/tdx/collateral.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cloister::attest::tdx;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::string_view key : {"tcbInfo", "enclaveIdentity"}) {
    auto document = split_signed_document(text, key);
    if (document.ok()) {
      (void)parse_tcb_info(document->body);
      (void)parse_qe_identity(document->body);
    }
  }
  (void)parse_tcb_info(text);
  (void)parse_qe_identity(text);
  (void)decode_collateral({data, size});
  return 0;
}
