import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';
import { announce, events, ingest, prefixState, serviceWithPrefix } from './helpers/factories.js';
import { coltPeers, freshPrefix, vantagePeers, verifyPrefix } from './helpers/telemetry-kit.js';

/**
 * Issue 7, session state: RIS_PEER_STATE lines on POST /ingest/ris (the shape the RIS Live client and the ExaBGP
 * bridge deliver) withdraw every route of a peer that goes down, set PeeringSession.state, and a peer that comes back
 * starts from an empty table.
 */

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await createTestApp();
  base = (await t.listen()).base;
});
afterAll(() => t.close());

const { primary, backup } = coltPeers();
const T0 = Date.parse('2026-11-28T00:00:00Z') / 1000;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

function peerState(peer: string, state: string, timestamp: number, o: { envelope?: boolean; host?: string } = {}) {
  const data = { timestamp, peer, peer_asn: '8220', host: o.host ?? 'rrc00', type: 'RIS_PEER_STATE', state };
  return o.envelope ? { type: 'ris_message', data } : data;
}

async function post(lines: unknown[], headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/ingest/ris`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/x-ndjson', ...headers },
    body: lines.map((l) => JSON.stringify(l)).join('\n'),
  });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body as { accepted: number; rejected: number; ignored: number; errors: unknown[] };
}

async function coltSessions() {
  const data = await t.ok(`{ partners(first: 5, filter: { search: "Colt" }) { edges { node { name
    sessions { peerAddress routerName state stateChangedAt } } } } }`);
  const colt = data.partners.edges.map((e: any) => e.node).find((n: any) => n.name === 'Colt');
  return new Map<string, { state: string; stateChangedAt: string | null; routerName: string }>(
    colt.sessions.map((s: any) => [s.peerAddress, s]),
  );
}

const types = async (prefixId: string) => (await events(t, prefixId)).map((e) => e.type);

describe('RIS_PEER_STATE on /ingest/ris', () => {
  it('down withdraws every route of a partner session (WITHDRAWAL, validation reacts) and sets DOWN; connected sets ESTABLISHED and the peer starts from an empty table', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const other = freshPrefix(); // an unregistered route from the same session is withdrawn too
    await verifyPrefix(t, f, 64500, { timestamp: T0 + 10 });
    await ingest(t, [announce(primary[0]!, [other], { timestamp: T0 + 10, path: [8220, 65001] })]);
    expect((await prefixState(t, f.prefixId)).validationState).toBe('VERIFIED');
    expect((await coltSessions()).get(primary[0]!)).toMatchObject({ state: 'UNKNOWN', stateChangedAt: null });
    const before = (await events(t, f.prefixId)).length;

    const down = await post([peerState(primary[0]!, 'down', T0 + 20)]);
    expect(down).toMatchObject({ accepted: 1, rejected: 0, ignored: 0 });

    const after = (await events(t, f.prefixId)).slice(before);
    const withdrawal = after.find((e) => e.type === 'WITHDRAWAL');
    expect(withdrawal, JSON.stringify(after)).toBeDefined();
    expect(withdrawal.description).toMatch(/session went down/);
    expect(after.map((e) => e.type)).toContain('VALIDATION_STATE_CHANGED');
    expect((await prefixState(t, f.prefixId)).validationState).toBe('WARNING');
    const sessions = await coltSessions();
    expect(sessions.get(primary[0]!)).toMatchObject({ state: 'DOWN', stateChangedAt: iso(T0 + 20) });
    // the other sessions are untouched
    expect(sessions.get(primary[1]!)).toMatchObject({ state: 'UNKNOWN' });
    const routes = t.app.deps.db.$client
      .prepare('select prefix, announced from route_states where peer = ? order by prefix')
      .all(primary[0]!) as { prefix: string; announced: number }[];
    expect(routes.map((r) => [r.prefix, r.announced])).toEqual([f.prefix, other].sort().map((p) => [p, 0]));

    // back up: ESTABLISHED, nothing to withdraw (its table is empty), then a re-announcement is a fresh ANNOUNCEMENT
    const mark = (await events(t, f.prefixId)).length;
    await post([peerState(primary[0]!, 'connected', T0 + 30)]);
    expect((await coltSessions()).get(primary[0]!)).toMatchObject({
      state: 'ESTABLISHED',
      stateChangedAt: iso(T0 + 30),
    });
    expect((await events(t, f.prefixId)).length).toBe(mark);
    await post([
      {
        timestamp: T0 + 31,
        peer: primary[0],
        peer_asn: 8220,
        host: 'rrc00',
        type: 'UPDATE',
        path: [8220, 64500],
        community: [[8075, 8007]],
        announcements: [{ next_hop: primary[0], prefixes: [f.prefix] }],
      },
    ]);
    const again = (await events(t, f.prefixId)).slice(mark).map((e) => e.type);
    expect(again).toContain('ANNOUNCEMENT');
    expect((await prefixState(t, f.prefixId)).validationState).toBe('VERIFIED');
  });

  it('a backup session going down raises BACKUP_ROUTE_WITHDRAWAL; an IPv4-mapped peer address and the ris_message envelope are accepted', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await verifyPrefix(t, f, 64500, { timestamp: T0 + 10 });
    const mark = (await events(t, f.prefixId)).length;
    await post([peerState(`::ffff:${backup[0]!}`, 'down', T0 + 20, { envelope: true })]);
    expect((await types(f.prefixId)).slice(mark)).toContain('BACKUP_ROUTE_WITHDRAWAL');
    expect((await coltSessions()).get(backup[0]!)).toMatchObject({ state: 'DOWN' });
    await post([peerState(backup[0]!, 'connected', T0 + 40)]);
  });

  it('a vantage point going down counts as its withdrawal: visibility reacts', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await verifyPrefix(t, f, 64500, { timestamp: T0 + 10 });
    const vantage = vantagePeers(4, 40);
    await ingest(
      t,
      vantage.map((p) => announce(p, [f.prefix], { timestamp: T0 + 11, path: [3356, 8220, 64500], peerAsn: 3356 })),
    );
    const mark = (await events(t, f.prefixId)).length;
    const result = await post(vantage.slice(0, 3).map((p) => peerState(p, 'down', T0 + 20)));
    expect(result).toMatchObject({ accepted: 3, ignored: 0 });
    expect((await types(f.prefixId)).slice(mark)).toEqual(['VISIBILITY_LOSS']);
  });

  it('applies state lines in order with the updates of the same body (one transaction), and ignores unknown states', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await verifyPrefix(t, f, 64500, { timestamp: T0 + 10 });
    const mark = (await events(t, f.prefixId)).length;
    const peer = primary[1]!;
    const result = await post([
      peerState(peer, 'down', T0 + 20),
      peerState(peer, 'idle', T0 + 21), // neither up nor down: ignored
      peerState(peer, 'up', T0 + 22),
      {
        timestamp: T0 + 23,
        peer,
        peer_asn: 8220,
        host: 'rrc00',
        type: 'UPDATE',
        path: [8220, 64500],
        community: [[8075, 8007]],
        announcements: [{ next_hop: peer, prefixes: [f.prefix] }],
      },
    ]);
    expect(result).toMatchObject({ accepted: 3, ignored: 1, rejected: 0 });
    const added = (await types(f.prefixId)).slice(mark);
    // analysis runs once at the batch's end state: the session is back, so validation never left VERIFIED
    expect(added.filter((x) => /ANNOUNCEMENT|WITHDRAWAL/.test(x))).toEqual(['WITHDRAWAL', 'ANNOUNCEMENT']);
    expect(added).not.toContain('VALIDATION_STATE_CHANGED');
    expect((await coltSessions()).get(peer)).toMatchObject({ state: 'ESTABLISHED', stateChangedAt: iso(T0 + 22) });
  });

  it('a state report older than the current state changes nothing; a peer that comes up again without a reported down starts empty', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await verifyPrefix(t, f, 64500, { timestamp: T0 + 100 });
    const peer = primary[0]!;
    await post([peerState(peer, 'established', T0 + 90)]);
    const mark = (await events(t, f.prefixId)).length;
    // older than the session's last state change (ESTABLISHED at T0 + 30, in the first test): no change
    const sessionBefore = (await coltSessions()).get(peer)!;
    await post([peerState(peer, 'down', T0 + 5)]);
    expect((await coltSessions()).get(peer)).toEqual(sessionBefore);
    expect((await types(f.prefixId)).slice(mark)).toEqual([]);

    // a new session (the down was missed): routes from before it are gone
    await post([peerState(peer, 'connected', T0 + 200)]);
    expect((await types(f.prefixId)).slice(mark)).toContain('WITHDRAWAL');
    expect((await prefixState(t, f.prefixId)).validationState).toBe('WARNING');
  });

  it('rejects a state line without a valid peer or timestamp, with the line number', async () => {
    const result = await post([peerState('not-an-ip', 'down', T0), { ...peerState(primary[0]!, 'down', 0) }]);
    expect(result).toMatchObject({ accepted: 0, rejected: 2 });
    expect(result.errors).toMatchObject([
      { line: 1, field: ['peer'] },
      { line: 2, field: ['timestamp'] },
    ]);
  });
});
