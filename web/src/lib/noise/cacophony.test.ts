// Replays the cacophony vectors for Noise_XX_25519_AESGCM_SHA256 from
// ../shared/data/noise/cacophony.txt (mcginty/snow's copy), from both sides,
// with WebCrypto's X25519 and with @noble/curves'.
import { describe, expect, it } from 'vitest';
import { test_data_text } from '../test_data.test_support';
import { hex_decode, hex_encode } from '../bytes/encoding';
import { HandshakeState, kProtocolName } from './handshake_state';
import { x25519_key_pair } from './x25519';

interface Vector {
  protocol_name: string;
  init_prologue: string;
  init_static: string;
  init_ephemeral: string;
  resp_prologue: string;
  resp_static: string;
  resp_ephemeral: string;
  handshake_hash?: string;
  messages: { payload: string; ciphertext: string }[];
}

const vectors = (JSON.parse(test_data_text('noise/cacophony.txt')) as { vectors: Vector[] }).vectors.filter(
  (v) => v.protocol_name === kProtocolName,
);

describe('Noise XX against cacophony', () => {
  it('has vectors for our protocol', () => {
    expect(vectors.length).toBeGreaterThan(0);
  });

  it.each(vectors.map((v, i) => [i, v] as const))('vector %i: both roles reproduce every message', async (_i, v) => {
    const initiator = await HandshakeState.create({
      role: 'initiator',
      static_key: hex_decode(v.init_static),
      prologue: hex_decode(v.init_prologue),
      ephemeral_key: hex_decode(v.init_ephemeral),
    });
    const responder = await HandshakeState.create({
      role: 'responder',
      static_key: hex_decode(v.resp_static),
      prologue: hex_decode(v.resp_prologue),
      ephemeral_key: hex_decode(v.resp_ephemeral),
    });
    for (const [index, message] of v.messages.entries()) {
      const from_initiator = index % 2 === 0;
      const payload = hex_decode(message.payload);
      if (index < 3) {
        const [writer, reader] = from_initiator ? [initiator, responder] : [responder, initiator];
        expect(hex_encode(await writer.write_message(payload))).toBe(message.ciphertext);
        expect(hex_encode(await reader.read_message(hex_decode(message.ciphertext)))).toBe(message.payload);
        continue;
      }
      const sender = (from_initiator ? initiator : responder).result.send;
      const receiver = (from_initiator ? responder : initiator).result.receive;
      expect(hex_encode(await sender.encrypt_with_ad(new Uint8Array(0), payload))).toBe(message.ciphertext);
      expect(hex_encode(await receiver.decrypt_with_ad(new Uint8Array(0), hex_decode(message.ciphertext)))).toBe(message.payload);
    }
    if (v.handshake_hash !== undefined) expect(hex_encode(initiator.result.handshake_hash)).toBe(v.handshake_hash);
    expect(hex_encode(initiator.result.remote_static)).toBe(hex_encode(await public_of(v.resp_static)));
  });

  it('rejects a tampered message 2 and refuses out-of-turn messages', async () => {
    const v = vectors[0]!;
    const initiator = await HandshakeState.create({
      role: 'initiator',
      static_key: hex_decode(v.init_static),
      prologue: hex_decode(v.init_prologue),
      ephemeral_key: hex_decode(v.init_ephemeral),
    });
    await expect(initiator.read_message(new Uint8Array(48))).rejects.toThrow(/cannot read message1/);
    await initiator.write_message(hex_decode(v.messages[0]!.payload));
    const tampered = hex_decode(v.messages[1]!.ciphertext);
    tampered[40]! ^= 1;
    await expect(initiator.read_message(tampered)).rejects.toThrow(/message2: the static key does not decrypt/);
    await expect(initiator.read_message(new Uint8Array(10))).rejects.toThrow(/Noise ephemeral key at offset 0/);
  });
});

async function public_of(private_hex: string): Promise<Uint8Array> {
  return (await x25519_key_pair(hex_decode(private_hex))).public_key;
}
