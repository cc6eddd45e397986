import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { backoffDelay } from '../src/feeds/ris-live.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { addPrefix, events, prefixKey, prefixState, serviceWithPrefix } from './helpers/factories.js';
import { FakeRisLive } from './helpers/ris-live-server.js';
import { coltPeers, freshPrefix, vantagePeers } from './helpers/telemetry-kit.js';

/**
 * Issue 7, the built-in RIS Live connection, against a local server that speaks the RIS Live protocol
 * (test/helpers/ris-live-server.ts): subscriptions that follow registrations, messages through the ingestion path,
 * peer state, ris_error, a dropped connection (reconnect, re-subscription, possible gap) and ping.
 */

const T0 = Date.parse('2026-11-28T00:00:00Z') / 1000;
const FEEDS = `{ feeds { kind name connected lastMessageAt lastSeenAt messagesReceived reconnects stale lastError
  lastErrorAt possibleGapSince possibleGapUntil } }`;
const REMOVE = `mutation($id: ID!) { removePrefix(input: { prefixId: $id }) { removedPrefixId userErrors { code } } }`;
const DELETE = `mutation($id: ID!) { deletePeeringService(input: { peeringServiceId: $id }) { deletedPeeringServiceId } }`;
const { primary, all } = coltPeers();

/** Polls `check` until it stops throwing (for state the app reaches asynchronously). */
async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const update = (peer: string, prefixes: string[], o: { path?: number[]; timestamp?: number } = {}) => ({
  timestamp: o.timestamp ?? T0 + 10,
  peer,
  peer_asn: '8220',
  host: 'rrc03',
  type: 'UPDATE',
  path: o.path ?? [8220, 64500],
  community: [[8075, 8007]],
  origin: 'IGP',
  announcements: [{ next_hop: peer, prefixes }],
  withdrawals: [],
});

const prefixSub = (prefix: string) => ({ prefix, moreSpecific: true, lessSpecific: true, type: 'UPDATE' });

