// The built web app in real headless Chromium, served the way cloister-host
// will serve it: it loads under the strict CSP with SRI and makes no
// third-party request, and a passkey with PRF (a virtual authenticator)
// creates an account, which the same passkey and then the recovery code
// unlock after reloads. Screenshots go to build/web-e2e/.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, add_prf_authenticator, launch_chromium } from './chromium';
import { type StaticServer, serve_directory } from './static_server';

const kDist = fileURLToPath(new URL('../dist/', import.meta.url));
const kShots = fileURLToPath(new URL('../../build/web-e2e/', import.meta.url));

describe('web app in headless Chromium', () => {
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(kDist + 'index.html')) throw new Error('web/dist is not built: run web/run-tests (or npx vite build)');
    mkdirSync(kShots, { recursive: true });
    server = await serve_directory(kDist);
    browser = await launch_chromium();
    await add_prf_authenticator(browser);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
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

  it('refuses a recovery code with a typo before looking anything up', async () => {
    const { page } = browser;
    await page.goto(server.origin + '/');
    await page.getByTestId('recovery-input').fill('0000-0000-0000-0000-0000-0000-0000-0000');
    await page.getByTestId('unlock-recovery').click();
    await expect.poll(() => page.getByTestId('status').textContent()).toMatch(/checksum mismatch/);
  });
});
