// A C2SP witness (c2sp.org/tlog-witness): it follows logs it knows by key,
// remembers the latest checkpoint it cosigned for each, and cosigns a new
// checkpoint (c2sp.org/tlog-cosignature, cosignature/v1) only after a
// consistency proof shows it extends that one. Requests and responses use the
// add-checkpoint wire format, so an HTTP front end only moves bytes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "tlog/checkpoint.h"

namespace cloister::tlog {

// The body of an add-checkpoint request: "old <size>", the consistency proof
// lines, a blank line, then the signed checkpoint.
struct AddCheckpointRequest {
  uint64_t old_size = 0;
  std::vector<Hash> consistency_proof;
  std::string checkpoint;
};

// Parses an add-checkpoint request body. Fails with kMalformed.
Result<AddCheckpointRequest> parse_add_checkpoint_request(std::string_view body);

// Returns the request body for `request`.
std::string format_add_checkpoint_request(const AddCheckpointRequest& request);

class Witness {
 public:
  // Makes a witness that cosigns with `cosigner` (a cosignature/v1 key) and
  // follows the logs of `logs` (Ed25519 keys, each named by its log's
  // origin), keeping the latest cosigned checkpoint per origin in `state_dir`.
  // `clock` must outlive the witness. Fails with kInvalidArgument on key types.
  static Result<Witness> create(NoteSigner cosigner, std::vector<NoteVerifier> logs,
                                std::filesystem::path state_dir, const Clock& clock);

  // Handles an add-checkpoint request body and returns the cosignature line.
  // Failures map to the protocol's HTTP statuses (see witness_http_status):
  // kMalformed or kInvalidArgument (400), kPermissionDenied for a bad or
  // missing log signature (403), kNotFound for an unknown origin (404),
  // kConflict when old_size is not the size last cosigned (409), kRejected
  // when consistency does not verify (422). Checking and updating the state
  // is atomic across processes.
  Result<std::string> add_checkpoint(std::string_view request_body);

  // Returns the size of the latest checkpoint cosigned for `origin`, 0 if none.
  Result<uint64_t> latest_size(std::string_view origin) const;

  const NoteVerifier& verifier() const { return cosigner_.verifier(); }

 private:
  Witness(NoteSigner cosigner, std::vector<NoteVerifier> logs, std::filesystem::path state_dir,
          const Clock& clock);

  NoteSigner cosigner_;
  std::vector<NoteVerifier> logs_;
  std::filesystem::path state_dir_;
  const Clock& clock_;
};

// Returns the latest checkpoint (unsigned) a witness with state in
// `state_dir` cosigned for `origin`, or the empty tree if none.
Result<Checkpoint> read_witness_state(const std::filesystem::path& state_dir,
                                      std::string_view origin);

// Returns the HTTP status c2sp.org/tlog-witness prescribes for an error from
// Witness::add_checkpoint.
int witness_http_status(const Error& error);

}  // namespace cloister::tlog
