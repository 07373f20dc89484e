// The one error type of the web app's libraries: a code saying what kind of
// failure it is, and a message saying exactly what was wrong. Parsers of
// untrusted bytes throw `malformed`; verifiers throw `rejected` with the
// reason first, so the UI can show it as is.

export type ErrorCode =
  | 'malformed' // bytes that do not follow the format
  | 'rejected' // well-formed, but fails a check (signature, policy, binding)
  | 'unsupported' // a version or algorithm this client does not speak
  | 'invalid_argument' // a caller passed something out of contract
  | 'unavailable' // something needed could not be obtained
  | 'resource_exhausted'; // a size or count bound was exceeded

export class CloisterError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CloisterError';
  }

  // Returns the same error with `context` put in front of its message.
  with_context(context: string): CloisterError {
    return new CloisterError(this.code, `${context}: ${this.message}`);
  }
}

// Returns true if `e` is a CloisterError with code `code`.
export function is_error(e: unknown, code?: ErrorCode): e is CloisterError {
  return e instanceof CloisterError && (code === undefined || e.code === code);
}