describe('RIS Live client', () => {
  let ris: FakeRisLive;
  let t: TestApp;
  let f: Awaited<ReturnType<typeof serviceWithPrefix>>;
  const ris1 = () => ris.connections[0]?.id ?? -1;
  const feed = async () => {
    const list = (await t.ok(FEEDS)).feeds as any[];
    const found = list.find((x) => x.kind === 'RIS_LIVE');
    if (!found) throw new Error(`no RIS_LIVE feed in ${JSON.stringify(list)}`);
    return found;
  };

  beforeAll(async () => {
    ris = await new FakeRisLive().start();
    t = await createTestApp({
      RIS_LIVE_URL: ris.url,
      RIS_LIVE_BACKOFF_MS: 20,
      RIS_LIVE_BACKOFF_MAX_MS: 100,
      RIS_LIVE_BATCH_MS: 20,
    });
    f = await serviceWithPrefix(t, { prefix: freshPrefix() }); // registered before the connection
    await t.listen();
  });
  afterAll(async () => {
    await t.close();
    await ris.close();
  });

  it('subscribes every registered prefix (UPDATE, more- and less-specifics) and RIS_PEER_STATE on connect', async () => {
    await ris.until(() => ris.of(ris1(), 'ris_subscribe').length >= 2, 'two subscriptions');
    expect(ris.connections[0]!.url).toBe('/v1/ws/?client=peerwatch-test');
    expect(ris.of(ris1(), 'ris_subscribe').map((m) => m.data)).toEqual([
      { type: 'RIS_PEER_STATE' },
      prefixSub(f.prefix),
    ]);
    const name = new URL(ris.url).host;
    expect(await eventually(feed)).toMatchObject({
      kind: 'RIS_LIVE',
      name,
      connected: true,
      messagesReceived: 0,
      reconnects: 0,
      stale: false,
      possibleGapSince: null,
    });
  });

  it('follows registrations: ris_subscribe on addPrefix, ris_unsubscribe on removePrefix and deletePeeringService, on the same socket', async () => {
    const added = freshPrefix();
    const key = await prefixKey(t, f.partner.id, added);
    const payload = await addPrefix(
      t,
      { peeringServiceId: f.serviceId, name: 'second', prefix: added, prefixKey: key },
      f.customer.token,
    );
    expect(payload.userErrors).toEqual([]);
    await ris.until(
      () => ris.of(ris1(), 'ris_subscribe').some((m) => m.data.prefix === added),
      'subscription of the added prefix',
    );

    const removed = await t.ok(REMOVE, { id: payload.prefix.id }, f.customer.token);
    expect(removed.removePrefix.userErrors).toEqual([]);
    await ris.until(() => ris.of(ris1(), 'ris_unsubscribe').length === 1, 'an unsubscription');
    expect(ris.of(ris1(), 'ris_unsubscribe')[0]!.data).toEqual(prefixSub(added));

    const other = await serviceWithPrefix(t, { prefix: freshPrefix(), customer: f.customer });
    await ris.until(
      () => ris.of(ris1(), 'ris_subscribe').some((m) => m.data.prefix === other.prefix),
      'subscription of a new service prefix',
    );
    await t.ok(DELETE, { id: other.serviceId }, f.customer.token);
    await ris.until(() => ris.of(ris1(), 'ris_unsubscribe').length === 2, 'a second unsubscription');
    expect(ris.of(ris1(), 'ris_unsubscribe')[1]!.data).toEqual(prefixSub(other.prefix));

    expect(ris.connections).toHaveLength(1);
    // the server-side view: exactly the registered prefix and peer state remain subscribed
    expect(ris.connections[0]!.subscriptions).toEqual([{ type: 'RIS_PEER_STATE' }, prefixSub(f.prefix)]);
  });

  it('applies ris_message UPDATEs through the ingestion checks in batches: the prefix becomes VERIFIED; a covering route is delivered too', async () => {
    const applied = vi.spyOn(t.app.telemetry, 'applyRoutes');
    // checked like a POST /ingest/ris line: a bad peer address is rejected, not applied or counted
    expect(ris.publish({ ...update(all[0]!, [f.prefix]), peer: 'not-an-ip' })).toBe(1);
    for (const peer of all) expect(ris.publish(update(peer, [f.prefix]))).toBe(1);
    // not subscribed: the server filters it out
    expect(ris.publish(update(vantagePeers(1)[0]!, ['198.51.100.0/24']))).toBe(0);
    // a covering less-specific reaches peerwatch (lessSpecific: true) and is counted; the route analytics keep no
    // state for routes that cover a registered prefix, so it raises nothing (yet)
    const [a, b] = f.prefix.split('.');
    expect(ris.publish(update(vantagePeers(1)[0]!, [`${a}.${b}.0.0/16`], { path: [3356, 64666] }))).toBe(1);
    await eventually(async () => expect((await prefixState(t, f.prefixId)).validationState).toBe('VERIFIED'));
    const now = new Date(t.clock.now()).toISOString();
    await eventually(async () => expect(await feed()).toMatchObject({ messagesReceived: 5 }));
    expect(await feed()).toMatchObject({ lastMessageAt: now, lastSeenAt: now });
    // batched (RIS_LIVE_BATCH_MS): fewer transactions than messages, each counted for the RIS Live feed
    const calls = applied.mock.calls;
    expect(calls.flatMap(([updates]) => updates.map((u) => u.peer)).sort()).toEqual(
      [...all, vantagePeers(1)[0]!].sort(),
    );
    expect(calls.length).toBeLessThan(5);
    expect(calls.every(([, source]) => source?.kind === 'RIS_LIVE')).toBe(true);
    applied.mockRestore();
  });

  it('RIS_PEER_STATE down (through its own subscription) withdraws the peer’s routes and sets the session DOWN', async () => {
    const mark = (await events(t, f.prefixId)).length;
    expect(
      ris.publish({
        timestamp: T0 + 20,
        peer: primary[0]!,
        peer_asn: '8220',
        host: 'rrc03',
        type: 'RIS_PEER_STATE',
        state: 'down',
      }),
    ).toBe(1);
    await eventually(async () =>
      expect((await events(t, f.prefixId)).slice(mark).map((e) => e.type)).toContain('WITHDRAWAL'),
    );
    expect((await prefixState(t, f.prefixId)).validationState).toBe('WARNING');
    const data = await t.ok(`query($id: ID!) { node(id: $id) { ... on Partner { sessions { peerAddress state } } } }`, {
      id: f.partner.id,
    });
    expect(data.node.sessions.find((s: any) => s.peerAddress === primary[0])).toMatchObject({ state: 'DOWN' });
  });

  it('logs ris_error and shows it on the feed', async () => {
    const warn = vi.spyOn(t.app.deps.logger, 'warn');
    ris.error('Invalid filter: prefix must be a CIDR');
    const shown = await eventually(async () => {
      const current = await feed();
      expect(current.lastError).toBe('ris_error: Invalid filter: prefix must be a CIDR');
      return current;
    });
    expect(shown.lastErrorAt).toBe(new Date(t.clock.now()).toISOString());
    expect(shown.connected).toBe(true);
    expect(warn.mock.calls.some((c) => String(c[1]).includes('Invalid filter'))).toBe(true);
    warn.mockRestore();
  });

  it('a dropped connection: reconnects with backoff, counts it, re-subscribes everything, and shows the possible gap', async () => {
    const droppedAt = t.clock.now();
    ris.refuseWith = 503;
    ris.drop();
    await eventually(async () => expect(await feed()).toMatchObject({ connected: false }));
    // while the server refuses, attempts are spaced by the backoff (20 ms doubling up to 100 ms), not a tight loop
    await ris.until(() => ris.refused >= 3, 'three refused attempts');
    const refusedSoFar = ris.refused;
    await new Promise((r) => setTimeout(r, 250));
    expect(ris.refused - refusedSoFar).toBeLessThanOrEqual(6);
    expect((await feed()).lastError).toMatch(/503/);

    t.clock.advance(7_000);
    ris.refuseWith = null;
    await ris.until(
      () => ris.open().length === 1 && ris.of(ris.open()[0]!.id, 'ris_subscribe').length >= 2,
      'a new subscribed connection',
    );
    const second = ris.open()[0]!;
    expect(second.id).not.toBe(ris1());
    expect(ris.of(second.id, 'ris_subscribe').map((m) => m.data)).toEqual([
      { type: 'RIS_PEER_STATE' },
      prefixSub(f.prefix),
    ]);
    expect(await eventually(feed)).toMatchObject({
      connected: true,
      reconnects: 1,
      possibleGapSince: new Date(droppedAt).toISOString(),
      possibleGapUntil: new Date(droppedAt + 7_000).toISOString(),
    });

    // messages flow again on the new socket
    const before = (await feed()).messagesReceived;
    ris.publish(update(primary[0]!, [f.prefix], { timestamp: T0 + 30 }));
    await eventually(async () => expect((await feed()).messagesReceived).toBe(before + 1));
    await eventually(async () => expect((await prefixState(t, f.prefixId)).validationState).toBe('VERIFIED'));
  });
});

