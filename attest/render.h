// Renders claims and verdicts for people (text) and programs (JSON). SIMULATED
// evidence is labelled in both, on the first line and in a top-level field.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "attest/claims.h"

namespace cloister::attest {

// Returns the decoded claims as JSON: for SNP version, policy flags,
// measurement, report_data, TCBs, chip_id; for TDX mrtd, rtmrs, report_data,
// TD attributes and TCB status; for NVIDIA the measurements.
nlohmann::json claims_to_json(const Claims& claims);

// Returns {"platform", "simulated", "verdict": {...}, "claims": {...}}; with
// simulated evidence also a top-level "warning".
nlohmann::json verified_to_json(const VerifiedEvidence& verified);

// Returns the claims as "name: value" lines.
std::string claims_to_text(const Claims& claims);

}  // namespace cloister::attest
