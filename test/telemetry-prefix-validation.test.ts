import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import {
  ADD_PREFIX,
  announce,
  createSession,
  events,
  ingest,
  prefixKey,
  prefixState,
  serviceWithPrefix,
  sessionsOf,
  withdraw,
} from './helpers/factories.js';
import {
  coltPeers,
  freshPrefix,
  primeSubscription,
  validationFlipper,
  verifyPrefix,
  wsSubscribe,
} from './helpers/telemetry-kit.js';

/** Issue 3, prefix validation engine: Azure's rules over the partner's primary and backup sessions. */

/** Azure's messages, verbatim: the Peering Service docs' portal guide (azure-portal.md, prefix validation states) and prefix requirements (peering-service-prefix-requirements.md). */
const AZURE = {
  notReceived: "Prefix wasn't received from Peering Service provider, contact Peering Service provider.",
  community: "Prefix announcement doesn't have a valid BGP community, contact Peering Service provider.",
  pathLength: 'Prefix received with longer AS path(>3), contact Peering Service provider.',
  privateAsn: 'Prefix received with private AS in the path, contact Peering Service provider.',
};

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const { primary, backup, all } = coltPeers();
const validationEvents = async (prefixId: string) =>
  (await events(t, prefixId)).filter((e) => e.type === 'VALIDATION_STATE_CHANGED');
const nowIso = () => new Date(t.clock.now()).toISOString();

describe('verification by the partner sessions', () => {
  it('starts PENDING with no validatedAt', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    expect(await prefixState(t, f.prefixId)).toEqual({
      validationState: 'PENDING',
      learnedType: 'NONE',
      errorMessage: null,
      validatedAt: null,
      expectedOriginAsns: [64500],
    });
    expect(await validationEvents(f.prefixId)).toEqual([]);
  });

  it('is VERIFIED (VIA_SERVICE_PROVIDER) once every primary and backup session announces it correctly', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    // three of four sessions: still PENDING (not failed before the timeout)
    await ingest(
      t,
      all.slice(0, 3).map((p) => announce(p, [f.prefix])),
    );
    expect((await prefixState(t, f.prefixId)).validationState).toBe('PENDING');
    expect(await validationEvents(f.prefixId)).toEqual([]);

    t.clock.advance(60_000);
    const result = await ingest(t, [announce(all[3]!, [f.prefix])]);
    expect(result).toMatchObject({ accepted: 1, rejected: 0, userErrors: [] });
    const state = await prefixState(t, f.prefixId);
    expect(state).toEqual({
      validationState: 'VERIFIED',
      learnedType: 'VIA_SERVICE_PROVIDER',
      errorMessage: null,
      expectedOriginAsns: [64500],
      validatedAt: nowIso(),
    });

    const changes = await validationEvents(f.prefixId);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      level: 'INFORMATION',
      azureEventType: 'VALIDATION_STATE_CHANGED',
      observedPrefix: f.prefix,
      expectedOriginAsns: [64500],
    });
    expect(changes[0].summary).toMatch(/PENDING.*VERIFIED/);
  });

  it('does not count a session of another location of the partner', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const london = sessionsOf('Colt', 'London').map((s) => s.peerAddress);
    expect(london.length).toBeGreaterThan(0);
    // the primary sessions plus Colt in London instead of Frankfurt: the backup is still missing
    await ingest(
      t,
      [...primary, ...london].map((p) => announce(p, [f.prefix])),
    );
    expect((await prefixState(t, f.prefixId)).validationState).toBe('PENDING');
    await ingest(
      t,
      backup.map((p) => announce(p, [f.prefix])),
    );
    expect((await prefixState(t, f.prefixId)).validationState).toBe('VERIFIED');
  });

  it('does not count internet vantage points announcing the prefix', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await ingest(
      t,
      ['185.1.0.1', '185.1.0.2', '185.1.0.3', '185.1.0.4'].map((p) =>
        announce(p, [f.prefix], { path: [3356, 8220, 64500], peerAsn: 3356 }),
      ),
    );
    expect((await prefixState(t, f.prefixId)).validationState).toBe('PENDING');
  });

  it('requires only the primary sessions when the service has no backup location', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix(), backup: null });
    await ingest(
      t,
      primary.map((p) => announce(p, [f.prefix])),
    );
    expect((await prefixState(t, f.prefixId)).validationState).toBe('VERIFIED');
  });
});

