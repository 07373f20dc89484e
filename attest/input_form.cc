#include "attest/input_form.h"

#include <cctype>

#include "base/encoding.h"
#include "crypto/x509.h"

namespace cloister::attest {
namespace {

// Returns the hex digits of `file` if it is hex text, or nullopt.
std::optional<std::string> hex_digits(ByteSpan file) {
  std::string digits;
  digits.reserve(file.size());
  for (uint8_t c : file) {
    if (std::isspace(c)) continue;
    if (!std::isxdigit(c) && c != 'x' && c != 'X') return std::nullopt;
    digits.push_back(static_cast<char>(c));
  }
  if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    digits.erase(0, 2);
  }
  if (digits.empty() || digits.size() % 2 != 0 || digits.find_first_of("xX") != std::string::npos) {
    return std::nullopt;
  }
  return digits;
}

}  // namespace

std::string_view input_form_name(InputForm form) {
  switch (form) {
    case InputForm::kBinary: return "binary";
    case InputForm::kHex: return "hex";
    case InputForm::kPem: return "PEM";
    case InputForm::kDer: return "DER";
  }
  return "binary";
}

Result<DecodedInput> decode_blob(ByteSpan file) {
  if (file.empty()) return Error(ErrorCode::kInvalidArgument, "the file is empty");
  if (auto digits = hex_digits(file)) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes bytes, hex_decode(*digits));
    return DecodedInput{std::move(bytes), InputForm::kHex};
  }
  return DecodedInput{to_bytes(file), InputForm::kBinary};
}

Result<DecodedInput> decode_der_or_pem(ByteSpan file) {
  if (file.empty()) return Error(ErrorCode::kInvalidArgument, "the file is empty");
  if (crypto::looks_like_pem(file)) return DecodedInput{to_bytes(file), InputForm::kPem};
  if (file[0] == 0x30) return DecodedInput{to_bytes(file), InputForm::kDer};
  if (auto digits = hex_digits(file)) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes bytes, hex_decode(*digits));
    if (!bytes.empty() && bytes[0] == 0x30) return DecodedInput{std::move(bytes), InputForm::kHex};
  }
  return Error(ErrorCode::kInvalidArgument, "neither PEM, DER nor hex-encoded DER");
}

}  // namespace cloister::attest
