// Drives `cloister proxy` with the official openai package, unchanged, as any
// program would. Run by client/proxy/proxy_openai_sdk_test.cc against a real
// cloister-host and cloister-enclave (SIMULATED TEE):
//   node proxy.test.mjs verified|refused|one
// PROXY_URL is the proxy's base URL (http://127.0.0.1:PORT/v1). Prints one
// "ok - ..." line per check and exits non-zero on the first failure.
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const mode = process.argv[2];
const client = new OpenAI({
  baseURL: process.env.PROXY_URL,
  apiKey: 'unused: the proxy attests the enclave instead',
  timeout: 120_000,
});
const messages = [{ role: 'user', content: 'Once upon a time' }];

function ok(what) {
  console.log(`ok - ${what}`);
}

// A receipt is 205 bytes starting "CLRC", version 1 (docs/protocol.md §16.4).
function assertReceipt(base64, what) {
  assert.equal(typeof base64, 'string', `${what}: no receipt`);
  const receipt = Buffer.from(base64, 'base64');
  assert.equal(receipt.length, 205, `${what}: receipt length`);
  assert.equal(receipt.subarray(0, 4).toString('latin1'), 'CLRC');
  assert.equal(receipt[4], 1);
}

async function verified() {
  // /v1/models lists the one model the attested release serves.
  const models = await client.models.list();
  const ids = models.data.map((m) => m.id);
  assert.deepEqual(ids, ['stories260K']);
  assert.equal(models.data[0].object, 'model');
  ok('models.list');

  // Non-streaming: a chat.completion, the receipt in X-Cloister-Receipt.
  const { data: whole, response } = await client.chat.completions
    .create({ model: 'stories260K', messages, max_tokens: 40, temperature: 0 })
    .withResponse();
  assert.equal(whole.object, 'chat.completion');
  assert.match(whole.id, /^chatcmpl-/);
  assert.equal(whole.model, 'stories260K');
  assert.equal(whole.choices.length, 1);
  assert.equal(whole.choices[0].message.role, 'assistant');
  assert.ok(whole.choices[0].message.content.length > 20, 'a real completion');
  assert.ok(['stop', 'length'].includes(whole.choices[0].finish_reason));
  assert.ok(whole.usage.completion_tokens > 0);
  assert.equal(whole.usage.total_tokens, whole.usage.prompt_tokens + whole.usage.completion_tokens);
  assertReceipt(response.headers.get('x-cloister-receipt'), 'non-streaming header');
  assert.equal(response.headers.get('x-cloister-receipt'), whole.cloister_receipt);
  assert.equal(response.headers.get('x-cloister-simulated'), 'true');
  assert.equal(response.headers.get('x-cloister-platform'), 'simulated-sev-snp');
  ok('chat.completions non-streaming');

  // Streaming: the same greedy answer, chunk by chunk, the receipt on the last chunk.
  const stream = await client.chat.completions.create({
    model: 'stories260K', messages, max_tokens: 40, temperature: 0, stream: true,
  });
  let text = '';
  let role = null;
  let finish = null;
  let last = null;
  let chunks = 0;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    chunks += 1;
    const delta = chunk.choices[0]?.delta ?? {};
    role ??= delta.role ?? null;
    text += delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    last = chunk;
  }
  assert.equal(role, 'assistant');
  // The role chunk, at least one content chunk (the enclave may coalesce
  // pieces when its reader is behind), the finish chunk.
  assert.ok(chunks >= 3, `streamed in ${chunks} chunks`);
  assert.equal(text, whole.choices[0].message.content, 'greedy: streamed equals whole');
  assert.equal(finish, whole.choices[0].finish_reason);
  assertReceipt(last.cloister_receipt, 'streaming last chunk');
  ok('chat.completions streaming');

  // stream_options.include_usage: a last chunk with no choices, the usage and the receipt.
  const withUsage = await client.chat.completions.create({
    model: 'stories260K', messages, max_tokens: 10, temperature: 0, stream: true,
    stream_options: { include_usage: true },
  });
  let usageChunk = null;
  for await (const chunk of withUsage) usageChunk = chunk;
  assert.deepEqual(usageChunk.choices, []);
  assert.ok(usageChunk.usage.completion_tokens > 0);
  assertReceipt(usageChunk.cloister_receipt, 'include_usage chunk');
  ok('chat.completions streaming with usage');

  // Mid-stream cancel: abort at the first piece of content; the proxy cancels
  // the generation in the enclave (the test checks the enclave's log).
  const long = await client.chat.completions.create({
    model: 'stories260K', messages, max_tokens: 1900, temperature: 0.9, seed: 3, stream: true,
  });
  let pieces = 0;
  for await (const chunk of long) {
    if (chunk.choices[0]?.delta?.content) pieces += 1;
    assert.equal(chunk.choices[0]?.finish_reason ?? null, null, 'aborted before the end');
    if (pieces === 1) {
      long.controller.abort();
      break;
    }
  }
  assert.equal(pieces, 1);
  ok('chat.completions streaming aborted mid-stream');

  // An error from the enclave arrives as OpenAI's error, with OpenAI's status.
  await assert.rejects(
    client.chat.completions.create({ model: 'stories260K', messages: [{ role: 'wizard', content: 'x' }] }),
    (error) => {
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.equal(error.status, 400);
      assert.equal(error.type, 'invalid_request_error');
      assert.match(error.message, /role/);
      return true;
    });
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-4o', messages }),
    (error) => {
      assert.ok(error instanceof OpenAI.NotFoundError, String(error));
      assert.equal(error.code, 'model_not_found');
      return true;
    });
  ok('enclave errors as OpenAI errors');

  // The session survived the cancel: one more answer.
  const after = await client.chat.completions.create({ model: 'stories260K', messages, max_tokens: 5 });
  assert.ok(after.choices[0].message.content.length > 0);
  ok('chat after cancel');
}

// One whole answer with its receipt (run before and after an enclave restart).
async function one() {
  const { data, response } = await client.chat.completions
    .create({ model: 'stories260K', messages, max_tokens: 20, temperature: 0 })
    .withResponse();
  assert.ok(data.choices[0].message.content.length > 0);
  assertReceipt(response.headers.get('x-cloister-receipt'), 'one');
  ok('one chat.completions');
}

async function refused() {
  const expectRefusal = (error) => {
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.status, 502);
    assert.equal(error.type, 'cloister_verification_failed');
    assert.match(error.message, /SIMULATED/);
    return true;
  };
  await assert.rejects(client.models.list(), expectRefusal);
  ok('models.list refused');
  await assert.rejects(client.chat.completions.create({ model: 'stories260K', messages }), expectRefusal);
  ok('chat.completions refused');
  await assert.rejects(
    client.chat.completions.create({ model: 'stories260K', messages, stream: true }), expectRefusal);
  ok('streaming chat.completions refused');
}

if (mode === 'verified') await verified();
else if (mode === 'refused') await refused();
else if (mode === 'one') await one();
else throw new Error(`usage: node proxy.test.mjs verified|refused|one (got ${mode})`);
console.log(`proxy.test.mjs ${mode}: all passed`);