describe('FAILED with Azure’s message for the first broken rule', () => {
  const cases: { name: string; update: Parameters<typeof announce>[2]; message: string | RegExp; detail: RegExp }[] = [
    {
      name: 'community 8075:8007 missing',
      update: { community: [[8075, 8008]] },
      message: AZURE.community,
      detail: /8075:8007/,
    },
    { name: 'no community at all', update: { community: [] }, message: AZURE.community, detail: /8075:8007/ },
    {
      name: 'AS path longer than 3',
      update: { path: [8220, 3356, 174, 64500] },
      message: AZURE.pathLength,
      detail: /8220 3356 174 64500/,
    },
    {
      name: 'private ASN 64512 in the path',
      update: { path: [8220, 64512, 64500] },
      message: AZURE.privateAsn,
      detail: /AS64512/,
    },
    {
      name: 'private ASN 65534 in the path',
      update: { path: [65534, 64500] },
      message: AZURE.privateAsn,
      detail: /AS65534/,
    },
    {
      name: 'AS path prepending',
      update: { path: [8220, 64500, 64500] },
      message: /prepending/i,
      detail: /8220 64500 64500/,
    },
    { name: 'unexpected origin', update: { path: [8220, 64501] }, message: /origin/i, detail: /AS64501.*AS64500/ },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
      await ingest(
        t,
        all.map((p) => announce(p, [f.prefix], c.update)),
      );
      const state = await prefixState(t, f.prefixId);
      expect(state.validationState).toBe('FAILED');
      expect(state.learnedType).toBe('NONE');
      if (typeof c.message === 'string') expect(state.errorMessage).toContain(c.message);
      else expect(state.errorMessage).toMatch(c.message);
      expect(state.errorMessage).toMatch(c.detail);
      expect(state.validatedAt).toBe(nowIso());
      const changes = await validationEvents(f.prefixId);
      expect(changes).toHaveLength(1);
      expect(changes[0].level).toBe('ERROR');
      expect(changes[0].description).toContain(state.errorMessage);
    });
  }

  it('private 32-bit ASN (4200000000-4294967294) in the path, sent over the NDJSON endpoint', async () => {
    // Over GraphQL, RouteUpdateInput.path is [ASN!] (4-byte ASNs, see hardening-asn.test.ts); this is the
    // NDJSON path.
    const { base } = await t.listen();
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const body = all
      .map((peer) =>
        JSON.stringify({
          timestamp: t.clock.now() / 1000,
          host: 'rrc00',
          peer,
          peer_asn: '8220',
          path: [8220, 4_200_000_000, 64500],
          community: [[8075, 8007]],
          announcements: [{ next_hop: peer, prefixes: [f.prefix] }],
        }),
      )
      .join('\n');
    const res = await fetch(`${base}/ingest/ris`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.env.OPERATOR_TOKEN}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 4, rejected: 0 });
    const state = await prefixState(t, f.prefixId);
    expect(state.validationState).toBe('FAILED');
    expect(state.errorMessage).toContain(AZURE.privateAsn);
    expect(state.errorMessage).toContain('AS4200000000');
  });

  it('reports the rule that comes first when several are broken (community before path length)', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await ingest(
      t,
      all.map((p) => announce(p, [f.prefix], { community: [], path: [8220, 65000, 3356, 64500] })),
    );
    const state = await prefixState(t, f.prefixId);
    expect(state.errorMessage).toContain(AZURE.community);
    expect(state.errorMessage).not.toContain(AZURE.pathLength);
  });

  it('accepts the ASNs just outside the private range and a path of exactly 3', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await ingest(
      t,
      all.map((p) => announce(p, [f.prefix], { path: [64511, 65535, 64500] })),
    );
    expect(await prefixState(t, f.prefixId)).toMatchObject({ validationState: 'VERIFIED', errorMessage: null });
  });
});

