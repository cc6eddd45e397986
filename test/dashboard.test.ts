import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DASHBOARD_CSP } from '../src/http/dashboard.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeBrowser, launchBrowser, screenshot, watchPage } from './helpers/browser.js';
import { announce, ingest, serviceWithPrefix, withdraw } from './helpers/factories.js';
import { coltPeers, freshPrefix, ingestLatency, vantagePeers, verifyPrefix } from './helpers/telemetry-kit.js';

/**
 * Issue 10, the dashboard at /dashboard, used the way a person uses it: in headless Chromium, against a listening
 * server, with data driven through the public API. (The restart test is in dashboard-restart.test.ts.)
 */

const FIVE_MIN = 5 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const hostIn = (prefix: string) => prefix.replace(/\.0\/\d+$/, '.7');

describeBrowser('dashboard in a browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let a: Awaited<ReturnType<typeof serviceWithPrefix>>;
  let a2: Awaited<ReturnType<typeof serviceWithPrefix>>;
  let b: Awaited<ReturnType<typeof serviceWithPrefix>>;

  beforeAll(async () => {
    t = await createTestApp();
    base = (await t.listen()).base;
    browser = await launchBrowser();
    a = await serviceWithPrefix(t, { prefix: freshPrefix() });
    a2 = await serviceWithPrefix(t, { prefix: freshPrefix(), customer: a.customer, backup: null });
    b = await serviceWithPrefix(t, { prefix: freshPrefix() });
    // some history: b's events must never show on a's page
    await verifyPrefix(t, b);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function open(token: string, viewport = { width: 1280, height: 860 }) {
    const page = await browser.newPage({ viewport });
    const watched = watchPage(page);
    const response = await page.goto(`${base}/dashboard#token=${encodeURIComponent(token)}`);
    await page.locator('#status[data-status="live"]').waitFor({ timeout: 10_000 });
    return { page, response, ...watched };
  }
  const badge = (page: Page, prefixId: string) => page.locator(`tr[data-prefix-id="${prefixId}"] .badge`);

  it("loads from 127.0.0.1 only and lists the customer's services and prefixes, nothing of another customer's", async () => {
    const { page, response, urls, consoleErrors } = await open(a.customer.token);
    expect(response?.headers()['content-security-policy']).toBe(DASHBOARD_CSP);
    // the fragment is gone from the address bar; the token is in sessionStorage
    expect(page.url()).toBe(`${base}/dashboard`);
    expect(await page.evaluate(() => sessionStorage.getItem('peerwatch.token'))).toBe(a.customer.token);

    await expect.poll(() => page.locator('[data-service-id]').count()).toBe(2);
    const services = await page.locator('#services').innerText();
    expect(services).toContain(a.prefix);
    expect(services).toContain(a2.prefix);
    expect(services).toContain('Colt');
    expect(services).toContain('Amsterdam / Frankfurt');
    expect(services).not.toContain(b.prefix);
    expect(await page.locator(`[data-service-id="${b.serviceId}"]`).count()).toBe(0);
    expect(await badge(page, a.prefixId).innerText()).toBe('PENDING');
    expect(await page.locator('#events').innerText()).not.toContain(b.prefix);

    const port = new URL(base).port;
    expect(urls.length).toBeGreaterThan(3);
    for (const url of urls) expect(url).toMatch(new RegExp(`^(http|ws)://127\\.0\\.0\\.1:${port}/`));
    expect(urls).toContain(`ws://127.0.0.1:${port}/graphql`);
    expect(consoleErrors).toEqual([]);

    // keyboard: Tab reaches the sign-out button and the latency prefix choice
    const reached = new Set<string>();
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => document.activeElement?.id ?? ''));
    }
    expect(reached).toContain('signout');
    expect(reached).toContain('latency-prefix');
    await page.close();
  });

  it('shows an ingested event within a second, updates the badge on a validation change, and the chart on a sample', async () => {
    const { page } = await open(a.customer.token);
    const feed = page.locator('#events li[data-cursor]');
    const before = await feed.count();

    // validation: PENDING -> VERIFIED, through the event stream
    // "within a second" counts from the moment the ingest call has answered (the events are then in the log)
    await verifyPrefix(t, a);
    let sent = Date.now();
    await page.locator('#events li[data-type="VALIDATION_STATE_CHANGED"]').first().waitFor({ timeout: 1000 });
    expect(Date.now() - sent).toBeLessThan(1000);
    await expect.poll(() => badge(page, a.prefixId).innerText(), { timeout: 1000 }).toBe('VERIFIED');

    // a withdrawal: the event shows within a second, the badge turns WARNING with the reason
    const count = await feed.count();
    await ingest(t, [withdraw(coltPeers().primary[0]!, [a.prefix])]);
    sent = Date.now();
    await expect.poll(() => feed.count(), { timeout: 1000, interval: 20 }).toBeGreaterThan(count);
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(await feed.first().innerText()).toContain(a.prefix);
    await expect.poll(() => badge(page, a.prefixId).innerText(), { timeout: 1000 }).toBe('WARNING');
    const reason = await page.locator(`tr[data-prefix-id="${a.prefixId}"] .error-message`).innerText();
    expect(reason.length).toBeGreaterThan(5);

    // a hijack: a CRITICAL event, styled apart
    await ingest(
      t,
      vantagePeers(2, 40).map((p) => announce(p, [a.prefix], { path: [3356, 666], peerAsn: 3356 })),
    );
    const critical = page.locator('#events li[data-level="CRITICAL"]').first();
    await critical.waitFor({ timeout: 1000 });
    expect(await critical.evaluate((li) => getComputedStyle(li).backgroundColor)).toBe('rgb(155, 28, 28)');

    // latency: the chart (first prefix of the newest service: a2) gets the buckets, then a live one
    const chart = page.locator('#chart');
    const selected = await page.locator('#latency-prefix').inputValue();
    const target = selected === a.prefixId ? a : a2;
    const now = t.clock.now();
    const current = Math.floor(now / FIVE_MIN) * FIVE_MIN - FIVE_MIN; // a closed bucket: samples are not from the future
    await ingestLatency(t, [{ source: hostIn(target.prefix), timestamp: iso(current - FIVE_MIN + 1000), rttMs: 12 }]);
    await expect.poll(() => chart.getAttribute('data-buckets'), { timeout: 1000 }).toBe('1');
    await ingestLatency(t, [
      { source: hostIn(target.prefix), timestamp: iso(current + 1000), rttMs: 18 },
      { source: hostIn(target.prefix), timestamp: iso(current + 2000), rttMs: 30 },
    ]);
    await expect.poll(() => chart.getAttribute('data-buckets'), { timeout: 1000 }).toBe('2');
    const summary = page.locator('#latency-summary');
    await expect.poll(() => summary.getAttribute('data-samples'), { timeout: 1000 }).toBe('2');
    expect(await summary.innerText()).toMatch(/p50 \d+\.\d ms, p95 \d+\.\d ms, p99 \d+\.\d ms \(2 samples\)/);
    expect(await page.locator('#chart canvas').count()).toBe(1);
    expect(await page.locator('#events').innerText()).not.toContain(b.prefix);
    // each event once
    const cursors = await feed.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-cursor')));
    expect(new Set(cursors).size).toBe(cursors.length);
    expect(cursors.length).toBeGreaterThan(before);

    // three more hours of samples with a daily-ish shape, for the screenshot
    const history = [];
    for (let k = 3; k < 39; k++) {
      const start = current - k * FIVE_MIN;
      const base = 14 + 6 * Math.sin(k / 6);
      for (let j = 0; j < 6; j++) {
        const rttMs = base + j * 0.8 + (j === 5 ? 9 + (k % 7) : 0);
        history.push({ source: hostIn(target.prefix), timestamp: iso(start + 1000 + j * 30_000), rttMs });
      }
    }
    await ingestLatency(t, history);
    await expect.poll(() => chart.getAttribute('data-buckets'), { timeout: 2000 }).toBe('38');

    // nothing reloaded: the same document all along
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
    await screenshot(page, 'laptop');
    await page.close();

    const phone = await open(a.customer.token, { width: 390, height: 844 });
    await expect.poll(() => phone.page.locator('#chart').getAttribute('data-buckets')).toBe('38');
    // no horizontal scrolling at a phone's width
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(phone.page, 'phone');
    await phone.page.close();
  });

  it('signs a revoked token out with a message, and refuses a bad one at sign-in', async () => {
    const created = await t.ok(
      `mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token apiToken { id } } }`,
      { i: { role: 'CUSTOMER', customerId: a.customer.id } },
    );
    const { page } = await open(created.createApiToken.token);
    await t.ok(`mutation($id: ID!) { revokeApiToken(input: { apiTokenId: $id }) { userErrors { code } } }`, {
      id: created.createApiToken.apiToken.id,
    });
    await page.locator('#signin').waitFor({ state: 'visible', timeout: 5000 });
    expect(await page.locator('#signin-message').innerText()).toMatch(/revoked/);
    expect(await page.locator('#board').isHidden()).toBe(true);
    expect(await page.locator('#status').getAttribute('data-status')).toBe('signed-out');
    expect(await page.evaluate(() => sessionStorage.getItem('peerwatch.token'))).toBeNull();
    await screenshot(page, 'revoked', false);

    // a bad token typed into the field
    await page.locator('#token').fill('not-a-real-token-0000');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#signin-message').innerText()).toMatch(/refused/);
    expect(await page.locator('#board').isHidden()).toBe(true);
    // a good one
    await page.locator('#token').fill(a.customer.token);
    await page.locator('#signin-form button').click();
    await page.locator('#status[data-status="live"]').waitFor({ timeout: 5000 });
    await expect.poll(() => page.locator('[data-service-id]').count()).toBe(2);
    await page.close();
  });
});
