// Launches Debian's Chromium (/usr/bin/chromium) headless through
// playwright-core, with a fresh profile directory, and gives pages a virtual
// WebAuthn authenticator with the PRF extension through the DevTools WebAuthn
// domain. Playwright never downloads a browser here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';

export const kChromiumPath = '/usr/bin/chromium';
const kArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  // Console errors, page errors and CSP violations seen so far.
  problems: string[];
  close(): Promise<void>;
}

// Starts a browser with a new profile and one page.
export async function launch_chromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'cloister-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: kChromiumPath,
    headless: true,
    args: kArgs,
    viewport: { width: 1100, height: 800 },
    timeout: 30_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return {
    context,
    page,
    problems,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Adds a CTAP2 platform authenticator with resident keys, user verification
// and (unless `has_prf` is false) PRF through hmac-secret; returns its id.
export async function add_prf_authenticator(browser: Browser, has_prf = true): Promise<string> {
  const session = await browser.context.newCDPSession(browser.page);
  await session.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await session.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      hasPrf: has_prf,
    },
  });
  return authenticatorId;
}
