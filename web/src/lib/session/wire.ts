// Cloister session protocol version 1 (docs/protocol.md): constants, limits
// and wire error codes, the twin of session/wire.h.
import { CloisterError } from '../errors';

export const kProtocolVersion = 1;
export const kPrologue = 'cloister/session';
export const kMaxVersions = 16;
export const kMaxReasonBytes = 1024;
export const kMaxAuthorizationToken = 4096;
export const kNonceSize = 32;
export const kFrameHeaderSize = 12;
export const kMaxFramePayload = 65507;
export const kMaxMessageBytes = 16 * 1024 * 1024;
export const kMaxChunks = 1024;
export const kMaxOpenStreams = 64;
export const kMaxPartialBytes = 32 * 1024 * 1024;
export const kMaxUnansweredPings = 4;
export const kDefaultRekeyInterval = 65536;
export const kHandshakeDeadlineMs = 30_000;

export const WireError = {
  closed: 0,
  protocol_error: 1,
  unsupported_version: 2,
  too_large: 3,
  unauthorized: 4,
  cancelled: 5,
  internal: 6,
  unavailable: 7,
  timeout: 8,
} as const;

// Returns the name of a wire error code ("application 257" above 255).
export function wire_error_name(code: number): string {
  for (const [name, value] of Object.entries(WireError)) if (value === code) return name;
  return code >= 256 ? `application ${code}` : `reserved ${code}`;
}

// A failure that ends the session, with the wire code the peer is told.
export class SessionError extends CloisterError {
  constructor(
    readonly wire_code: number,
    message: string,
  ) {
    super(wire_code === WireError.too_large ? 'resource_exhausted' : wire_code === WireError.protocol_error ? 'malformed' : 'rejected', message);
  }
}

export function protocol_error(message: string): SessionError {
  return new SessionError(WireError.protocol_error, message);
}

export function too_large(message: string): SessionError {
  return new SessionError(WireError.too_large, message);
}
