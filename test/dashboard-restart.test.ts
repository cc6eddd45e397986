import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OPERATOR_TOKEN } from './helpers/app.js';
import { describeBrowser, launchBrowser, screenshot } from './helpers/browser.js';
import { sessionsOf } from './helpers/factories.js';
import { SETUP_OPERATIONS } from './helpers/operations.js';
import { freePort, startServer, tempDir } from './helpers/server-process.js';

/**
 * Issue 10: the dashboard while the real server (src/server.ts, a child process) restarts under it. The server runs
 * with PERSISTED_OPERATIONS_ONLY=true: the page runs on its own trusted documents, and this test's setup calls are
 * trusted documents of a manifest of its own (PERSISTED_OPERATIONS).
 */

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

const OPS = SETUP_OPERATIONS;

describeBrowser('dashboard across a server restart', () => {
  let dir: string;
  let port: number;
  let base: string;
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startServer>> | null = null;

  beforeAll(async () => {
    dir = tempDir();
    writeFileSync(
      join(dir, 'test-operations.json'),
      JSON.stringify(Object.fromEntries(Object.values(OPS).map((text) => [sha(text), text]))),
    );
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGKILL');
  });

  async function start() {
    server = await startServer({
      PORT: String(port),
      DATABASE_PATH: join(dir, 'peerwatch.db'),
      PERSISTED_OPERATIONS: join(dir, 'test-operations.json'),
      PERSISTED_OPERATIONS_ONLY: 'true',
      SHUTDOWN_GRACE_SECONDS: '2',
    });
  }

  /** Runs one of OPS by its document id (the server only runs trusted documents). */
  async function call(op: keyof typeof OPS, variables: Record<string, unknown> = {}, token = OPERATOR_TOKEN) {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ documentId: sha(OPS[op]), variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown[] };
    if (body.errors || !body.data) throw new Error(`${op}: ${JSON.stringify(body)}`);
    return body.data;
  }

  const now = () => Date.now() / 1000;
  const route = (peer: string, prefix: string, kind: 'announce' | 'withdraw') => ({
    timestamp: now(),
    host: 'rrc00',
    peer,
    peerAsn: 8220,
    ...(kind === 'announce'
      ? { path: [8220, 64500], community: [[8075, 8007]], announcements: [{ nextHop: peer, prefixes: [prefix] }] }
      : { withdrawals: [prefix] }),
  });

  it('reconnects after a restart and shows the events ingested meanwhile, each once', async () => {
    await start();
    // the server really runs trusted documents only
    const arbitrary = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` },
      body: JSON.stringify({ query: '{ viewer { role } }' }),
    });
    expect(JSON.stringify(await arbitrary.json())).toContain('PERSISTED_OPERATIONS_ONLY');

    // a customer with a Colt service (Amsterdam primary, Frankfurt backup) and one prefix
    const customerId = (await call('createCustomer', { n: 'restart-co' })).createCustomer.customer.id;
    const token = (await call('createToken', { i: { role: 'CUSTOMER', customerId } })).createApiToken.token;
    const colt = (await call('colt')).partners.edges.map((e: any) => e.node).find((n: any) => n.name === 'Colt');
    const loc = (name: string) => colt.peeringLocations.find((l: any) => l.name === name).id;
    const prefix = '203.0.113.0/24';
    const key = (await call('registerPrefix', { i: { partnerId: colt.id, prefix } })).registerPartnerPrefix.registration
      .prefixKey;
    await call(
      'createService',
      {
        i: {
          name: 'restart-office',
          partnerId: colt.id,
          country: 'Netherlands',
          state: 'North Holland',
          primaryPeeringLocationId: loc('Amsterdam'),
          backupPeeringLocationId: loc('Frankfurt'),
          prefixes: [{ name: 'office', prefix, prefixKey: key, originAsns: [64500] }],
        },
      },
      token,
    );
    const peers = [...sessionsOf('Colt', 'Amsterdam'), ...sessionsOf('Colt', 'Frankfurt')].map((s) => s.peerAddress);
    const ingest = async (kind: 'announce' | 'withdraw', which: string[]) =>
      call('ingest', { i: { updates: which.map((p) => route(p, prefix, kind)) } });

    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${base}/dashboard#token=${token}`);
    const status = page.locator('#status');
    await page.locator('#status[data-status="live"]').waitFor({ timeout: 10_000 });
    const rows = page.locator('#events li[data-cursor]');
    const cursors = () => rows.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-cursor') ?? ''));
    const apiCursors = async () =>
      ((await call('events', {}, token)).prefixEvents.edges as { cursor: string }[]).map((e) => e.cursor);

    // live before the restart
    await ingest('announce', peers);
    await expect.poll(() => page.locator('tr[data-prefix-id] .badge').innerText(), { timeout: 2000 }).toBe('VERIFIED');
    await expect.poll(async () => (await cursors()).length, { timeout: 2000 }).toBe((await apiCursors()).length);
    const beforeRestart = (await cursors()).length;

    // the server stops (SIGTERM: drains, closes the socket with 1001); the page notices
    server!.child.kill('SIGTERM');
    expect((await server!.exited).code).toBe(0);
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 5000 }).toMatch(/reconnecting|connecting/);
    await screenshot(page, 'reconnecting', false);
    await new Promise((r) => setTimeout(r, 1500));

    // back on the same port and database; events happen at once (before or while the page resubscribes)
    await start();
    await ingest('withdraw', peers.slice(0, 1));
    await page.locator('#status[data-status="live"]').waitFor({ timeout: 15_000 });
    await ingest('announce', peers.slice(0, 1));
    await ingest('withdraw', peers.slice(2, 3));

    const expected = await apiCursors();
    expect(expected.length).toBeGreaterThan(beforeRestart + 3);
    await expect.poll(async () => (await cursors()).length, { timeout: 5000 }).toBe(expected.length);
    await new Promise((r) => setTimeout(r, 500)); // nothing more arrives
    const shown = await cursors();
    expect(new Set(shown).size).toBe(shown.length); // no duplicates
    expect([...shown].sort()).toEqual([...expected].sort()); // none missed
    expect(await page.locator('tr[data-prefix-id] .badge').innerText()).toBe('WARNING');
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
    await screenshot(page, 'after-restart');
    await page.close();

    server!.child.kill('SIGTERM');
    expect((await server!.exited).code).toBe(0);
    server = null;
  }, 90_000);
});
