// The development build (dist-dev: pins the test log of web/fixtures/tlog and
// accepts SIMULATED evidence) in headless Chromium, chatting with the
// stand-in enclave (stand_in_enclave.ts) through a relay that records every
// byte: register with a passkey, ask, see the streamed Markdown answer, stop
// a generation, read the attestation panel; the relay never carries the
// prompt in the clear; and tampered evidence is refused before anything is
// sent. Screenshots go to build/web-e2e/. The same test against the real
// host, enclave and stories260K comes once those exist.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type Browser, add_prf_authenticator, launch_chromium } from './chromium';
import { type StandInEnclave, type StandInOptions, attach_stand_in_enclave } from './stand_in_enclave';
import { type StaticServer, serve_directory } from './static_server';

const kDist = fileURLToPath(new URL('../dist-dev/', import.meta.url));
const kLog = fileURLToPath(new URL('../fixtures/tlog/log/', import.meta.url));
const kShots = fileURLToPath(new URL('../../build/web-e2e/', import.meta.url));

interface Stack {
  server: StaticServer;
  enclave: StandInEnclave;
  browser: Browser;
}
let stack: Stack | null = null;

async function start(options: StandInOptions = {}): Promise<Stack> {
  if (!existsSync(kDist + 'index.html')) throw new Error('web/dist-dev is not built: run web/run-tests');
  mkdirSync(kShots, { recursive: true });
  const server = await serve_directory(kDist, { '/log/': kLog });
  const enclave = attach_stand_in_enclave(server.server, options);
  const browser = await launch_chromium();
  await add_prf_authenticator(browser);
  stack = { server, enclave, browser };
  await browser.page.goto(server.origin + '/');
  await browser.page.getByTestId('create-passkey').click();
  await browser.page.getByTestId('recovery-saved').click({ timeout: 20_000 });
  await browser.page.getByTestId('new-conversation').click();
  return stack;
}

afterEach(async () => {
  await stack?.browser.close();
  await stack?.enclave.close();
  await stack?.server.close();
  stack = null;
});

function relayed_text(enclave: StandInEnclave): string {
  return Buffer.concat(enclave.relayed.map((m) => Buffer.from(m))).toString('latin1');
}

describe('chat in headless Chromium with the stand-in enclave', () => {
  it('streams a verified answer as Markdown, shows the attestation, and never relays the prompt in the clear', async () => {
    const { browser, enclave } = await start();
    const { page } = browser;
    await page.getByTestId('composer').fill('What is a zebra-crossing-7431?');
    await page.getByTestId('composer').press('Enter');
    const answer = page.locator('.message.assistant').last();
    await expect.poll(() => answer.textContent(), { timeout: 30_000 }).toMatch(/done\.$/);
    await expect.poll(() => page.getByTestId('stop').isHidden()).toBe(true);
    expect(await page.getByTestId('chat-status').textContent()).toBe('');
    expect(await answer.locator('strong').first().textContent()).toBe('Stand-in enclave');
    expect(await answer.locator('li').allTextContents()).toEqual(['first point', 'second point']);
    expect(await answer.locator('blockquote').textContent()).toContain('zebra-crossing-7431');
    expect(await page.getByTestId('simulated').textContent()).toMatch(/SIMULATED/);
    expect(await page.getByTestId('release').textContent()).toMatch(/^0\.1\.259 /);
    expect(await page.getByTestId('checkpoint').textContent()).toMatch(/^example\.com\/cloister-test-log at size 260/);
    expect(await page.getByTestId('model').textContent()).toBe('270cba1b0000000000000000000000000000000000000000000000000000256d');
    await page.screenshot({ path: kShots + 'chat-answer.png' });
    await page.getByTestId('attestation').screenshot({ path: kShots + 'attestation-panel.png' });

    expect(enclave.finished_handshakes).toBe(1);
    expect(enclave.requests.join()).toContain('zebra-crossing-7431');

    // The enclave goes away; the next message opens and verifies a new session.
    enclave.drop_connections();
    await page.getByTestId('composer').fill('And a second question');
    await page.getByTestId('composer').press('Enter');
    await expect.poll(() => page.locator('.message.assistant').count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => page.locator('.message.assistant').last().textContent(), { timeout: 30_000 }).toMatch(/done\.$/);
    expect(enclave.finished_handshakes).toBe(2);
    expect(JSON.parse(enclave.requests.at(-1)!).messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(relayed_text(enclave)).not.toContain('zebra-crossing-7431');
    expect(relayed_text(enclave)).not.toContain('zebra');
    expect(browser.problems).toEqual([]);
  });

  it('stops a generation with the stop button', async () => {
    const { browser, enclave } = await start({ word_delay_ms: 150 });
    const { page } = browser;
    await page.getByTestId('composer').fill('Tell me a long story');
    await page.getByTestId('composer').press('Enter');
    await expect.poll(() => page.locator('.message.assistant').last().textContent(), { timeout: 30_000 }).toContain('Stand-in');
    await page.getByTestId('stop').click();
    await expect.poll(() => page.getByTestId('chat-status').textContent(), { timeout: 10_000 }).toBe('Stopped.');
    expect(enclave.cancels).toBe(1);
    expect(await page.locator('.message.assistant').last().textContent()).not.toContain('done.');
    expect(await page.getByTestId('stop').isHidden()).toBe(true);
  });

  it('refuses tampered evidence and sends nothing', async () => {
    const { browser, enclave } = await start({ tamper_report: true });
    const { page } = browser;
    await page.getByTestId('composer').fill('A secret question about aardvark-5519');
    await page.getByTestId('composer').press('Enter');
    await expect.poll(() => page.getByTestId('chat-status').textContent(), { timeout: 30_000 }).toMatch(/^Not sent: signature invalid: /);
    expect(enclave.finished_handshakes).toBe(0);
    expect(enclave.requests).toEqual([]);
    expect(relayed_text(enclave)).not.toContain('aardvark-5519');
    await page.screenshot({ path: kShots + 'refused.png' });
  });
});
