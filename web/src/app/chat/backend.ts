// What the chat view needs from whatever answers it: a stream of text deltas
// for a conversation, which stops when asked, and what was verified about the
// answering enclave (for the attestation panel).
import type { AttestationSummary } from '../../lib/client/attest_offer';
import type { Role } from './conversation';

export interface ChatBackend {
  // Yields the answer's text as it streams. Aborting `signal` cancels the
  // generation (the enclave is told to stop) and ends the iteration.
  stream(messages: { role: 'system' | Role; content: string }[], signal: AbortSignal): AsyncIterable<string>;
  // What the enclave proved before anything was sent to it.
  attestation(): AttestationSummary;
  // True once the session has ended; the next message needs a new one.
  readonly closed: boolean;
}

// Connects to an attested enclave, or throws explaining why not.
export type BackendConnector = () => Promise<ChatBackend>;
