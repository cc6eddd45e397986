import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { announce, events, ingest, prefixState, serviceWithPrefix, sessionsOf, withdraw } from './helpers/factories.js';
import { coltPeers, freshPrefix, vantagePeers, verifyPrefix } from './helpers/telemetry-kit.js';

/** Issue 3, route analytics: per-session events, best paths, hijacks, more-specifics, leaks, visibility, dedup. */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const { primary, backup } = coltPeers();
const ofType = async (prefixId: string, ...types: string[]) =>
  (await events(t, prefixId)).filter((e) => types.includes(e.type));
/** Updates from internet vantage points (not partner sessions). */
const seen = (peers: string[], prefixes: string[], path: number[]) =>
  peers.map((p) => announce(p, prefixes, { path, peerAsn: path[0] }));
const gone = (peers: string[], prefixes: string[]) => peers.map((p) => withdraw(p, prefixes, { peerAsn: 3356 }));

describe('session events', () => {
  it('ANNOUNCEMENT/WITHDRAWAL on primary sessions and BACKUP_ROUTE_* on backup ones, with Azure names and levels', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await ingest(t, [announce(primary[0]!, [f.prefix]), announce(backup[0]!, [f.prefix])]);
    await ingest(t, [withdraw(primary[0]!, [f.prefix]), withdraw(backup[0]!, [f.prefix])]);
    const session = await ofType(
      f.prefixId,
      'ANNOUNCEMENT',
      'WITHDRAWAL',
      'BACKUP_ROUTE_ANNOUNCEMENT',
      'BACKUP_ROUTE_WITHDRAWAL',
    );
    expect(session.map((e) => [e.type, e.azureEventType, e.level])).toEqual([
      ['ANNOUNCEMENT', 'PrefixAnnouncementEvent', 'INFORMATION'],
      ['BACKUP_ROUTE_ANNOUNCEMENT', 'PrefixBackupRouteAnnouncementEvent', 'INFORMATION'],
      ['WITHDRAWAL', 'PrefixWithdrawalEvent', 'WARNING'],
      ['BACKUP_ROUTE_WITHDRAWAL', 'PrefixBackupRouteWithdrawalEvent', 'WARNING'],
    ]);
    const ams = sessionsOf('Colt', 'Amsterdam')[0]!;
    const fra = sessionsOf('Colt', 'Frankfurt')[0]!;
    expect(session[0]).toMatchObject({ observedPrefix: f.prefix, observedOriginAsn: 64500, asPath: [8220, 64500] });
    expect(session[0].summary).toContain(ams.routerName);
    expect(session[1].summary).toContain(fra.routerName);
    expect(session[2]).toMatchObject({ observedOriginAsn: null, asPath: null });
    expect(session[2].description).toContain(ams.routerName);
  });

  it('does not repeat ANNOUNCEMENT for a re-announcement or WITHDRAWAL for a repeated withdrawal', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await ingest(t, [announce(primary[0]!, [f.prefix])]);
    await ingest(t, [announce(primary[0]!, [f.prefix]), announce(primary[0]!, [f.prefix])]);
    await ingest(t, [withdraw(primary[0]!, [f.prefix])]);
    await ingest(t, [withdraw(primary[0]!, [f.prefix])]);
    expect((await ofType(f.prefixId, 'ANNOUNCEMENT', 'WITHDRAWAL')).map((e) => e.type)).toEqual([
      'ANNOUNCEMENT',
      'WITHDRAWAL',
    ]);
  });

  it('ignores an update older than the route state it would replace', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const ts = t.clock.now() / 1000;
    await ingest(t, [announce(primary[0]!, [f.prefix], { timestamp: ts })]);
    await ingest(t, [withdraw(primary[0]!, [f.prefix], { timestamp: ts - 60 })]);
    expect((await ofType(f.prefixId, 'ANNOUNCEMENT', 'WITHDRAWAL')).map((e) => e.type)).toEqual(['ANNOUNCEMENT']);
  });

  it('ACTIVE_PATH / BACKUP_PATH when the best path at a location changes, not on every update', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await verifyPrefix(t, f);
    let paths = await ofType(f.prefixId, 'ACTIVE_PATH', 'BACKUP_PATH');
    expect(paths.map((e) => [e.type, e.azureEventType, e.level, e.asPath])).toEqual([
      ['ACTIVE_PATH', 'PrefixActivePath', 'INFORMATION', [8220, 64500]],
      ['BACKUP_PATH', 'PrefixBackupPath', 'INFORMATION', [8220, 64500]],
    ]);
    const [ams1, ams2] = sessionsOf('Colt', 'Amsterdam');
    expect(paths[0].summary).toContain(ams1!.routerName);
    expect(paths[0].peersSeen).toBe(2);

    // same announcement again: no new path event
    await verifyPrefix(t, f);
    expect(await ofType(f.prefixId, 'ACTIVE_PATH', 'BACKUP_PATH')).toHaveLength(2);

    // the best primary session goes away: the active path moves to the other router
    await ingest(t, [withdraw(primary[0]!, [f.prefix])]);
    paths = await ofType(f.prefixId, 'ACTIVE_PATH');
    expect(paths).toHaveLength(2);
    expect(paths[1].summary).toContain(ams2!.routerName);
    expect(paths[1].peersSeen).toBe(1);

    // a shorter path on the backup location becomes the backup path
    await ingest(t, [announce(backup[1]!, [f.prefix], { path: [64500] })]);
    const backups = await ofType(f.prefixId, 'BACKUP_PATH');
    expect(backups).toHaveLength(2);
    expect(backups[1]).toMatchObject({ asPath: [64500], observedOriginAsn: 64500 });
    expect(backups[1].summary).toContain(sessionsOf('Colt', 'Frankfurt')[1]!.routerName);
  });
});

