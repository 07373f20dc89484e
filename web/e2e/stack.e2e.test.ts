// The web app against the real stack (real_stack.ts): cloister-host serving a
// development build pinned to a throwaway log, relaying to cloister-enclave
// (SIMULATED provider) running stories260K. In headless Chromium with a
// virtual PRF passkey: create an account, chat and watch the answer stream,
// read the attestation panel (SIMULATED), reload and unlock to find the
// history at the host; a second browser profile unlocks with the recovery
// code and sees the same conversation; the stop button cancels an answer
// arriving over a slow network; a byte flipped in the enclave's handshake
// offer, or the enclave's real evidence offered by a man in the middle under
// its own key, makes the page refuse and send nothing; and neither the host's
// database nor its log nor the relayed bytes hold the prompt. Screenshots go
// to build/web-e2e/ (and docs/images/web-chat.png with
// CLOISTER_UPDATE_SCREENSHOTS=1).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, add_prf_authenticator, launch_chromium } from './chromium';
import {
  type Enclave,
  type Host,
  type Relay,
  build_app,
  kModel,
  make_log,
  make_release,
  missing_inputs,
  real_stack_required,
  start_enclave,
  start_host,
  start_relay,
  work_dir,
} from './real_stack';

const kShots = fileURLToPath(new URL('../../build/web-e2e/', import.meta.url));
const kReadmeShot = fileURLToPath(new URL('../../docs/images/web-chat.png', import.meta.url));
const kPrompt = 'Once upon a time there was a quokka-8817';

const missing = missing_inputs();
if (missing.length > 0 && real_stack_required()) {
  throw new Error(`CI=true and the real stack is missing: ${missing.join(', ')} (build with cmake --preset release && cmake --build build/release)`);
}
if (missing.length > 0) console.warn(`skipping the real-stack web tests; missing: ${missing.join(', ')}`);

function bytes_of(path: string): Buffer {
  return existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
}