describe('RIS Live keep-alive and shutdown', () => {
  let ris: FakeRisLive;
  let t: TestApp;
  beforeAll(async () => {
    ris = await new FakeRisLive().start();
    t = await createTestApp({ RIS_LIVE_URL: ris.url, RIS_LIVE_PING_SECONDS: 0.05, RIS_LIVE_BACKOFF_MS: 20 });
    await t.listen();
  });
  afterAll(async () => {
    await t.close();
    await ris.close();
  });

  it('sends ping; a pong is a sign of life of the feed; stop() closes the socket (1000) and does not reconnect', async () => {
    await ris.until(() => ris.connections.length === 1 && ris.of(ris.connections[0]!.id, 'ping').length >= 1, 'a ping');
    t.clock.advance(60_000);
    const later = new Date(t.clock.now()).toISOString();
    await eventually(async () => {
      const data = await t.ok(FEEDS);
      expect(data.feeds[0]).toMatchObject({
        kind: 'RIS_LIVE',
        lastSeenAt: later,
        connected: true,
        messagesReceived: 0,
      });
    });

    await t.app.risLive!.stop();
    await ris.until(() => ris.connections[0]!.closeCode !== undefined, 'the close');
    expect(ris.connections[0]!.closeCode).toBe(1000);
    await new Promise((r) => setTimeout(r, 150));
    expect(ris.connections).toHaveLength(1);
    expect((await t.ok(FEEDS)).feeds[0]).toMatchObject({ connected: false });
  });
});

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, with equal jitter (half fixed, half random)', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, 1000, 60_000, () => 0))).toEqual([
      500, 1000, 2000, 4000, 30_000,
    ]);
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, 1000, 60_000, () => 1))).toEqual([
      1000, 2000, 4000, 8000, 60_000,
    ]);
    expect(backoffDelay(1000, 1000, 60_000, () => 0.5)).toBe(45_000);
  });
});