describe('exact-prefix hijack (ORIGIN_AS_CHANGE)', () => {
  it('needs HIJACK_MIN_PEERS distinct peers, raises one CRITICAL event, and raises again only after it cleared', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await verifyPrefix(t, f);
    const peers = vantagePeers(4, 0);

    await ingest(t, seen(peers.slice(0, 1), [f.prefix], [3356, 666]));
    expect(await ofType(f.prefixId, 'ORIGIN_AS_CHANGE')).toEqual([]);
    // the same single peer again is still one peer
    await ingest(t, seen(peers.slice(0, 1), [f.prefix], [174, 666]));
    expect(await ofType(f.prefixId, 'ORIGIN_AS_CHANGE')).toEqual([]);

    await ingest(t, seen(peers.slice(1, 2), [f.prefix], [1299, 666]));
    const raised = await ofType(f.prefixId, 'ORIGIN_AS_CHANGE');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      azureEventType: 'PrefixOriginAsChangeEvent',
      level: 'CRITICAL',
      observedPrefix: f.prefix,
      observedOriginAsn: 666,
      expectedOriginAsns: [64500],
      peersSeen: 2,
    });
    expect([
      [174, 666],
      [1299, 666],
    ]).toContainEqual(raised[0].asPath);
    expect(raised[0].summary).toContain('AS666');
    expect(raised[0].summary).toContain(f.prefix);
    expect(raised[0].description).toContain('AS64500');
    expect(raised[0].description).toMatch(/hijack/i);

    // more peers, repeated updates: still one event
    await ingest(t, seen(peers.slice(2, 4), [f.prefix], [3356, 666]));
    await ingest(t, seen(peers, [f.prefix], [3356, 666]));
    expect(await ofType(f.prefixId, 'ORIGIN_AS_CHANGE')).toHaveLength(1);

    // it clears when nobody sees the bad origin any more (the peers go back to the right origin)...
    await ingest(t, seen(peers, [f.prefix], [3356, 8220, 64500]));
    // ...and a new episode raises a new event
    await ingest(t, seen(peers.slice(0, 2), [f.prefix], [3356, 666]));
    expect(await ofType(f.prefixId, 'ORIGIN_AS_CHANGE')).toHaveLength(2);
    // a withdrawal clears it too
    await ingest(t, gone(peers, [f.prefix]));
    await ingest(t, seen(peers.slice(2, 4), [f.prefix], [3356, 666]));
    expect(await ofType(f.prefixId, 'ORIGIN_AS_CHANGE')).toHaveLength(3);
    // each episode's hijacking origin is reported; the prefix keeps its expected origin
    expect((await prefixState(t, f.prefixId)).expectedOriginAsns).toEqual([64500]);
  });

  it('reports each unexpected origin separately', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const peers = vantagePeers(4, 10);
    await ingest(t, [
      ...seen(peers.slice(0, 2), [f.prefix], [3356, 666]),
      ...seen(peers.slice(2), [f.prefix], [3356, 777]),
    ]);
    const raised = await ofType(f.prefixId, 'ORIGIN_AS_CHANGE');
    expect(raised.map((e) => e.observedOriginAsn).sort()).toEqual([666, 777]);
  });

  it('applies whatever the validation state (a PENDING prefix with origins given)', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await ingest(t, seen(vantagePeers(2, 20), [f.prefix], [3356, 666]));
    expect((await prefixState(t, f.prefixId)).validationState).toBe('PENDING');
    expect(await ofType(f.prefixId, 'ORIGIN_AS_CHANGE')).toHaveLength(1);
  });

  it('counts a primary session as one peer, and treats the expected origin as fine', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix(), originAsns: [64500, 64501] });
    await ingest(t, seen(vantagePeers(3, 30), [f.prefix], [3356, 64501]));
    expect(await ofType(f.prefixId, 'ORIGIN_AS_CHANGE')).toEqual([]);
    await ingest(t, [announce(primary[0]!, [f.prefix], { path: [8220, 666] })]);
    expect(await ofType(f.prefixId, 'ORIGIN_AS_CHANGE')).toEqual([]);
    await ingest(t, seen(vantagePeers(1, 30), [f.prefix], [3356, 666]));
    expect((await ofType(f.prefixId, 'ORIGIN_AS_CHANGE')).map((e) => e.peersSeen)).toEqual([2]);
  });

  it('hijack checks start once the origin is learned for a prefix registered without one', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix(), originAsns: null });
    await ingest(t, seen(vantagePeers(2, 40), [f.prefix], [3356, 666]));
    expect(await ofType(f.prefixId, 'ORIGIN_AS_CHANGE')).toEqual([]);
    await verifyPrefix(t, f, 13335);
    // the learned origin is 13335; the two peers still see AS666
    await ingest(t, seen(vantagePeers(2, 40), [f.prefix], [3356, 666]));
    const raised = await ofType(f.prefixId, 'ORIGIN_AS_CHANGE');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ observedOriginAsn: 666, expectedOriginAsns: [13335] });
  });
});

