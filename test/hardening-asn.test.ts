import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';
import {
  ADD_PREFIX,
  announce,
  createCustomer,
  createPartnerWith,
  createService,
  events,
  ingest,
  locationId,
  locationsByName,
  prefixKey,
  prefixState,
  rowCounts,
  serviceWithPrefix,
  unique,
} from './helpers/factories.js';
import { coltPeers, freshPrefix, verifyPrefix } from './helpers/telemetry-kit.js';

/**
 * Issue 6 (hardening), findings 2, 9 and 10a: 4-byte ASNs (RFC 6793) everywhere an ASN goes in or out, event
 * retention counted from arrival (recordedAt), and IPv4-mapped IPv6 peer addresses (RFC 4291 section 2.5.5.2).
 */

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await createTestApp();
  base = (await t.listen()).base;
});
afterAll(() => t.close());

const DAY = 86_400_000;
const { primary, backup } = coltPeers();
const INGEST = `mutation($i: IngestRouteUpdatesInput!) { ingestRouteUpdates(input: $i) {
  accepted rejected ignored userErrors { code field message } } }`;

/** 4-byte ASNs above GraphQL Int's 2147483647: a public-range one and two from the private range (RFC 6996). */
const ORIGIN = 4_200_000_001;
const TRANSIT = 3_000_000_000;
const PEER_ASN = 4_200_000_002;

