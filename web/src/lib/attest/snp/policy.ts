// What a client demands of an SEV-SNP report beyond a valid chain and
// signature. The defaults forbid debug and a migration agent, allow SMT,
// refuse SIMULATED evidence, and leave measurement and REPORT_DATA unchecked
// (the verdict notes that); a client sets both from the release manifest and
// the session binding. The twin of the C++ attest/snp/policy.h.
import type { TcbParts } from './tcb';

export interface SnpPolicy {
  allow_debug: boolean;
  allow_migration_agent: boolean;
  allow_smt: boolean;
  allow_simulated: boolean; // development only
  required_vmpl: number | null;
  minimum_guest_svn: number;
  minimum_tcb: TcbParts | null;
  accepted_measurements: Uint8Array[] | null; // null: not checked; [] accepts nothing
  expected_report_data: Uint8Array | null; // 64 bytes
}

export const kDefaultSnpPolicy: SnpPolicy = {
  allow_debug: false,
  allow_migration_agent: false,
  allow_smt: true,
  allow_simulated: false,
  required_vmpl: null,
  minimum_guest_svn: 0,
  minimum_tcb: null,
  accepted_measurements: null,
  expected_report_data: null,
};