describe('backup route origin change (BACKUP_ROUTE_ORIGIN_AS_CHANGE)', () => {
  it('is raised (ERROR) from a backup session with an unexpected origin, once', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await verifyPrefix(t, f);
    await ingest(t, [announce(backup[0]!, [f.prefix], { path: [8220, 666] })]);
    const raised = await ofType(f.prefixId, 'BACKUP_ROUTE_ORIGIN_AS_CHANGE', 'ORIGIN_AS_CHANGE');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      type: 'BACKUP_ROUTE_ORIGIN_AS_CHANGE',
      azureEventType: 'PrefixBackupRouteOriginAsChangeEvent',
      level: 'ERROR',
      observedOriginAsn: 666,
      asPath: [8220, 666],
      expectedOriginAsns: [64500],
    });
    await ingest(t, [
      announce(backup[0]!, [f.prefix], { path: [8220, 666] }),
      announce(backup[1]!, [f.prefix], { path: [8220, 666] }),
    ]);
    expect(await ofType(f.prefixId, 'BACKUP_ROUTE_ORIGIN_AS_CHANGE')).toHaveLength(1);
    // fixed, then broken again: a new event
    await verifyPrefix(t, f);
    await ingest(t, [announce(backup[1]!, [f.prefix], { path: [8220, 666] })]);
    expect(await ofType(f.prefixId, 'BACKUP_ROUTE_ORIGIN_AS_CHANGE')).toHaveLength(2);
  });
});

describe('more-specifics', () => {
  it('MORE_SPECIFIC_HIJACK (CRITICAL) for an unexpected origin, with the peer threshold, observedPrefix the more-specific', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const [a, b] = f.prefix.split('/')[0]!.split('.').map(Number);
    const c = Number(f.prefix.split('.')[2]);
    const half = `${a}.${b}.${c}.128/25`;
    const peers = vantagePeers(3, 50);
    await ingest(t, seen(peers.slice(0, 1), [half], [3356, 666]));
    expect(await ofType(f.prefixId, 'MORE_SPECIFIC_HIJACK')).toEqual([]);
    await ingest(t, seen(peers.slice(1, 2), [half], [174, 666]));
    const raised = await ofType(f.prefixId, 'MORE_SPECIFIC_HIJACK');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      level: 'CRITICAL',
      observedPrefix: half,
      observedOriginAsn: 666,
      expectedOriginAsns: [64500],
      peersSeen: 2,
    });
    expect(raised[0].summary).toContain(half);
    expect(raised[0].description).toContain(f.prefix);
    // more peers: still one
    await ingest(t, seen(peers, [half], [3356, 666]));
    expect(await ofType(f.prefixId, 'MORE_SPECIFIC_HIJACK')).toHaveLength(1);
    // not an exact-prefix hijack
    expect(await ofType(f.prefixId, 'ORIGIN_AS_CHANGE')).toEqual([]);
    // cleared by withdrawals, raised again by a new episode
    await ingest(t, gone(peers, [half]));
    await ingest(t, seen(peers.slice(0, 2), [half], [3356, 666]));
    expect(await ofType(f.prefixId, 'MORE_SPECIFIC_HIJACK')).toHaveLength(2);
  });

  it('NEW_MORE_SPECIFIC (WARNING) for a more-specific from the expected origin', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix(23) });
    const [a, b, c] = f.prefix.split('.').map(Number);
    const upper = `${a}.${b}.${c! + 1}.0/24`;
    await ingest(t, seen(vantagePeers(2, 60), [upper], [3356, 8220, 64500]));
    const raised = await ofType(f.prefixId, 'NEW_MORE_SPECIFIC', 'MORE_SPECIFIC_HIJACK');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      type: 'NEW_MORE_SPECIFIC',
      level: 'WARNING',
      observedPrefix: upper,
      observedOriginAsn: 64500,
      peersSeen: 2,
    });
  });

  it('does not treat a neighbouring prefix outside the registered one as a more-specific', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const [a, b, c] = f.prefix.split('.').map(Number);
    const outside = `${a}.${b}.${c! + 1}.0/25`;
    await ingest(t, seen(vantagePeers(3, 70), [outside], [3356, 666]));
    expect(await ofType(f.prefixId, 'MORE_SPECIFIC_HIJACK', 'NEW_MORE_SPECIFIC', 'ORIGIN_AS_CHANGE')).toEqual([]);
  });
});

