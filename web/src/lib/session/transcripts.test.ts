// Replays the initiator's side of the session transcripts in
// tests/vectors/session-*.json (written by the C++ session_vector_generator,
// docs/protocol.md §14.2): every message the client produces must equal the
// transcript byte for byte, and every enclave message must decrypt to the
// listed frame and event.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hex_decode, hex_encode } from '../bytes/encoding';
import { type Frame, type FrameTypeName, encode_frame, parse_frame } from './frame';
import { Initiator } from './initiator';
import type { ClientEvent } from './multiplexer';
import { SessionError } from './wire';

interface Message {
  frame: { type: FrameTypeName; fin: boolean; stream_id: number; chunk_index: number; payload: string };
  plaintext: string;
  wire: string;
  receiver_event: null | { kind: string; stream_id: number; body: string; error_code?: number; reason?: string };
}
interface Step {
  sender: 'initiator' | 'responder';
  action: string;
  stream_id?: number;
  body?: string;
  code?: number;
  reason?: string;
  payload?: string;
  messages: Message[];
}
interface Transcript {
  description: string;
  rekey_interval: number;
  chunk_size: number;
  initiator: { static_private: string; ephemeral_private: string; versions: number[]; nonce: string | null; authorization_token: string };
  evidence_bundle: Record<string, string | number>;
  report_data: string;
  handshake: { sender: string; payload: string; wire: string }[];
  outcome: 'established' | 'rejected';
  handshake_hash?: string;
  transport?: Step[];
}

const kDir = fileURLToPath(new URL('../../../../tests/vectors/', import.meta.url));
const files = existsSync(kDir) ? readdirSync(kDir).filter((f) => /^session-.*\.json$/.test(f)).sort() : [];

it('finds the session transcripts the C++ side checks in', () => {
  expect(files).toEqual(['session-basic.json', 'session-multiplexed.json', 'session-rekey.json', 'session-version-rejected.json']);
});

function event_json(event: ClientEvent | null): Message['receiver_event'] {
  if (event === null || event.kind === 'session-closed') return null;
  if (event.kind === 'stream-error') {
    return { kind: event.kind, stream_id: event.stream_id, body: '', error_code: event.error_code, reason: event.reason };
  }
  return { kind: event.kind, stream_id: event.stream_id, body: hex_encode(event.body) };
}

function frame_of(message: Message): Frame {
  const f = message.frame;
  return { type: f.type, fin: f.fin, stream_id: f.stream_id, chunk_index: f.chunk_index, payload: hex_decode(f.payload) };
}

describe('session transcripts (initiator side)', () => {
  it.each(files)('%s', async (file) => {
    const t = JSON.parse(readFileSync(kDir + file, 'utf8')) as Transcript;
    const initiator = await Initiator.create({
      versions: t.initiator.versions,
      nonce: t.initiator.nonce === null ? null : hex_decode(t.initiator.nonce),
      authorization_token: hex_decode(t.initiator.authorization_token),
      static_key: hex_decode(t.initiator.static_private),
      ephemeral_key: hex_decode(t.initiator.ephemeral_private),
      channel: { rekey_interval: t.rekey_interval, chunk_size: t.chunk_size },
    });
    expect(hex_encode(await initiator.start())).toBe(t.handshake[0]!.wire);
    if (t.outcome === 'rejected') {
      const refused = initiator.read_offer(hex_decode(t.handshake[1]!.wire));
      await expect(refused).rejects.toBeInstanceOf(SessionError);
      await expect(refused).rejects.toMatchObject({ wire_code: 2 });
      return;
    }
    const offer = await initiator.read_offer(hex_decode(t.handshake[1]!.wire));
    expect(hex_encode(offer.expected_report_data)).toBe(t.report_data);
    expect(offer.bundle.platform).toBe(t.evidence_bundle.platform);
    expect(hex_encode(offer.bundle.manifest)).toBe(t.evidence_bundle.manifest);
    expect(hex_encode(offer.bundle.tlog_proof)).toBe(t.evidence_bundle.tlog_proof);
    // The transcripts' stand-in report keeps REPORT_DATA at 0x50, as SNP does.
    const carried = offer.bundle.report.subarray(0x50, 0x90);
    expect(hex_encode(carried)).toBe(t.report_data);
    const { message3, channel } = await initiator.finish(carried, offer);
    expect(hex_encode(message3)).toBe(t.handshake[2]!.wire);
    expect(hex_encode(channel.handshake_hash)).toBe(t.handshake_hash);

    let pending_replies: Uint8Array[] = [];
    for (const step of t.transport ?? []) {
      for (const message of step.messages) {
        expect(hex_encode(encode_frame(frame_of(message)))).toBe(message.plaintext);
        expect(parse_frame(hex_decode(message.plaintext))).toEqual(frame_of(message));
      }
      if (step.sender === 'responder') {
        for (const message of step.messages) {
          const { event, replies } = await channel.receive(hex_decode(message.wire));
          if (step.action === 'close') expect(event).toMatchObject({ kind: 'session-closed', code: step.code });
          else expect(event_json(event)).toEqual(message.receiver_event);
          pending_replies = replies;
        }
        continue;
      }
      let wires: Uint8Array[];
      if (step.action === 'request') {
        const sent = await channel.request(hex_decode(step.body!));
        expect(sent.stream_id).toBe(step.stream_id);
        wires = sent.wires;
      } else if (step.action === 'cancel') {
        wires = [(await channel.cancel(step.stream_id!))!];
      } else if (step.action === 'ping') {
        wires = [await channel.ping(hex_decode(step.payload!))];
      } else if (step.action === 'close') {
        wires = [await channel.close(step.code!, step.reason ?? '')];
      } else if (step.action === 'reply') {
        wires = pending_replies;
      } else {
        throw new Error(`the client cannot perform ${step.action}`);
      }
      expect(wires.map(hex_encode)).toEqual(step.messages.map((m) => m.wire));
    }
  });
});
