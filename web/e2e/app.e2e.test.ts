// The production build of the web app in real headless Chromium, served by
// the real cloister-host (key slots and sealed history in its SQLite store;
// no enclave): it loads under the host's strict CSP with SRI and makes no
// third-party request, and a passkey with PRF (a virtual authenticator)
// creates an account, which the same passkey, the recovery code and a
// passphrase unlock after reloads; conversations changed in two tabs are
// merged or kept as a conflicting copy. Screenshots go to build/web-e2e/.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, add_prf_authenticator, launch_chromium } from './chromium';
import { type Host, missing_inputs, real_stack_required, start_host, work_dir } from './real_stack';

const kDist = fileURLToPath(new URL('../dist/', import.meta.url));
const kShots = fileURLToPath(new URL('../../build/web-e2e/', import.meta.url));

const missing = missing_inputs(['host']);
if (missing.length > 0 && real_stack_required()) {
  throw new Error(`CI=true and cloister-host is missing: ${missing.join(', ')} (build with cmake --preset release && cmake --build build/release)`);
}

describe.skipIf(missing.length > 0)('web app in headless Chromium, served by cloister-host', () => {
  const work = work_dir();
  let server: Host;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(kDist + 'index.html')) throw new Error('web/dist is not built: run web/run-tests (or npx vite build)');
    mkdirSync(kShots, { recursive: true });
    server = await start_host(work.path, kDist);
    browser = await launch_chromium();
    await add_prf_authenticator(browser);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    work.remove();
  });

  it('loads with SRI under the strict CSP, asks only its own origin, and unlocks with the passkey after a reload', async () => {
    const { page } = browser;
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(server.origin + '/')) foreign.push(request.url());
    });
    await page.goto(server.origin + '/');
    await page.getByTestId('create-passkey').click();
    const code = (await page.getByTestId('recovery-code').textContent({ timeout: 20_000 })) ?? '';
    expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    await page.screenshot({ path: kShots + 'recovery-code.png' });
    await page.getByTestId('recovery-saved').click();
    const created_id = await page.getByTestId('account-id').textContent();
    expect(created_id).toMatch(/^[A-Za-z0-9_-]{43}$/);

    await page.reload();
    await page.getByTestId('unlock-passkey').click();
    expect(await page.getByTestId('account-id').textContent({ timeout: 20_000 })).toBe(created_id);

    await page.reload();
    await page.getByTestId('recovery-input').fill(code.toLowerCase());
    await page.getByTestId('unlock-recovery').click();
    expect(await page.getByTestId('account-id').textContent({ timeout: 20_000 })).toBe(created_id);
    await page.screenshot({ path: kShots + 'unlocked.png' });

    // Every script and stylesheet carries SRI, and the CSP allowed them all.
    const tags = await page.evaluate(() =>
      [...document.querySelectorAll('script, link[rel=stylesheet]')].map((e) => e.getAttribute('integrity') ?? ''),
    );
    expect(tags.length).toBeGreaterThanOrEqual(2);
    for (const integrity of tags) expect(integrity).toMatch(/^sha384-[A-Za-z0-9+/]{64}$/);
    expect(browser.problems).toEqual([]);
    expect(foreign).toEqual([]);
    const digest = readFileSync(kDist + 'app-digest.txt', 'utf8').trim();
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps conversations in folders, sealed, across a reload, and sends nothing to an unverified enclave', async () => {
    const { page } = browser;
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(server.origin + '/');
    await page.getByTestId('unlock-passkey').click();
    await page.getByTestId('new-conversation').click({ timeout: 20_000 });
    await page.getByTestId('title').fill('Groceries');
    await page.getByTestId('title').press('Enter');
    await page.getByTestId('folder-input').fill('Home');
    await page.getByTestId('folder-input').press('Enter');
    await page.getByText('System prompt').click();
    await page.getByTestId('system-prompt').fill('Answer in French.');
    await page.getByTestId('system-prompt').blur();
    await page.getByTestId('composer').fill('Remind me to buy oat milk');
    await page.getByTestId('composer').press('Enter');
    await expect.poll(() => page.getByTestId('chat-status').textContent()).toMatch(/^Not sent: this build pins no transparency log/);
    expect(sockets).toEqual([]);
    await page.screenshot({ path: kShots + 'chat.png' });

    // Only ciphertext is stored: the message is nowhere in the host's database.
    const stored = Buffer.concat([server.db, server.db + '-wal'].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
    expect(stored.length).toBeGreaterThan(0);
    for (const secret of ['oat milk', 'Groceries', 'French']) expect(stored.includes(secret)).toBe(false);

    await page.reload();
    await page.getByTestId('unlock-passkey').click();
    await expect.poll(() => page.getByTestId('folder').allTextContents(), { timeout: 20_000 }).toEqual(['Home']);
    expect(await page.getByTestId('conversation').allTextContents()).toEqual(['Groceries']);
    expect(await page.getByTestId('messages').textContent()).toContain('Remind me to buy oat milk');
    expect(await page.getByTestId('system-prompt').inputValue()).toBe('Answer in French.');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: kShots + 'chat-phone.png', fullPage: true });
    await page.setViewportSize({ width: 1100, height: 800 });

    await page.getByTestId('delete').click();
    await page.getByTestId('delete').click();
    await expect.poll(() => page.getByTestId('conversation').count()).toBe(0);
    expect(browser.problems).toEqual([]);
  });

  it('adds a second passkey and a passphrase, and unlocks with the passphrase', async () => {
    const { page } = browser;
    await page.goto(server.origin + '/');
    await page.getByTestId('unlock-passkey').click();
    const account = await page.getByTestId('account-id').textContent({ timeout: 20_000 });
    await page.getByText('Unlock methods').click();
    await expect.poll(() => page.getByTestId('unlock-methods').textContent()).toBe('1 passkey, 1 recovery');
    await page.getByTestId('add-passkey').click();
    await expect.poll(() => page.getByTestId('unlock-methods').textContent(), { timeout: 20_000 }).toBe('2 passkey, 1 recovery');
    await page.getByTestId('new-passphrase').fill('correct horse battery staple');
    await page.getByTestId('set-passphrase').click();
    await expect.poll(() => page.getByTestId('unlock-methods').textContent(), { timeout: 30_000 }).toBe('2 passkey, 1 passphrase, 1 recovery');

    await page.reload();
    await page.getByText('Passphrase').click();
    await page.getByLabel('Account id').fill(account!);
    await page.getByLabel('Passphrase', { exact: true }).fill('correct horse battery staple');
    await page.getByLabel('Passphrase', { exact: true }).press('Enter');
    expect(await page.getByTestId('account-id').textContent({ timeout: 30_000 })).toBe(account);
  });

  it('keeps both versions when two tabs rename the same conversation', async () => {
    const { page } = browser;
    await page.goto(server.origin + '/');
    await page.getByTestId('unlock-passkey').click();
    await page.getByTestId('new-conversation').click({ timeout: 20_000 });
    await page.getByTestId('title').fill('Shared plan');
    await page.getByTestId('title').press('Enter');
    await expect.poll(() => page.getByTestId('conversation').first().textContent()).toBe('Shared plan');

    // The virtual authenticator belongs to the first tab; the second unlocks
    // with the passphrase the previous test set.
    const account = await page.getByTestId('account-id').textContent();
    const second = await browser.context.newPage();
    const unlock_second = async () => {
      await second.getByText('Passphrase').click();
      await second.getByLabel('Account id').fill(account!);
      await second.getByLabel('Passphrase', { exact: true }).fill('correct horse battery staple');
      await second.getByLabel('Passphrase', { exact: true }).press('Enter');
    };
    await second.goto(server.origin + '/');
    await unlock_second();
    await second.getByTestId('title').fill('Renamed in tab 2', { timeout: 30_000 });
    await second.getByTestId('title').press('Enter');
    await expect.poll(() => second.getByTestId('conversation').first().textContent()).toBe('Renamed in tab 2');

    await page.getByTestId('title').fill('Renamed in tab 1');
    await page.getByTestId('title').press('Enter');
    await expect.poll(() => page.getByTestId('chat-status').textContent()).toMatch(
      /^conflict: title changed elsewhere too; the other version is shown and yours was kept as "Renamed in tab 1 \(conflicting copy\)"/,
    );
    expect(await page.getByTestId('title').inputValue()).toBe('Renamed in tab 2');
    await second.reload();
    await unlock_second();
    await expect.poll(async () => (await second.getByTestId('conversation').allTextContents()).sort(), { timeout: 20_000 }).toEqual([
      'Renamed in tab 1 (conflicting copy)',
      'Renamed in tab 2',
    ]);

    // Changes to different things merge: a folder in tab 2, a new title in tab 1.
    await second.getByRole('button', { name: 'Renamed in tab 2', exact: true }).click();
    await second.getByTestId('folder-input').fill('Plans');
    await second.getByTestId('folder-input').press('Enter');
    await expect.poll(() => second.getByTestId('folder').allTextContents()).toContain('Plans');
    await page.getByTestId('title').fill('Final plan');
    await page.getByTestId('title').press('Enter');
    await expect.poll(() => page.getByTestId('chat-status').textContent()).toBe('Merged with a change made elsewhere.');
    expect(await page.getByTestId('folder-input').inputValue()).toBe('Plans');
    await second.close();
  });

  it('explains a missing PRF extension instead of creating an account', async () => {
    const other = await launch_chromium();
    try {
      await add_prf_authenticator(other, false);
      await other.page.goto(server.origin + '/');
      await other.page.getByTestId('create-passkey').click();
      await expect.poll(() => other.page.getByTestId('status').textContent(), { timeout: 20_000 }).toMatch(/cannot derive a secret from a passkey \(the WebAuthn PRF extension\)/);
      expect(await other.page.getByTestId('account-id').count()).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('refuses a recovery code with a typo before looking anything up', async () => {
    const { page } = browser;
    await page.goto(server.origin + '/');
    await page.getByTestId('recovery-input').fill('0000-0000-0000-0000-0000-0000-0000-0000');
    await page.getByTestId('unlock-recovery').click();
    await expect.poll(() => page.getByTestId('status').textContent()).toMatch(/checksum mismatch/);
  });
});
