#include <iostream>
#include <iterator>

#include "base/files.h"
#include "tools/cloister-log/commands.h"

namespace cloister::tools::log {

void PolicyOptions::add_to(CLI::App* command) {
  command->add_option("--vkey", vkey, "The log's verifier key (pinned)")->required();
  command->add_option("--witness-vkey", witness_vkeys, "A pinned witness verifier key (repeatable)")
      ->allow_extra_args(false);
  command->add_option("--threshold", threshold,
                      "Witness cosignatures required (default: all listed witnesses)");
}

Result<tlog::LogTrustPolicy> PolicyOptions::build() const {
  auto log_key = tlog::NoteVerifier::parse(vkey);
  if (!log_key.ok()) return log_key.error().with_context("--vkey");
  tlog::LogTrustPolicy policy{std::move(log_key).value(), {}, 0, accept_older};
  for (const auto& text : witness_vkeys) {
    auto witness = tlog::NoteVerifier::parse(text);
    if (!witness.ok()) return witness.error().with_context("--witness-vkey");
    policy.witnesses.push_back(std::move(witness).value());
  }
  if (threshold > static_cast<int>(policy.witnesses.size())) {
    return Error(ErrorCode::kInvalidArgument, "--threshold exceeds the number of witnesses");
  }
  policy.witness_threshold =
      threshold < 0 ? policy.witnesses.size() : static_cast<size_t>(threshold);
  return policy;
}

int report_failure(const Program& program, const Error& error) {
  switch (error.code()) {
    case ErrorCode::kRejected:
    case ErrorCode::kUnavailable:
    case ErrorCode::kConflict:
      std::cerr << program.name() << ": rejected: " << error.message() << "\n";
      return kExitRejected;
    default: return program.fail(error);
  }
}

Result<std::string> read_input(const std::string& path) {
  if (path != "-") return read_text_file(path);
  std::string text(std::istreambuf_iterator<char>(std::cin), {});
  if (std::cin.bad()) return Error(ErrorCode::kIo, "cannot read standard input");
  return text;
}

Status write_key_file(const std::string& path, ByteSpan key) {
  if (std::filesystem::exists(path)) {
    return Error(ErrorCode::kAlreadyExists, path + " exists; refusing to replace a key");
  }
  return write_file_atomically(path, key, 0600);
}

Result<tlog::NoteSigner> read_key_file(const std::string& path) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes raw, read_file(path, 4096));
  crypto::SecretBytes secret(raw);
  crypto::secure_wipe(raw);
  std::string_view text(reinterpret_cast<const char*>(secret.data()), secret.size());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  auto signer = tlog::NoteSigner::parse(text);
  if (!signer.ok()) return signer.error().with_context(path);
  return signer;
}

}  // namespace cloister::tools::log
