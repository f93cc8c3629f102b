// Headless Debian Chromium driven by playwright-core (which never downloads a browser of its own).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or null when they can. `.ci/run` sets REQUIRE_BROWSER so a missing browser fails. */
export function browserUnavailable(): string | false {
  if (fs.existsSync(CHROMIUM)) return false;
  const reason = `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;
  if (process.env.REQUIRE_BROWSER) throw new Error(`${reason}, and REQUIRE_BROWSER is set`);
  return reason;
}

export async function launchBrowser(viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const close = context.close.bind(context);
  context.close = async () => {
    await close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return context;
}

/** Signs in on the sign-in page as a person would, and waits until the app has taken them past it. */
export async function signInInBrowser(page: Page, address: string, email: string, password: string): Promise<void> {
  await page.goto(`${address}/sign-in`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('main button[type=submit]');
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}
