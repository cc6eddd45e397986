import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';
import { announce, createCustomer, createToken, ingest } from './helpers/factories.js';
import { freshPrefix, vantagePeers } from './helpers/telemetry-kit.js';

/**
 * Issue 7, the feeds registry: every source of BGP data (ExaBGP bridges by their headers, HTTP collectors by `host`,
 * GraphQL ingestion) with counts and freshness; OPERATOR only; stale feeds logged once and listed on /health.
 */

const FEEDS = `{ feeds { kind name connected lastMessageAt lastSeenAt messagesReceived reconnects stale lastError
  possibleGapSince possibleGapUntil } }`;
const T0 = Date.parse('2026-11-28T00:00:00Z');

const ndjson = (n: number, host: string, offset = 0) =>
  Array.from({ length: n }, (_, i) => {
    const peer = vantagePeers(1, offset + i)[0]!;
    return JSON.stringify({
      timestamp: T0 / 1000,
      peer,
      peer_asn: 3356,
      host,
      type: 'UPDATE',
      path: [3356, 64500],
      announcements: [{ next_hop: peer, prefixes: ['100.64.0.0/10'] }],
    });
  }).join('\n');

function poster(base: () => string) {
  return async (body: string, headers: Record<string, string> = {}, token = OPERATOR_TOKEN) => {
    const res = await fetch(`${base()}/ingest/ris`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...headers },
      body,
    });
    return { status: res.status, body: await res.json() };
  };
}

const EXABGP = (name: string) => ({ 'x-peerwatch-feed-kind': 'EXABGP', 'x-peerwatch-feed-name': name });

describe('Query.feeds', () => {
  let t: TestApp;
  let base = '';
  const post = poster(() => base);
  beforeAll(async () => {
    t = await createTestApp();
    base = (await t.listen()).base;
  });
  afterAll(() => t.close());

  const feeds = async () => (await t.ok(FEEDS)).feeds as any[];
  const feed = async (kind: string, name: string) => (await feeds()).find((f) => f.kind === kind && f.name === name);

  it('lists an entry per source: an ExaBGP bridge by its headers, HTTP collectors by host, GraphQL ingestion by host', async () => {
    expect(await feeds()).toEqual([]);
    // a bridge: two posts count for one EXABGP feed, whatever the hosts of its lines
    expect((await post(ndjson(3, 'edge-ams'), EXABGP('bridge-1'))).status).toBe(200);
    t.clock.advance(5_000);
    expect((await post(ndjson(2, 'edge-fra'), EXABGP('bridge-1'))).status).toBe(200);
    // no headers: one HTTP feed per host in the body
    const collector = await createToken(t, 'COLLECTOR');
    const mixed = `${ndjson(2, 'rrc00')}\n${ndjson(1, 'rrc21', 10)}\nnot json`;
    expect((await post(mixed, {}, collector)).body).toMatchObject({ accepted: 3, rejected: 1 });
    // GraphQL ingestion counts for HTTP feeds per host, too
    await ingest(t, [announce('185.9.9.9', [freshPrefix()], { host: 'graphql-collector', peerAsn: 3356 })], collector);

    const at = new Date(t.clock.now()).toISOString();
    const list = await feeds();
    expect(list.map((f) => `${f.kind}:${f.name}`)).toEqual([
      'EXABGP:bridge-1',
      'HTTP:graphql-collector',
      'HTTP:rrc00',
      'HTTP:rrc21',
    ]);
    expect(list[0]).toEqual({
      kind: 'EXABGP',
      name: 'bridge-1',
      connected: true,
      lastMessageAt: at,
      lastSeenAt: at,
      messagesReceived: 5,
      reconnects: 0,
      stale: false,
      lastError: null,
      possibleGapSince: null,
      possibleGapUntil: null,
    });
    expect(list[2]).toMatchObject({
      kind: 'HTTP',
      name: 'rrc00',
      connected: null,
      messagesReceived: 2,
      lastMessageAt: at,
    });
    expect(list[3]).toMatchObject({ messagesReceived: 1 });
    expect(list[1]).toMatchObject({ messagesReceived: 1, connected: null });
  });

  it('an empty POST from a bridge is its heartbeat: a sign of life, not a message', async () => {
    t.clock.advance(1_000);
    const res = await post('', EXABGP('bridge-2'));
    expect(res).toMatchObject({ status: 200, body: { accepted: 0, rejected: 0 } });
    expect(await feed('EXABGP', 'bridge-2')).toMatchObject({
      connected: true,
      messagesReceived: 0,
      lastMessageAt: null,
      lastSeenAt: new Date(t.clock.now()).toISOString(),
    });
    // without the headers an empty body concerns no feed
    await post('');
    expect((await feeds()).filter((f) => f.kind === 'HTTP').map((f) => f.name)).not.toContain('');
  });

  it('refuses malformed feed headers with 400 before reading the body', async () => {
    expect(
      (await post(ndjson(1, 'x'), { 'x-peerwatch-feed-kind': 'RIS_LIVE', 'x-peerwatch-feed-name': 'a' })).status,
    ).toBe(400);
    expect((await post(ndjson(1, 'x'), { 'x-peerwatch-feed-kind': 'EXABGP' })).status).toBe(400);
    expect((await post(ndjson(1, 'x'), EXABGP('bad name'))).status).toBe(400);
    expect((await feeds()).map((f) => f.name)).not.toContain('x');
  });

  it('is OPERATOR only: others get null with FORBIDDEN or UNAUTHENTICATED, and public fields still answer', async () => {
    const customer = await createCustomer(t);
    const collector = await createToken(t, 'COLLECTOR');
    for (const [token, code] of [
      [customer.token, 'FORBIDDEN'],
      [collector, 'FORBIDDEN'],
      [null, 'UNAUTHENTICATED'],
    ] as const) {
      const res = await t.gql('{ partners(first: 1) { totalCount } feeds { name } }', {}, token);
      expect(res.data?.feeds, String(code)).toBeNull();
      expect(res.data?.partners.totalCount).toBeGreaterThan(0);
      expect(res.errors?.[0]?.extensions?.code).toBe(code);
      expect(res.errors?.[0]?.path).toEqual(['feeds']);
    }
  });
});