describe('validation timeout', () => {
  it('stays PENDING until VALIDATION_TIMEOUT_SECONDS, then FAILED "not received" naming the missing sessions', async () => {
    // Earlier tests' PENDING prefixes may time out on these ticks too; this test only looks at its own.
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const g = await serviceWithPrefix(t, { prefix: freshPrefix() });
    // g is announced on the primary sessions only
    await ingest(
      t,
      primary.map((p) => announce(p, [g.prefix])),
    );

    t.clock.advance((t.env.VALIDATION_TIMEOUT_SECONDS - 1) * 1000);
    t.app.telemetry.tick();
    expect((await prefixState(t, f.prefixId)).validationState).toBe('PENDING');
    expect((await prefixState(t, g.prefixId)).validationState).toBe('PENDING');

    t.clock.advance(1000);
    t.app.telemetry.tick();
    const failed = await prefixState(t, f.prefixId);
    expect(failed).toMatchObject({ validationState: 'FAILED', learnedType: 'NONE', validatedAt: nowIso() });
    expect(failed.errorMessage).toContain(AZURE.notReceived);
    for (const s of [...sessionsOf('Colt', 'Amsterdam'), ...sessionsOf('Colt', 'Frankfurt')]) {
      expect(failed.errorMessage).toContain(s.routerName);
    }

    const partial = await prefixState(t, g.prefixId);
    expect(partial.validationState).toBe('FAILED');
    expect(partial.errorMessage).toContain(AZURE.notReceived);
    for (const s of sessionsOf('Colt', 'Frankfurt')) expect(partial.errorMessage).toContain(s.routerName);
    for (const s of sessionsOf('Colt', 'Amsterdam')) expect(partial.errorMessage).not.toContain(s.routerName);

    const changes = await validationEvents(f.prefixId);
    expect(changes).toHaveLength(1);
    expect(changes[0].level).toBe('ERROR');

    // later ticks do not repeat the transition
    t.clock.advance(60_000);
    t.app.telemetry.tick();
    expect(await validationEvents(f.prefixId)).toHaveLength(1);

    // and the late announcement still verifies it
    await verifyPrefix(t, f);
    expect((await prefixState(t, f.prefixId)).validationState).toBe('VERIFIED');
  });
});

describe('continuous validation', () => {
  it('FAILED -> VERIFIED when the partner fixes the announcement', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await ingest(
      t,
      all.map((p) => announce(p, [f.prefix], { community: [] })),
    );
    expect((await prefixState(t, f.prefixId)).validationState).toBe('FAILED');
    t.clock.advance(30_000);
    await verifyPrefix(t, f);
    expect(await prefixState(t, f.prefixId)).toMatchObject({
      validationState: 'VERIFIED',
      learnedType: 'VIA_SERVICE_PROVIDER',
      errorMessage: null,
      validatedAt: nowIso(),
    });
    expect((await validationEvents(f.prefixId)).map((e) => e.summary)).toEqual([
      expect.stringMatching(/PENDING.*FAILED/),
      expect.stringMatching(/FAILED.*VERIFIED/),
    ]);
  });

  it('VERIFIED -> WARNING -> VERIFIED -> FAILED as sessions withdraw and come back', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await verifyPrefix(t, f);
    const verifiedAt = (await prefixState(t, f.prefixId)).validatedAt;

    // one backup session withdraws
    t.clock.advance(10_000);
    await ingest(t, [withdraw(backup[0]!, [f.prefix])]);
    const warning = await prefixState(t, f.prefixId);
    expect(warning).toMatchObject({ validationState: 'WARNING', learnedType: 'VIA_SERVICE_PROVIDER' });
    expect(warning.errorMessage).toContain(AZURE.notReceived);
    expect(warning.errorMessage).toContain(sessionsOf('Colt', 'Frankfurt')[0]!.routerName);
    expect(warning.validatedAt).not.toBe(verifiedAt);
    expect(warning.validatedAt).toBe(nowIso());

    // another session withdraws: still WARNING (no new transition)
    await ingest(t, [withdraw(primary[0]!, [f.prefix])]);
    expect((await prefixState(t, f.prefixId)).validationState).toBe('WARNING');

    // restored
    await ingest(t, [announce(backup[0]!, [f.prefix]), announce(primary[0]!, [f.prefix])]);
    expect(await prefixState(t, f.prefixId)).toMatchObject({ validationState: 'VERIFIED', errorMessage: null });

    // a session breaking a rule is a WARNING too
    await ingest(t, [announce(primary[1]!, [f.prefix], { community: [] })]);
    const broken = await prefixState(t, f.prefixId);
    expect(broken.validationState).toBe('WARNING');
    expect(broken.errorMessage).toContain(AZURE.community);
    await ingest(t, [announce(primary[1]!, [f.prefix])]);
    expect((await prefixState(t, f.prefixId)).validationState).toBe('VERIFIED');

    // nobody announces any more
    await ingest(
      t,
      all.map((p) => withdraw(p, [f.prefix])),
    );
    const failed = await prefixState(t, f.prefixId);
    expect(failed).toMatchObject({ validationState: 'FAILED', learnedType: 'NONE' });
    expect(failed.errorMessage).toContain(AZURE.notReceived);

    const changes = await validationEvents(f.prefixId);
    expect(changes.map((e) => [e.summary.replace(/^Validation /, ''), e.level])).toEqual([
      ['PENDING -> VERIFIED', 'INFORMATION'],
      ['VERIFIED -> WARNING', 'WARNING'],
      ['WARNING -> VERIFIED', 'INFORMATION'],
      ['VERIFIED -> WARNING', 'WARNING'],
      ['WARNING -> VERIFIED', 'INFORMATION'],
      ['VERIFIED -> FAILED', 'ERROR'],
    ]);
  });

  it('learns the origin at first verification when none was given', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix(), originAsns: null });
    expect((await prefixState(t, f.prefixId)).expectedOriginAsns).toEqual([]);
    await verifyPrefix(t, f, 13335);
    expect(await prefixState(t, f.prefixId)).toMatchObject({
      validationState: 'VERIFIED',
      expectedOriginAsns: [13335],
    });
    const changes = await validationEvents(f.prefixId);
    expect(changes[0].expectedOriginAsns).toEqual([13335]);
    // from now on another origin on a session breaks the origin rule
    await ingest(t, [announce(primary[0]!, [f.prefix], { path: [8220, 15169] })]);
    const state = await prefixState(t, f.prefixId);
    expect(state.validationState).toBe('WARNING');
    expect(state.errorMessage).toMatch(/origin/i);
    expect(state.expectedOriginAsns).toEqual([13335]);
  });

  it('does not verify with no origin given while the sessions disagree on it', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix(), originAsns: null });
    await ingest(
      t,
      all.map((p, i) => announce(p, [f.prefix], { path: [8220, i === 0 ? 13336 : 13335] })),
    );
    const state = await prefixState(t, f.prefixId);
    expect(state.validationState).toBe('FAILED');
    expect(state.errorMessage).toMatch(/origin/i);
    expect(state.expectedOriginAsns).toEqual([]);
  });

  it('validates at once a prefix registered after the partner already announced it', async () => {
    const prefix = freshPrefix();
    await ingest(
      t,
      all.map((p) => announce(p, [prefix])),
    );
    const f = await serviceWithPrefix(t, { prefix });
    expect(await prefixState(t, f.prefixId)).toMatchObject({
      validationState: 'VERIFIED',
      learnedType: 'VIA_SERVICE_PROVIDER',
    });
    expect(await validationEvents(f.prefixId)).toHaveLength(1);
  });

  it('validates at once a prefix added to an existing service (addPrefix)', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const prefix = freshPrefix();
    await ingest(
      t,
      all.map((p) => announce(p, [prefix], { community: [] })),
    );
    const key = await prefixKey(t, f.partner.id, prefix);
    const data = await t.ok(
      ADD_PREFIX,
      { i: { peeringServiceId: f.serviceId, name: 'second', prefix, prefixKey: key, originAsns: [64500] } },
      f.customer.token,
    );
    expect(data.addPrefix.userErrors).toEqual([]);
    const state = await prefixState(t, data.addPrefix.prefix.id, f.customer.token);
    expect(state.validationState).toBe('FAILED');
    expect(state.errorMessage).toContain(AZURE.community);
  });
});