describe('route leak (ROUTE_LEAK)', () => {
  it('is raised (ERROR) when a path seen by the peer threshold has an unexpected AS next to the origin', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix(), expectedUpstreamAsns: [174] });
    const peers = vantagePeers(3, 80);
    // allowed neighbours: an expected upstream, the partner (AS8220), prepends ignored
    await ingest(t, [
      ...seen(peers.slice(0, 1), [f.prefix], [3356, 174, 64500]),
      ...seen(peers.slice(1, 2), [f.prefix], [6939, 8220, 64500]),
      ...seen(peers.slice(2, 3), [f.prefix], [1299, 174, 64500, 64500]),
    ]);
    expect(await ofType(f.prefixId, 'ROUTE_LEAK')).toEqual([]);

    // one peer sees a leak: below the threshold
    await ingest(t, seen(peers.slice(0, 1), [f.prefix], [174, 3356, 64500]));
    expect(await ofType(f.prefixId, 'ROUTE_LEAK')).toEqual([]);
    await ingest(t, seen(peers.slice(1, 2), [f.prefix], [6939, 3356, 64500]));
    const leaks = await ofType(f.prefixId, 'ROUTE_LEAK');
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({
      azureEventType: 'ROUTE_LEAK',
      level: 'ERROR',
      observedPrefix: f.prefix,
      observedOriginAsn: 64500,
      peersSeen: 2,
    });
    expect([
      [174, 3356, 64500],
      [6939, 3356, 64500],
    ]).toContainEqual(leaks[0].asPath);
    expect(leaks[0].summary).toContain('AS3356');
    expect(leaks[0].description).toContain('AS174');
    expect(leaks[0].description).toContain('AS8220');
    // no origin hijack: the origin is the expected one
    expect(await ofType(f.prefixId, 'ORIGIN_AS_CHANGE')).toEqual([]);

    // ongoing: one event
    await ingest(t, seen(peers, [f.prefix], [6939, 3356, 64500]));
    expect(await ofType(f.prefixId, 'ROUTE_LEAK')).toHaveLength(1);
    // clears, then a new episode
    await ingest(t, seen(peers, [f.prefix], [6939, 174, 64500]));
    await ingest(t, seen(peers.slice(0, 2), [f.prefix], [6939, 3356, 64500]));
    expect(await ofType(f.prefixId, 'ROUTE_LEAK')).toHaveLength(2);
  });

  it('is not checked when the prefix lists no expected upstreams (customers may be multihomed)', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await ingest(t, seen(vantagePeers(3, 90), [f.prefix], [174, 3356, 64500]));
    expect(await ofType(f.prefixId, 'ROUTE_LEAK')).toEqual([]);
  });
});