describe('stale feeds', () => {
  let t: TestApp;
  let base = '';
  const post = poster(() => base);
  beforeAll(async () => {
    t = await createTestApp({ FEED_STALE_SECONDS: 60 });
    base = (await t.listen()).base;
  });
  afterAll(() => t.close());

  it('a feed silent past FEED_STALE_SECONDS is logged once and listed on /health, which stays 200', async () => {
    const warn = vi.spyOn(t.app.deps.logger, 'warn');
    await post(ndjson(1, 'rrc00'));
    await post('', EXABGP('bridge-1'));
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });

    t.clock.advance(60_000); // exactly the limit: not yet stale
    t.app.telemetry.tick();
    expect(warn).not.toHaveBeenCalled();
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });

    t.clock.advance(1_000);
    await post('', EXABGP('bridge-1')); // the bridge's heartbeat keeps it live
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'ok',
      detail: {
        staleFeeds: [{ kind: 'HTTP', name: 'rrc00', lastSeenAt: new Date(T0).toISOString(), silentSeconds: 61 }],
      },
    });
    t.app.telemetry.tick();
    t.app.telemetry.tick();
    const staleWarnings = () => warn.mock.calls.filter((c) => String(c[1]).includes('stale'));
    expect(staleWarnings()).toHaveLength(1);
    expect(staleWarnings()[0]![1]).toMatch(/HTTP rrc00 is stale/);

    const data = await t.ok(FEEDS);
    expect(data.feeds.find((f: any) => f.name === 'rrc00')).toMatchObject({ stale: true, connected: null });
    expect(data.feeds.find((f: any) => f.name === 'bridge-1')).toMatchObject({ stale: false, connected: true });

    // the bridge goes quiet too: no longer connected
    t.clock.advance(61_000);
    t.app.telemetry.tick();
    expect(staleWarnings()).toHaveLength(2);
    expect((await t.ok(FEEDS)).feeds.find((f: any) => f.name === 'bridge-1')).toMatchObject({
      stale: true,
      connected: false,
    });

    // heard from again: no longer stale, and a later silence is reported again
    await post(ndjson(1, 'rrc00'));
    await post('', EXABGP('bridge-1'));
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    t.app.telemetry.tick();
    t.clock.advance(61_000);
    t.app.telemetry.tick();
    expect(staleWarnings()).toHaveLength(4);
  });
});
