// The client's side of streams (docs/protocol.md §8, §9): opening streams
// with increasing ids, chunking requests, reassembling responses, checking
// the order of frames on each stream, cancel, ping/pong and every limit. It
// turns frames into events and back; it knows nothing of encryption.
import { concat } from '../bytes/writer';
import { type Frame, type FrameTypeName, encode_error_payload, parse_error_payload } from './frame';
import {
  SessionError,
  WireError,
  kMaxChunks,
  kMaxFramePayload,
  kMaxMessageBytes,
  kMaxOpenStreams,
  kMaxPartialBytes,
  kMaxUnansweredPings,
  protocol_error,
  too_large,
} from './wire';

export type ClientEvent =
  | { kind: 'response-start' | 'stream-delta' | 'response-end'; stream_id: number; body: Uint8Array }
  | { kind: 'stream-error'; stream_id: number; error_code: number; reason: string }
  | { kind: 'pong'; stream_id: 0; body: Uint8Array }
  | { kind: 'session-closed'; code: number; reason: string };

type Phase = 'awaiting-start' | 'streaming';

interface Stream {
  phase: Phase;
  cancelled: boolean;
  partial: { type: FrameTypeName; chunks: Uint8Array[]; bytes: number } | null;
}

export interface ReceiveResult {
  event: ClientEvent | null; // null when a cancelled stream's frame was discarded, or a chunk is partial
  replies: Frame[]; // frames to send back at once (a pong)
}

export class ClientMultiplexer {
  private last_stream_id = 0;
  private readonly streams = new Map<number, Stream>();
  private readonly ended = new Set<number>();
  private readonly pings: Uint8Array[] = [];
  private partial_bytes = 0;

  constructor(private readonly chunk_size = kMaxFramePayload) {
    if (chunk_size < 1 || chunk_size > kMaxFramePayload) throw new RangeError(`bad chunk size ${chunk_size}`);
  }

  get open_streams(): number {
    return this.streams.size;
  }

  private chunk(type: FrameTypeName, stream_id: number, body: Uint8Array): Frame[] {
    if (body.length > kMaxMessageBytes) throw too_large(`a ${type} of ${body.length} bytes`);
    const frames: Frame[] = [];
    let offset = 0;
    do {
      const payload = body.subarray(offset, offset + this.chunk_size);
      offset += payload.length;
      frames.push({ type, fin: offset >= body.length, stream_id, chunk_index: frames.length, payload });
    } while (offset < body.length);
    if (frames.length > kMaxChunks) throw too_large(`a ${type} in ${frames.length} chunks`);
    return frames;
  }

  // Opens the next stream with a request; returns its id and frames.
  request(body: Uint8Array): { stream_id: number; frames: Frame[] } {
    if (this.streams.size >= kMaxOpenStreams) throw too_large('64 streams are already open');
    if (this.last_stream_id >= 0xffffffff) throw protocol_error('stream ids are exhausted: open a new session');
    const stream_id = ++this.last_stream_id;
    const frames = this.chunk('request', stream_id, body);
    this.streams.set(stream_id, { phase: 'awaiting-start', cancelled: false, partial: null });
    return { stream_id, frames };
  }

  // Cancels an open stream (once); returns the frame, or null if it has ended.
  cancel(stream_id: number): Frame | null {
    const stream = this.streams.get(stream_id);
    if (stream === undefined || stream.cancelled) return null;
    stream.cancelled = true;
    return { type: 'cancel', fin: true, stream_id, chunk_index: 0, payload: new Uint8Array(0) };
  }

  ping(payload: Uint8Array): Frame {
    if (payload.length !== 8) throw new RangeError('pings carry 8 bytes');
    if (this.pings.length >= kMaxUnansweredPings) throw too_large('4 pings are unanswered');
    this.pings.push(payload.slice());
    return { type: 'ping', fin: true, stream_id: 0, chunk_index: 0, payload: payload.slice() };
  }

