// Frames (docs/protocol.md §7): a 12-byte header and a payload, one per Noise
// transport message, with the rules that need no session state.
import { ByteReader } from '../bytes/reader';
import { ByteWriter } from '../bytes/writer';
import { utf8_decode, utf8_encode } from '../bytes/encoding';
import { kFrameHeaderSize, kMaxFramePayload, kMaxReasonBytes, protocol_error } from './wire';

export const FrameType = {
  request: 1,
  'response-start': 2,
  'stream-delta': 3,
  'response-end': 4,
  error: 5,
  cancel: 6,
  ping: 7,
  pong: 8,
} as const;
export type FrameTypeName = keyof typeof FrameType;
const kNames = Object.keys(FrameType) as FrameTypeName[];
export const kChunkedTypes: ReadonlySet<FrameTypeName> = new Set(['request', 'response-start', 'stream-delta', 'response-end']);

export interface Frame {
  type: FrameTypeName;
  fin: boolean;
  stream_id: number;
  chunk_index: number;
  payload: Uint8Array;
}

// Checks the stateless rules of §7; throws a protocol error.
export function check_frame(frame: Frame): void {
  if (frame.payload.length > kMaxFramePayload) throw protocol_error(`frame payload of ${frame.payload.length} bytes`);
  if (kChunkedTypes.has(frame.type)) {
    if (frame.stream_id === 0) throw protocol_error(`${frame.type} on stream 0`);
    if (!frame.fin && frame.payload.length === 0) throw protocol_error(`${frame.type} chunk without FIN is empty`);
    return;
  }
  if (!frame.fin || frame.chunk_index !== 0) throw protocol_error(`${frame.type} must be a single frame`);
  if (frame.type === 'cancel' && (frame.stream_id === 0 || frame.payload.length !== 0)) {
    throw protocol_error('cancel needs a stream and no payload');
  }
  if ((frame.type === 'ping' || frame.type === 'pong') && (frame.stream_id !== 0 || frame.payload.length !== 8)) {
    throw protocol_error(`${frame.type} needs stream 0 and 8 bytes`);
  }
  if (frame.type === 'error') parse_error_payload(frame.payload);
}

export function encode_frame(frame: Frame): Uint8Array {
  check_frame(frame);
  return new ByteWriter()
    .u8(FrameType[frame.type])
    .u8(frame.fin ? 1 : 0)
    .u32be(frame.stream_id)
    .u32be(frame.chunk_index)
    .u16be(frame.payload.length)
    .bytes(frame.payload)
    .finish();
}

export function parse_frame(bytes: Uint8Array): Frame {
  const reader = new ByteReader(bytes);
  let frame: Frame;
  try {
    const code = reader.u8('frame type');
    const type = kNames[code - 1];
    if (type === undefined) throw reader.malformed('frame type', `unknown type ${code}`);
    const flags = reader.u8('frame flags');
    if (flags & 0xfe) throw reader.malformed('frame flags', 'reserved bits set');
    const stream_id = reader.u32be('stream id');
    const chunk_index = reader.u32be('chunk index');
    const length = reader.u16be('frame length');
    if (length > kMaxFramePayload) throw reader.malformed('frame length', `${length} exceeds ${kMaxFramePayload}`);
    const payload = reader.bytes(length, 'frame payload').slice();
    reader.expect_end('frame');
    frame = { type, fin: flags === 1, stream_id, chunk_index, payload };
  } catch (e) {
    if (e instanceof Error) throw protocol_error(e.message);
    throw e;
  }
  check_frame(frame);
  return frame;
}

export interface ErrorPayload {
  code: number;
  reason: string;
}

export function encode_error_payload(error: ErrorPayload): Uint8Array {
  const reason = utf8_encode(error.reason);
  if (reason.length > kMaxReasonBytes) throw protocol_error('error reason over 1024 bytes');
  return new ByteWriter().u16be(error.code).bytes(reason).finish();
}

export function parse_error_payload(payload: Uint8Array): ErrorPayload {
  const reader = new ByteReader(payload);
  try {
    const code = reader.u16be('error code');
    const reason = reader.rest();
    if (reason.length > kMaxReasonBytes) throw reader.malformed('error reason', 'over 1024 bytes');
    return { code, reason: utf8_decode(reason, 'error reason') };
  } catch (e) {
    if (e instanceof Error) throw protocol_error(e.message);
    throw e;
  }
}

// The frame header size, for callers that size chunks.
export const kFrameOverhead = kFrameHeaderSize;