const postNdjson = (lines: unknown[]) =>
  fetch(`${base}/ingest/ris`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${OPERATOR_TOKEN}` },
    body: lines.map((l) => JSON.stringify(l)).join('\n'),
  });

/** Raw POST /graphql, so that the HTTP status can be checked too. */
async function rawGql(query: string, variables: Record<string, unknown>, token = OPERATOR_TOKEN) {
  const body = JSON.stringify({ query, variables });
  const res = await t.fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      authorization: `Bearer ${token}`,
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}

/** The customer's whole lists, as a dashboard reads them. */
const CUSTOMER_VIEW = `{
  peeringServices(first: 50) { edges { node { id prefixes(first: 10) { edges { node {
    id expectedOriginAsns expectedUpstreamAsns } } } } } }
  prefixEvents(first: 100) { edges { node { type prefix { id } observedOriginAsn expectedOriginAsns asPath } } }
}`;

describe('4-byte ASNs (RFC 6793)', () => {
  it('round-trip exactly through ingestRouteUpdates into every ASN field, and the customer lists still answer', async () => {
    const f = await serviceWithPrefix(t, {
      prefix: freshPrefix(),
      originAsns: [ORIGIN, TRANSIT],
      expectedUpstreamAsns: [TRANSIT, 4_294_967_294],
    });
    const path = [8220, TRANSIT, ORIGIN];
    const result = await ingest(t, [announce(primary[0]!, [f.prefix], { path, peerAsn: PEER_ASN })]);
    expect(result).toMatchObject({ accepted: 1, rejected: 0, userErrors: [] });

    const announcement = (await events(t, f.prefixId, f.customer.token)).find((e) => e.type === 'ANNOUNCEMENT');
    expect(announcement).toMatchObject({
      asPath: path,
      observedOriginAsn: ORIGIN,
      expectedOriginAsns: [ORIGIN, TRANSIT],
    });

    const view = await t.gql(CUSTOMER_VIEW, {}, f.customer.token);
    expect(view.errors).toBeUndefined();
    const prefix = view.data.peeringServices.edges.flatMap((e: any) => e.node.prefixes.edges.map((p: any) => p.node));
    expect(prefix).toEqual([
      { id: f.prefixId, expectedOriginAsns: [ORIGIN, TRANSIT], expectedUpstreamAsns: [TRANSIT, 4_294_967_294] },
    ]);
    const logged = view.data.prefixEvents.edges.map((e: any) => e.node).filter((e: any) => e.type === 'ANNOUNCEMENT');
    expect(logged).toEqual([
      {
        type: 'ANNOUNCEMENT',
        prefix: { id: f.prefixId },
        observedOriginAsn: ORIGIN,
        expectedOriginAsns: [ORIGIN, TRANSIT],
        asPath: path,
      },
    ]);
  });

  it('learns a 4-byte origin on first verification and keeps answering the customer', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix(), originAsns: null });
    await verifyPrefix(t, f, TRANSIT);
    expect(await prefixState(t, f.prefixId, f.customer.token)).toMatchObject({
      validationState: 'VERIFIED',
      expectedOriginAsns: [TRANSIT],
    });
    const view = await t.gql(CUSTOMER_VIEW, {}, f.customer.token);
    expect(view.errors).toBeUndefined();
    expect(view.data.peeringServices).not.toBeNull();
    expect(view.data.prefixEvents).not.toBeNull();
    const paths = view.data.prefixEvents.edges
      .map((e: any) => e.node)
      .filter((e: any) => e.type === 'ACTIVE_PATH' && e.prefix.id === f.prefixId);
    expect(paths).toEqual([expect.objectContaining({ observedOriginAsn: TRANSIT, asPath: [8220, TRANSIT] })]);
  });

  it('are accepted by POST /ingest/ris (NDJSON) and read back exactly', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix(), originAsns: [ORIGIN] });
    const path = [8220, TRANSIT, ORIGIN];
    const data = (peer: string, peerAsn: unknown) => ({
      timestamp: t.clock.now() / 1000,
      peer,
      peer_asn: peerAsn,
      host: 'rrc00.ripe.net',
      type: 'UPDATE',
      path,
      // the last entry is a large community (RFC 8092): not modelled, skipped without failing the line
      community: [
        [8075, 8007],
        [8220, 100],
        [ORIGIN, 1, 2],
      ],
      announcements: [{ next_hop: peer, prefixes: [f.prefix] }],
    });
    const res = await postNdjson([
      { type: 'ris_message', data: data(primary[0]!, PEER_ASN) },
      { type: 'ris_message', data: data(primary[1]!, String(PEER_ASN)) },
    ]);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 2, rejected: 0 });
    const announcements = (await events(t, f.prefixId, f.customer.token)).filter((e) => e.type === 'ANNOUNCEMENT');
    expect(announcements).toHaveLength(2);
    for (const e of announcements) {
      expect(e).toMatchObject({ asPath: path, observedOriginAsn: ORIGIN, expectedOriginAsns: [ORIGIN] });
    }
    const view = await t.gql(CUSTOMER_VIEW, {}, f.customer.token);
    expect(view.errors).toBeUndefined();
  });

  it('createPartner takes a 4-byte ASN and Partner.asn returns it exactly', async () => {
    const partner = await createPartnerWith(t, { asn: 4_294_967_294, locations: ['Amsterdam'] });
    expect(partner.asn).toBe(4_294_967_294);
    const read = await t.ok(`query($id: ID!) { node(id: $id) { ... on Partner { asn } } }`, { id: partner.id }, null);
    expect(read.node.asn).toBe(4_294_967_294);
  });

  it('a batch with bad ASNs or communities is HTTP 200: a user error per bad item, the good items applied', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const good = announce(primary[0]!, [f.prefix]);
    const { status, body } = await rawGql(INGEST, {
      i: {
        updates: [
          good,
          { ...good, peerAsn: 5_000_000_000 },
          { ...good, peerAsn: -1 },
          { ...good, peerAsn: 1.5 },
          { ...good, path: [8220, 4_294_967_296] },
          { ...good, path: [8220, 64500.5] },
          {
            ...good,
            community: [
              [8075, 8007],
              [8075, 70_000],
            ],
          },
          { ...good, community: [[8075, 8007, 1]] },
          announce(primary[1]!, [f.prefix], { peerAsn: 4_294_967_295 }),
        ],
      },
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const payload = body.data.ingestRouteUpdates;
    expect(payload).toMatchObject({ accepted: 2, rejected: 7 });
    expect(payload.userErrors.map((e: any) => [e.code, e.field])).toEqual([
      ['INVALID_INPUT', ['input', 'updates', '1', 'peerAsn']],
      ['INVALID_INPUT', ['input', 'updates', '2', 'peerAsn']],
      ['INVALID_INPUT', ['input', 'updates', '3', 'peerAsn']],
      ['INVALID_INPUT', ['input', 'updates', '4', 'path', '1']],
      ['INVALID_INPUT', ['input', 'updates', '5', 'path', '1']],
      ['INVALID_INPUT', ['input', 'updates', '6', 'community', '1']],
      ['INVALID_INPUT', ['input', 'updates', '7', 'community', '0']],
    ]);
    for (const e of payload.userErrors) expect(e.message).toMatch(/ASN|communit/i);
    const announcements = (await events(t, f.prefixId)).filter((e) => e.type === 'ANNOUNCEMENT');
    expect(announcements).toHaveLength(2);
  });

  it('a non-number where an ASN belongs is a GraphQL error with BAD_USER_INPUT', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const { body } = await rawGql(INGEST, {
      i: { updates: [{ ...announce(primary[0]!, [f.prefix]), peerAsn: 'AS8220' }] },
    });
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/ASN/);
  });

  it('other mutations answer out-of-range ASNs with user errors and write nothing', async () => {
    const amsterdam = (await locationsByName(t)).get('Amsterdam')!.id;
    const before = rowCounts(t);
    const partner = await t.ok(
      `mutation($i: CreatePartnerInput!) { createPartner(input: $i) { partner { id } userErrors { code field } } }`,
      {
        i: {
          name: unique('partner'),
          kind: 'ISP',
          asn: 4_294_967_296,
          peeringLocationIds: [amsterdam],
        },
      },
    );
    expect(partner.createPartner).toEqual({
      partner: null,
      userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'asn'] }],
    });
    expect(rowCounts(t).partners).toBe(before.partners);

    const f = await serviceWithPrefix(t, { prefix: freshPrefix(25) });
    const withOne = rowCounts(t);
    const second = f.prefix.replace('.0/25', '.128/25');
    const key = await prefixKey(t, f.partner.id, second);
    const added = await t.ok(
      ADD_PREFIX,
      {
        i: {
          peeringServiceId: f.serviceId,
          name: 'second',
          prefix: second,
          prefixKey: key,
          originAsns: [64500, -1, 2.5],
          expectedUpstreamAsns: [64500, 64500, 9_999_999_999],
        },
      },
      f.customer.token,
    );
    expect(added.addPrefix.prefix).toBeNull();
    expect(added.addPrefix.userErrors.map((e: any) => [e.code, e.field])).toEqual([
      ['INVALID_INPUT', ['input', 'originAsns', '1']],
      ['INVALID_INPUT', ['input', 'originAsns', '2']],
      ['INVALID_INPUT', ['input', 'expectedUpstreamAsns', '2']],
    ]);

    const third = freshPrefix();
    const created = await createService(
      t,
      {
        name: unique('svc'),
        partnerId: f.partner.id,
        country: 'Netherlands',
        state: 'North Holland',
        primaryPeeringLocationId: locationId(f.partner, 'Amsterdam'),
        prefixes: [
          {
            name: 'site',
            prefix: third,
            prefixKey: await prefixKey(t, f.partner.id, third),
            originAsns: [5_000_000_000],
          },
        ],
      },
      f.customer.token,
    );
    expect(created.peeringService).toBeNull();
    expect(created.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_INPUT', ['input', 'prefixes', '0', 'originAsns', '0']],
    ]);
    expect(rowCounts(t)).toMatchObject({ services: withOne.services, prefixes: withOne.prefixes });
  });
});

describe('private-ASN rule with 4-byte private ASNs (RFC 6996)', () => {
  it('fails validation when the expected origin is in 4200000000-4294967294', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix(), originAsns: [ORIGIN] });
    await verifyPrefix(t, f, ORIGIN);
    const state = await prefixState(t, f.prefixId);
    expect(state.validationState).toBe('FAILED');
    expect(state.errorMessage).toMatch(/private AS in the path/);
    expect(state.errorMessage).toContain(`AS${ORIGIN}`);
  });

  it('does not learn a 4-byte private origin as the expected one', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix(), originAsns: null });
    await verifyPrefix(t, f, 4_294_967_294);
    const state = await prefixState(t, f.prefixId);
    expect(state).toMatchObject({ validationState: 'FAILED', expectedOriginAsns: [] });
    expect(state.errorMessage).toContain('AS4294967294');
  });
});

describe('IPv4-mapped IPv6 peer addresses', () => {
  it('stores ::ffff:192.0.2.83 as 192.0.2.83 and matches updates from either form, over GraphQL and NDJSON', async () => {
    const partner = await createPartnerWith(t, {
      locations: ['Amsterdam'],
      sessions: [
        { location: 'Amsterdam', router: 'ams-r1', peer: '::ffff:192.0.2.83' },
        { location: 'Amsterdam', router: 'ams-r2', peer: '192.0.2.84' },
      ],
    });
    const sessions = await t.ok(
      'query($id: ID!) { node(id: $id) { ... on Partner { sessions { routerName peerAddress } } } }',
      { id: partner.id },
    );
    expect(sessions.node.sessions).toEqual([
      { routerName: 'ams-r1', peerAddress: '192.0.2.83' },
      { routerName: 'ams-r2', peerAddress: '192.0.2.84' },
    ]);
    // the same address in the other form is taken
    const again = await t.ok(
      `mutation($i: CreatePeeringSessionInput!) { createPeeringSession(input: $i) { session { id } userErrors { code field } } }`,
      {
        i: {
          partnerId: partner.id,
          peeringLocationId: locationId(partner, 'Amsterdam'),
          routerName: 'ams-r3',
          peerAddress: '::FFFF:192.0.2.84',
        },
      },
    );
    expect(again.createPeeringSession).toEqual({
      session: null,
      userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'peerAddress'] }],
    });

    const prefix = freshPrefix();
    const customer = await createCustomer(t);
    const created = await createService(
      t,
      {
        name: unique('svc'),
        partnerId: partner.id,
        country: 'Netherlands',
        state: 'North Holland',
        primaryPeeringLocationId: locationId(partner, 'Amsterdam'),
        prefixes: [{ name: 'site', prefix, prefixKey: await prefixKey(t, partner.id, prefix), originAsns: [64500] }],
      },
      customer.token,
    );
    expect(created.userErrors).toEqual([]);
    const prefixId = created.peeringService.prefixes.edges[0].node.id;
    const path = [partner.asn, 64500];
    // ams-r1 (stored from the mapped form) is matched by the plain IPv4 peer; ams-r2 by the mapped form
    expect(
      await ingest(t, [
        announce('192.0.2.83', [prefix], { path, peerAsn: partner.asn }),
        announce('::ffff:192.0.2.84', [prefix], { path, peerAsn: partner.asn }),
      ]),
    ).toMatchObject({ accepted: 2, ignored: 0 });
    const summaries = (await events(t, prefixId)).filter((e) => e.type === 'ANNOUNCEMENT').map((e) => e.summary);
    expect(summaries).toEqual([
      `announcement of ${prefix} on ams-r1 (Amsterdam)`,
      `announcement of ${prefix} on ams-r2 (Amsterdam)`,
    ]);
    expect((await prefixState(t, prefixId)).validationState).toBe('VERIFIED');

    // over NDJSON: a withdrawal from the mapped form of ams-r1's address withdraws the same route
    const res = await postNdjson([
      {
        type: 'ris_message',
        data: {
          timestamp: t.clock.now() / 1000 + 1,
          peer: '::ffff:192.0.2.83',
          peer_asn: partner.asn,
          host: 'edge-ams',
          type: 'UPDATE',
          withdrawals: [prefix],
        },
      },
    ]);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: 0, ignored: 0 });
    const after = (await events(t, prefixId)).filter((e) => e.type === 'WITHDRAWAL').map((e) => e.summary);
    expect(after).toEqual([`withdrawal of ${prefix} on ams-r1 (Amsterdam)`]);
    expect((await prefixState(t, prefixId)).validationState).toBe('WARNING');
  });
});

describe('event retention counts from arrival (recordedAt)', () => {
  // Its own app: moves the clock by weeks.
  it('keeps a replayed years-old event for EVENT_RETENTION_DAYS after it was recorded, then prunes it', async () => {
    const r = await createTestApp();
    try {
      const f = await serviceWithPrefix(r, { prefix: freshPrefix() });
      const arrived = r.clock.now();
      const bgpTime = '2021-03-04T05:06:07.000Z';
      await ingest(r, [announce(backup[0]!, [f.prefix], { timestamp: Date.parse(bgpTime) / 1000 })]);
      const read = async () =>
        (
          await r.ok(
            `query($id: ID!) { node(id: $id) { ... on Prefix { events(first: 100) { edges { node {
              type occurredAt recordedAt } } } } } }`,
            { id: f.prefixId },
          )
        ).node.events.edges
          .map((e: any) => e.node)
          .filter((e: any) => e.type === 'BACKUP_ROUTE_ANNOUNCEMENT');
      const replayed = {
        type: 'BACKUP_ROUTE_ANNOUNCEMENT',
        occurredAt: bgpTime,
        recordedAt: new Date(arrived).toISOString(),
      };
      expect(await read()).toEqual([replayed]);

      // the next retention pass keeps it, and so do passes within EVENT_RETENTION_DAYS of its arrival
      r.app.telemetry.tick();
      expect(await read()).toEqual([replayed]);
      r.clock.advance((r.env.EVENT_RETENTION_DAYS - 1) * DAY);
      r.app.telemetry.tick();
      expect(await read()).toEqual([replayed]);
      const all = await r.ok('{ prefixEvents(first: 100) { edges { node { occurredAt recordedAt } } } }');
      expect(all.prefixEvents.edges.map((e: any) => e.node)).toContainEqual({
        occurredAt: bgpTime,
        recordedAt: replayed.recordedAt,
      });

      // an event recorded now outlives it
      const now = r.clock.now();
      await ingest(r, [announce(backup[1]!, [f.prefix], { timestamp: now / 1000 })]);
      r.clock.advance(2 * DAY);
      r.app.telemetry.tick();
      expect(await read()).toEqual([
        {
          type: 'BACKUP_ROUTE_ANNOUNCEMENT',
          occurredAt: new Date(now).toISOString(),
          recordedAt: new Date(now).toISOString(),
        },
      ]);
    } finally {
      await r.close();
    }
  });
});