describe('visibility (VISIBILITY_LOSS / VISIBILITY_RESTORED)', () => {
  it('loses visibility below VISIBILITY_THRESHOLD of the vantage points of the last 24 h and restores it', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await verifyPrefix(t, f);
    const peers = vantagePeers(4, 100);
    const ts = t.clock.now() / 1000;
    await ingest(
      t,
      peers.map((p) => announce(p, [f.prefix], { path: [3356, 8220, 64500], peerAsn: 3356, timestamp: ts })),
    );
    // 3 of 4, then 2 of 4 (= threshold 0.5): no loss. The partner's sessions are not vantage points.
    await ingest(t, gone(peers.slice(0, 1), [f.prefix]));
    await ingest(t, gone(peers.slice(1, 2), [f.prefix]));
    expect(await ofType(f.prefixId, 'VISIBILITY_LOSS', 'VISIBILITY_RESTORED')).toEqual([]);

    // 1 of 4: loss
    await ingest(t, gone(peers.slice(2, 3), [f.prefix]));
    const loss = await ofType(f.prefixId, 'VISIBILITY_LOSS');
    expect(loss).toHaveLength(1);
    expect(loss[0]).toMatchObject({ level: 'ERROR', peersSeen: 1, observedPrefix: f.prefix });
    expect(loss[0].summary).toMatch(/1 of 4/);
    expect(loss[0].summary).toMatch(/25%/);

    // still lost (0 of 4): no second event
    await ingest(t, gone(peers.slice(3, 4), [f.prefix]));
    expect(await ofType(f.prefixId, 'VISIBILITY_LOSS')).toHaveLength(1);

    // two come back: 2 of 4, back at the threshold
    await ingest(
      t,
      peers.slice(0, 2).map((p) => announce(p, [f.prefix], { path: [3356, 8220, 64500], peerAsn: 3356 })),
    );
    const restored = await ofType(f.prefixId, 'VISIBILITY_RESTORED');
    expect(restored).toHaveLength(1);
    expect(restored[0]).toMatchObject({ level: 'INFORMATION', peersSeen: 2 });
    expect(await ofType(f.prefixId, 'VISIBILITY_LOSS')).toHaveLength(1);

    // a new loss is a new episode
    await ingest(t, gone(peers.slice(0, 2), [f.prefix]));
    expect(await ofType(f.prefixId, 'VISIBILITY_LOSS')).toHaveLength(2);
  });

  it('only counts vantage points that saw the prefix in the last 24 hours (a stable route still counts)', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const peers = vantagePeers(4, 110);
    const ts = t.clock.now() / 1000;
    const path = { path: [3356, 8220, 64500], peerAsn: 3356 };
    await ingest(
      t,
      peers.map((p) => announce(p, [f.prefix], { ...path, timestamp: ts })),
    );
    // two withdraw at once: 2 of 4 is not below the threshold
    await ingest(
      t,
      peers.slice(0, 2).map((p) => withdraw(p, [f.prefix], { timestamp: ts + 1 })),
    );
    // 25 h later a third withdraws: the first two withdrew more than 24 h ago and no longer count, so it is
    // 1 of 2 (not 1 of 4); the fourth peer's route is a day old but still announced, so it counts
    const later = ts + 25 * 3600;
    await ingest(t, [withdraw(peers[2]!, [f.prefix], { timestamp: later })]);
    expect(await ofType(f.prefixId, 'VISIBILITY_LOSS')).toEqual([]);
    // the last one withdraws: 0 of 2
    await ingest(t, [withdraw(peers[3]!, [f.prefix], { timestamp: later + 1 })]);
    const loss = await ofType(f.prefixId, 'VISIBILITY_LOSS');
    expect(loss).toHaveLength(1);
    expect(loss[0].summary).toMatch(/0 of 2/);
  });
});

describe('HIJACK_MIN_PEERS setting', () => {
  it('raises hijacks only from the configured number of peers', async () => {
    const t3 = await createTestApp({ HIJACK_MIN_PEERS: 3 });
    try {
      const f = await serviceWithPrefix(t3, { prefix: freshPrefix() });
      const peers = vantagePeers(3, 120);
      await t3.ok(`mutation($i: IngestRouteUpdatesInput!) { ingestRouteUpdates(input: $i) { accepted } }`, {
        i: { updates: seen(peers.slice(0, 2), [f.prefix], [3356, 666]) },
      });
      const none = await events(t3, f.prefixId);
      expect(none.filter((e) => e.type === 'ORIGIN_AS_CHANGE')).toEqual([]);
      await t3.ok(`mutation($i: IngestRouteUpdatesInput!) { ingestRouteUpdates(input: $i) { accepted } }`, {
        i: { updates: seen(peers.slice(2), [f.prefix], [3356, 666]) },
      });
      const raised = (await events(t3, f.prefixId)).filter((e) => e.type === 'ORIGIN_AS_CHANGE');
      expect(raised.map((e) => e.peersSeen)).toEqual([3]);
    } finally {
      await t3.close();
    }
  });
});