  // The session error frame that ends the session.
  close(code: number, reason: string): Frame {
    return { type: 'error', fin: true, stream_id: 0, chunk_index: 0, payload: encode_error_payload({ code, reason }) };
  }

  // Takes one frame from the enclave. Throws SessionError on any violation.
  receive(frame: Frame): ReceiveResult {
    switch (frame.type) {
      case 'ping':
        return { event: null, replies: [{ ...frame, type: 'pong' }] };
      case 'pong':
        return { event: this.pong(frame), replies: [] };
      case 'request':
      case 'cancel':
        throw protocol_error(`the enclave sent a ${frame.type} frame`);
      case 'error':
        return { event: this.error(frame), replies: [] };
      default:
        return { event: this.chunked(frame), replies: [] };
    }
  }

  private pong(frame: Frame): ClientEvent {
    const oldest = this.pings.shift();
    if (oldest === undefined || !oldest.every((b, i) => b === frame.payload[i])) {
      throw protocol_error('a pong does not answer the oldest ping');
    }
    return { kind: 'pong', stream_id: 0, body: frame.payload };
  }

  private open_stream(frame: Frame): Stream {
    const stream = this.streams.get(frame.stream_id);
    if (stream === undefined) throw protocol_error(`${frame.type} for stream ${frame.stream_id}, which is not open`);
    return stream;
  }

  private end(stream_id: number, stream: Stream): void {
    if (stream.partial !== null) this.partial_bytes -= stream.partial.bytes;
    this.streams.delete(stream_id);
    this.ended.add(stream_id);
  }

  private error(frame: Frame): ClientEvent | null {
    const { code, reason } = parse_error_payload(frame.payload);
    if (frame.stream_id === 0) return { kind: 'session-closed', code, reason };
    const stream = this.open_stream(frame);
    if (code === WireError.closed) throw protocol_error('a stream error with code 0');
    if (stream.partial !== null) throw protocol_error(`an error inside a ${stream.partial.type} on stream ${frame.stream_id}`);
    this.end(frame.stream_id, stream);
    return { kind: 'stream-error', stream_id: frame.stream_id, error_code: code, reason };
  }

  private chunked(frame: Frame): ClientEvent | null {
    const stream = this.open_stream(frame);
    const type = frame.type;
    if (stream.partial === null) {
      const allowed = stream.phase === 'awaiting-start' ? type === 'response-start' : type === 'stream-delta' || type === 'response-end';
      if (!allowed) throw protocol_error(`${type} on stream ${frame.stream_id} while ${stream.phase}`);
      if (frame.chunk_index !== 0) throw protocol_error(`chunk ${frame.chunk_index} arrived where chunk 0 was expected`);
      stream.partial = { type, chunks: [], bytes: 0 };
    } else if (stream.partial.type !== type || frame.chunk_index !== stream.partial.chunks.length) {
      throw protocol_error(`chunk ${frame.chunk_index} of a ${type} arrived where chunk ${stream.partial.chunks.length} of a ${stream.partial.type} was expected`);
    }
    const partial = stream.partial;
    partial.chunks.push(frame.payload);
    partial.bytes += frame.payload.length;
    this.partial_bytes += frame.payload.length;
    if (partial.chunks.length > kMaxChunks) throw too_large(`a ${type} of more than ${kMaxChunks} chunks`);
    if (partial.bytes > kMaxMessageBytes) throw too_large(`a ${type} over 16 MiB`);
    if (this.partial_bytes > kMaxPartialBytes) throw too_large('over 32 MiB of partial messages');
    if (!frame.fin) return null;
    const body = concat(...partial.chunks);
    this.partial_bytes -= partial.bytes;
    stream.partial = null;
    stream.phase = 'streaming';
    if (type === 'response-end') this.end(frame.stream_id, stream);
    if (stream.cancelled) return null;
    return { kind: type as 'response-start' | 'stream-delta' | 'response-end', stream_id: frame.stream_id, body };
  }
}

export { SessionError };
