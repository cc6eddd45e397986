import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { describe, it } from 'vitest';

/**
 * Headless Chromium from Debian (package `chromium`), driven by playwright-core: no browser download. Without the
 * binary the browser tests skip with a warning, or fail when PEERWATCH_REQUIRE_BROWSER=1 (CI sets it after installing).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);

export function describeBrowser(name: string, body: () => void) {
  if (available) return describe(name, body);
  if (process.env.PEERWATCH_REQUIRE_BROWSER === '1') {
    return describe(name, () => {
      it('has a browser', () => {
        throw new Error(`${CHROMIUM} is missing (PEERWATCH_REQUIRE_BROWSER=1): apt-get install -y chromium`);
      });
    });
  }
  console.warn(`\n*** SKIPPING browser tests "${name}": ${CHROMIUM} not found (apt-get install -y chromium) ***\n`);
  return describe.skip(name, body);
}

export function launchBrowser(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

let shots: string | undefined;
/** Saves a PNG in a folder os.tmpdir()/peerwatch-dashboard-XXXXXX (printed once) and returns its path. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  if (!shots) {
    shots = mkdtempSync(join(tmpdir(), 'peerwatch-dashboard-'));
    console.log(`dashboard screenshots: ${shots}`);
  }
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Every URL a page requests (HTTP and WebSocket), and its console errors (CSP violations show up there). */
export function watchPage(page: Page) {
  const urls: string[] = [];
  const consoleErrors: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  page.on('websocket', (ws) => urls.push(ws.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return { urls, consoleErrors };
}