describe('prefixValidationChanged subscription', () => {
  it('pushes the prefix with its new state, only to those who may see it', async () => {
    await t.listen();
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    // a second prefix of the same service, flipped only to make sure the subscription is live
    const probePrefix = freshPrefix();
    const key = await prefixKey(t, f.partner.id, probePrefix);
    const added = await t.ok(
      ADD_PREFIX,
      { i: { peeringServiceId: f.serviceId, name: 'probe', prefix: probePrefix, prefixKey: key, originAsns: [64500] } },
      f.customer.token,
    );
    const probeId = added.addPrefix.prefix.id as string;
    const other = await serviceWithPrefix(t, { prefix: freshPrefix() });

    const sub = wsSubscribe(
      t.wsClient(f.customer.token),
      `subscription($s: ID) { prefixValidationChanged(peeringServiceId: $s) { id prefix validationState learnedType errorMessage validatedAt } }`,
      { s: f.serviceId },
    );
    const otherSub = wsSubscribe(
      t.wsClient(other.customer.token),
      `subscription { prefixValidationChanged { id validationState } }`,
    );
    await primeSubscription(sub, validationFlipper(t, probePrefix));
    const flipOther = validationFlipper(t, other.prefix);
    await primeSubscription(otherSub, flipOther);

    await verifyPrefix(t, f);
    await ingest(t, [withdraw(backup[1]!, [f.prefix])]);
    await sub.until(() => sub.items.filter((p) => p.id === f.prefixId).length >= 2, 'two changes of f');
    const mine = sub.items.filter((p) => p.id === f.prefixId);
    expect(mine[0]).toMatchObject({
      prefix: f.prefix,
      validationState: 'VERIFIED',
      learnedType: 'VIA_SERVICE_PROVIDER',
      errorMessage: null,
    });
    expect(mine[1]).toMatchObject({ validationState: 'WARNING', learnedType: 'VIA_SERVICE_PROVIDER' });
    expect(mine[1].errorMessage).toContain(AZURE.notReceived);
    expect(sub.items.every((p) => p.id === f.prefixId || p.id === probeId)).toBe(true);

    // the other customer's unfiltered subscription saw only its own prefix: one more change of its own proves
    // that everything published before it was delivered
    const seen = otherSub.items.length;
    await flipOther();
    await otherSub.until(() => otherSub.items.length > seen, 'its own change');
    expect(otherSub.items.every((p) => p.id === other.prefixId)).toBe(true);
    expect(sub.errors).toEqual([]);
    expect(otherSub.errors).toEqual([]);
  });

  it('pushes each change with the state of that change, even when the next one is committed before delivery', async () => {
    await t.listen();
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const probePrefix = freshPrefix();
    const key = await prefixKey(t, f.partner.id, probePrefix);
    await t.ok(
      ADD_PREFIX,
      { i: { peeringServiceId: f.serviceId, name: 'probe', prefix: probePrefix, prefixKey: key, originAsns: [64500] } },
      f.customer.token,
    );
    const sub = wsSubscribe(
      t.wsClient(f.customer.token),
      `subscription($s: ID) { prefixValidationChanged(peeringServiceId: $s) { id validationState learnedType errorMessage validatedAt } }`,
      { s: f.serviceId },
    );
    await primeSubscription(sub, validationFlipper(t, probePrefix));

    // One request, two mutation fields run one after the other: the second commits (VERIFIED -> WARNING) while the
    // push of the first (PENDING -> VERIFIED) is still on its way.
    const verifiedAt = nowIso();
    await t.ok(
      `mutation($a: IngestRouteUpdatesInput!, $b: IngestRouteUpdatesInput!) {
        a: ingestRouteUpdates(input: $a) { accepted }
        b: ingestRouteUpdates(input: $b) { accepted }
      }`,
      {
        a: { updates: all.map((p) => announce(p, [f.prefix])) },
        b: { updates: [withdraw(backup[1]!, [f.prefix])] },
      },
    );
    await sub.until(() => sub.items.filter((p) => p.id === f.prefixId).length >= 2, 'two changes of f');
    const mine = sub.items.filter((p) => p.id === f.prefixId);
    expect(mine[0]).toEqual({
      id: f.prefixId,
      validationState: 'VERIFIED',
      learnedType: 'VIA_SERVICE_PROVIDER',
      errorMessage: null,
      validatedAt: verifiedAt,
    });
    expect(mine[1]).toMatchObject({ validationState: 'WARNING', learnedType: 'VIA_SERVICE_PROVIDER' });
    expect(mine[1].errorMessage).toContain(AZURE.notReceived);
    expect(sub.errors).toEqual([]);
  });

  it('refuses a peering service of another customer (NOT_FOUND) and anonymous callers', async () => {
    await t.listen();
    const a = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const b = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const sub = wsSubscribe(
      t.wsClient(b.customer.token),
      `subscription($s: ID) { prefixValidationChanged(peeringServiceId: $s) { id } }`,
      { s: a.serviceId },
    );
    const errors = await sub.failed();
    expect(errors[0].extensions?.code).toBe('NOT_FOUND');
    expect(sub.items).toEqual([]);

    const anon = wsSubscribe(t.wsClient(null), `subscription { prefixValidationChanged { id } }`);
    expect((await anon.failed())[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('required sessions change', () => {
  // Last in the file: it adds a Colt session in Amsterdam, which every prefix here depends on.
  it('re-validates when the partner gains a session at the primary location', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await verifyPrefix(t, f);
    expect((await prefixState(t, f.prefixId)).validationState).toBe('VERIFIED');
    const amsterdam = f.partner.peeringLocations.find((l) => l.name === 'Amsterdam')!.id;
    const created = await createSession(t, f.partner.id, amsterdam, 'ams-colt-edge-99', '198.51.100.99');
    expect(created.userErrors).toEqual([]);
    const state = await prefixState(t, f.prefixId);
    expect(state.validationState).toBe('WARNING');
    expect(state.errorMessage).toContain(AZURE.notReceived);
    expect(state.errorMessage).toContain('ams-colt-edge-99');
    await ingest(t, [announce('198.51.100.99', [f.prefix])]);
    expect((await prefixState(t, f.prefixId)).validationState).toBe('VERIFIED');
  });
});
