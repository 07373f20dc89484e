// The outcome of verifying evidence, as the C++ attest/verdict.h words it:
// which named checks passed, and for each failure a stable reason plus a
// precise detail. A verdict accepts only when no check failed.

export const Reason = {
  MalformedEvidence: 'malformed evidence',
  UnsupportedEvidence: 'unsupported evidence',
  RootNotPinned: 'root not pinned',
  ChainInvalid: 'certificate chain invalid',
  CertificateNotValidNow: 'certificate not valid at this time',
  CertificateAlgorithm: 'certificate algorithm not allowed',
  ProductMismatch: 'product mismatch',
  SimulatedNotAllowed: 'SIMULATED evidence not allowed',
  SignatureInvalid: 'signature invalid',
  ReportedTcbMismatch: 'reported TCB differs from certificate TCB',
  CertificateTcbAboveCurrent: 'certificate TCB above current TCB',
  TcbBelowMinimum: 'TCB below minimum',
  ChipIdMismatch: 'chip id mismatch',
  DebugPolicySet: 'debug policy set',
  MigrationAgentAllowed: 'migration agent allowed',
  SmtNotAllowed: 'SMT not allowed',
  VmplMismatch: 'VMPL mismatch',
  GuestSvnBelowMinimum: 'guest SVN below minimum',
  MeasurementNotInRelease: 'measurement not in release',
  ReportDataMismatch: 'report_data mismatch',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export interface Failure {
  reason: Reason;
  detail: string;
}

export class Verdict {
  simulated = false;
  readonly passed: string[] = [];
  readonly failures: Failure[] = [];
  readonly notes: string[] = [];

  get accepted(): boolean {
    return this.failures.length === 0;
  }

  pass(check: string): void {
    this.passed.push(check);
  }
  fail(reason: Reason, detail: string): void {
    this.failures.push({ reason, detail });
  }
  note(text: string): void {
    this.notes.push(text);
  }

  // Returns true if some failure has `reason`.
  failed_with(reason: Reason): boolean {
    return this.failures.some((f) => f.reason === reason);
  }

  // Returns "<reason>: <detail>" for every failure, one per line.
  describe_failures(): string {
    return this.failures.map((f) => `${f.reason}: ${f.detail}`).join('\n');
  }
}
