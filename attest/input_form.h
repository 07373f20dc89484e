// Recognizes how an evidence file given to a tool is encoded: raw binary, hex
// text, PEM or DER, so that auditors can pass files in whatever form they
// were published.
#pragma once

#include <string_view>

#include "base/bytes.h"

namespace cloister::attest {

enum class InputForm { kBinary, kHex, kPem, kDer };

// Returns "binary", "hex", "PEM" or "DER".
std::string_view input_form_name(InputForm form);

struct DecodedInput {
  Bytes bytes;
  InputForm form;
};

// Decodes an evidence blob (SNP report, TDX quote, SPDM evidence): hex text
// (whitespace and a leading "0x" ignored) is decoded, anything else is taken
// as raw binary. Fails on an empty file.
Result<DecodedInput> decode_blob(ByteSpan file);

// Decodes certificates or a CRL: PEM and DER are returned as they are, hex
// text is decoded to DER. Fails if the result is neither PEM nor DER.
Result<DecodedInput> decode_der_or_pem(ByteSpan file);

}  // namespace cloister::attest