describe.skipIf(missing.length > 0)('web app on the real stack (cloister-host, cloister-enclave SIMULATED, stories260K)', () => {
  const work = work_dir();
  let enclave: Enclave;
  let relay: Relay;
  let host: Host;
  let browser: Browser;
  let recovery_code = '';
  let account = '';

  beforeAll(async () => {
    mkdirSync(kShots, { recursive: true });
    const log = make_log(work.path);
    const digest = build_app(join(work.path, 'web'), log.log_vkey, log.witness_vkey);
    const release = make_release(work.path, log, digest);
    enclave = await start_enclave(work.path, release);
    relay = await start_relay(enclave.port);
    host = await start_host(work.path, join(work.path, 'web'), { log_dir: release.log_dir, replica_port: relay.port, enclave_port: enclave.port });
    browser = await launch_chromium();
    await add_prf_authenticator(browser);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await relay?.close();
    await enclave?.close();
    work.remove();
  });

  it('creates an account, verifies the enclave, streams an answer, and finds the history after a reload', async () => {
    const { page } = browser;
    await page.goto(host.origin + '/');
    await page.getByTestId('create-passkey').click();
    recovery_code = (await page.getByTestId('recovery-code').textContent({ timeout: 30_000 })) ?? '';
    await page.getByTestId('recovery-saved').click();
    account = (await page.getByTestId('account-id').textContent({ timeout: 20_000 })) ?? '';
    expect(account).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await page.getByTestId('new-conversation').click();

    // Every text the answer bubble shows, to see that it grows in steps.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { answer_texts: string[] }).answer_texts = seen;
      new MutationObserver(() => {
        const text = document.querySelector('.message.assistant:last-child')?.textContent ?? '';
        if (text !== '' && seen.at(-1) !== text) seen.push(text);
      }).observe(document.getElementById('app')!, { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId('composer').fill(kPrompt);
    await page.getByTestId('composer').press('Enter');
    // The answer's bubble appears once the enclave is verified; then it streams until done.
    await expect.poll(() => page.locator('.message.assistant').count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('chat-status').textContent(), { timeout: 60_000 }).toBe('');
    await expect.poll(() => page.getByTestId('stop').isHidden()).toBe(true);
    const answer = (await page.locator('.message.assistant').last().textContent()) ?? '';
    expect(answer.trim().length).toBeGreaterThan(10);
    const texts = await page.evaluate(() => (window as unknown as { answer_texts: string[] }).answer_texts);
    expect(texts.length).toBeGreaterThan(2); // streamed, not delivered whole
    expect(texts.at(-1)).toBe(answer);
    for (let i = 1; i < texts.length; i++) expect(texts[i]!.length).toBeGreaterThanOrEqual(texts[i - 1]!.length);

    expect(await page.getByTestId('simulated').textContent()).toMatch(/^SIMULATED/);
    expect(await page.getByTestId('platform').textContent()).toMatch(/SNP/);
    expect(await page.getByTestId('release').textContent()).toMatch(/^0\.1\.0-e2e /);
    expect(await page.getByTestId('checkpoint').textContent()).toMatch(/^e2e\.cloister\.example\/releases at size 1,/);
    const model_digest = createHash('sha256').update(readFileSync(kModel)).digest('hex');
    expect(await page.getByTestId('model').textContent()).toBe(model_digest);
    await page.screenshot({ path: kShots + 'real-chat.png' });
    await page.getByTestId('attestation').screenshot({ path: kShots + 'real-attestation-panel.png' });
    if (process.env.CLOISTER_UPDATE_SCREENSHOTS === '1') {
      mkdirSync(dirname(kReadmeShot), { recursive: true });
      copyFileSync(kShots + 'real-chat.png', kReadmeShot);
    }

    await page.reload();
    await page.getByTestId('unlock-passkey').click();
    expect(await page.getByTestId('account-id').textContent({ timeout: 20_000 })).toBe(account);
    await expect.poll(() => page.getByTestId('messages').textContent(), { timeout: 20_000 }).toContain(kPrompt);
    expect(await page.locator('.message.assistant').last().textContent()).toBe(answer);
    expect(browser.problems).toEqual([]);
  });

  it('unlocks in a second browser profile with the recovery code and shows the same conversation', async () => {
    expect(recovery_code).not.toBe('');
    const other = await launch_chromium();
    try {
      await other.page.goto(host.origin + '/');
      await other.page.getByTestId('recovery-input').fill(recovery_code);
      await other.page.getByTestId('unlock-recovery').click();
      expect(await other.page.getByTestId('account-id').textContent({ timeout: 20_000 })).toBe(account);
      await expect.poll(() => other.page.getByTestId('messages').textContent(), { timeout: 20_000 }).toContain(kPrompt);
      expect(await other.page.locator('.message.assistant').count()).toBe(1);
      expect(other.problems).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('stops a generation with the stop button at once, then answers the next message', async () => {
    const { page } = browser;
    await page.getByTestId('new-conversation').click();
    relay.delay_ms = 80; // a slow network, so that the answer is still arriving
    const answer = page.locator('.message.assistant').last();
    try {
      await page.getByTestId('composer').fill('Tell me about the heron-2290');
      await page.getByTestId('composer').press('Enter');
      await expect.poll(async () => ((await answer.textContent()) ?? '').length, { timeout: 30_000 }).toBeGreaterThan(0);
      await page.getByTestId('stop').click();
      await expect.poll(() => page.getByTestId('chat-status').textContent(), { timeout: 10_000 }).toBe('Stopped.');
    } finally {
      relay.delay_ms = 0;
    }
    const stopped = await answer.textContent();
    expect(await page.getByTestId('stop').isHidden()).toBe(true);
    await new Promise((done) => setTimeout(done, 1000));
    expect(await answer.textContent()).toBe(stopped); // nothing more was shown
    // The next message is answered.
    await page.getByTestId('composer').fill('And then?');
    await page.getByTestId('composer').press('Enter');
    await expect.poll(() => page.locator('.message.assistant').count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => page.getByTestId('chat-status').textContent(), { timeout: 30_000 }).toBe('');
    expect(((await answer.textContent()) ?? '').trim().length).toBeGreaterThan(0);
  });

  it('refuses an offer tampered with on the way and sends nothing', async () => {
    const { page } = browser;
    await page.reload();
    await page.getByTestId('unlock-passkey').click();
    await page.getByTestId('new-conversation').click({ timeout: 20_000 });
    const before = relay.from_client.length;
    relay.tamper = true;
    try {
      await page.getByTestId('composer').fill('A secret about the aardvark-5519');
      await page.getByTestId('composer').press('Enter');
      await expect.poll(() => page.getByTestId('chat-status').textContent(), { timeout: 30_000 }).toMatch(
        /^Not sent: .*message 2.*does not decrypt/,
      );
    } finally {
      relay.tamper = false;
    }
    await page.screenshot({ path: kShots + 'real-refused.png' });
    // Only handshake message 1 left the page for that session.
    expect(relay.from_client.length - before).toBe(1);
    expect(await page.locator('.message.assistant').count()).toBe(0);
  });

  it('refuses the real evidence relayed by a man in the middle, and sends nothing', async () => {
    const { page } = browser;
    await page.reload();
    await page.getByTestId('unlock-passkey').click();
    await page.getByTestId('new-conversation').click({ timeout: 20_000 });
    const before = relay.from_client.length;
    relay.impersonate = true;
    try {
      await page.getByTestId('composer').fill('A question for the ibis-6620');
      await page.getByTestId('composer').press('Enter');
      await expect.poll(() => page.getByTestId('chat-status').textContent(), { timeout: 30_000 }).toMatch(
        /^Not sent: .*REPORT_DATA [0-9a-f]{128} is not the expected [0-9a-f]{128}/,
      );
    } finally {
      relay.impersonate = false;
    }
    expect(relay.impersonated).toBe(1);
    expect(relay.from_client.length - before).toBe(1); // handshake message 1 only
    expect(await page.locator('.message.assistant').count()).toBe(0);
  });

  it('leaves no prompt in the clear at the host: its database, its log, or the bytes it relayed', async () => {
    const relayed = Buffer.concat([...relay.from_client, ...relay.from_enclave].map((m) => Buffer.from(m)));
    expect(relayed.length).toBeGreaterThan(0);
    const db = Buffer.concat([bytes_of(host.db), bytes_of(host.db + '-wal')]);
    expect(db.length).toBeGreaterThan(0);
    const log = bytes_of(host.log);
    for (const secret of ['quokka-8817', 'heron-2290', 'aardvark-5519', 'ibis-6620', 'Once upon a time there']) {
      expect(relayed.includes(secret)).toBe(false);
      expect(db.includes(secret)).toBe(false);
      expect(log.includes(secret)).toBe(false);
    }
  });
});
