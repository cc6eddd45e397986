import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { announce, createCustomer, ingest, serviceWithPrefix, withdraw } from './helpers/factories.js';
import { coltPeers, freshPrefix, verifyPrefix } from './helpers/telemetry-kit.js';

/** Issue 9: newest-first lists (orderBy), the caller's prefixes by validation state, and counts only when asked. */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const EVENTS = `query($first: Int, $after: String, $last: Int, $f: PrefixEventFilter, $o: PrefixEventOrder) {
  prefixEvents(first: $first, after: $after, last: $last, filter: $f, orderBy: $o) {
    edges { cursor node { type } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;

describe('orderBy', () => {
  it('lists events newest first and pages on to older ones; the first cursor is the one to subscribe after', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const { primary } = coltPeers();
    for (let i = 0; i < 6; i++) {
      await ingest(t, [i % 2 ? withdraw(primary[0]!, [f.prefix]) : announce(primary[0]!, [f.prefix])]);
    }
    const filter = { prefixId: f.prefixId };
    const asc = (await t.ok(EVENTS, { first: 100, f: filter }, f.customer.token)).prefixEvents.edges.map(
      (e: any) => e.cursor,
    );
    expect(asc.length).toBeGreaterThanOrEqual(6);
    const desc = { field: 'SEQUENCE', direction: 'DESC' };
    const page1 = (await t.ok(EVENTS, { first: 3, f: filter, o: desc }, f.customer.token)).prefixEvents;
    expect(page1.edges.map((e: any) => e.cursor)).toEqual(asc.slice(-3).reverse());
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (
      await t.ok(EVENTS, { first: 3, after: page1.pageInfo.endCursor, f: filter, o: desc }, f.customer.token)
    ).prefixEvents;
    expect(page2.edges.map((e: any) => e.cursor)).toEqual(asc.slice(-6, -3).reverse());
    // last: n in a newest-first list is the n oldest, still listed newest first
    const oldest = (await t.ok(EVENTS, { last: 2, f: filter, o: desc }, f.customer.token)).prefixEvents;
    expect(oldest.edges.map((e: any) => e.cursor)).toEqual(asc.slice(0, 2).reverse());
    expect(oldest.pageInfo.hasPreviousPage).toBe(true);
  });

  it('lists peering services newest first', async () => {
    const customer = await createCustomer(t);
    const a = await serviceWithPrefix(t, { prefix: freshPrefix(), customer });
    const b = await serviceWithPrefix(t, { prefix: freshPrefix(), customer });
    const q = `query($o: PeeringServiceOrder) { peeringServices(first: 10, orderBy: $o) { edges { node { id } } } }`;
    const ids = async (o?: unknown) =>
      (await t.ok(q, { o }, customer.token)).peeringServices.edges.map((e: any) => e.node.id);
    expect(await ids()).toEqual([a.serviceId, b.serviceId]);
    expect(await ids({ field: 'CREATED_AT', direction: 'DESC' })).toEqual([b.serviceId, a.serviceId]);
  });
});

describe('Query.prefixes', () => {
  const PREFIXES = `query($f: PrefixFilter, $first: Int) { prefixes(first: $first, filter: $f) {
    totalCount edges { node { id prefix validationState peeringService { id } } } } }`;

  it("lists the caller's FAILED or WARNING prefixes across its peering services, and nobody else's", async () => {
    const customer = await createCustomer(t);
    const ok = await serviceWithPrefix(t, { prefix: freshPrefix(), customer });
    const failing = await serviceWithPrefix(t, { prefix: freshPrefix(), customer });
    const pending = await serviceWithPrefix(t, { prefix: freshPrefix(), customer });
    const other = await serviceWithPrefix(t, { prefix: freshPrefix() });
    await verifyPrefix(t, ok);
    await verifyPrefix(t, failing);
    await verifyPrefix(t, other);
    // the failing one loses its announcements on every session: WARNING, then FAILED once all are gone
    await ingest(
      t,
      coltPeers().all.map((p) => withdraw(p, [failing.prefix])),
    );
    const all = (await t.ok(PREFIXES, { first: 50 }, customer.token)).prefixes;
    expect(all.totalCount).toBe(3);
    expect(all.edges.map((e: any) => e.node.id).sort()).toEqual(
      [ok.prefixId, failing.prefixId, pending.prefixId].sort(),
    );

    const attention = (
      await t.ok(PREFIXES, { first: 50, f: { validationStates: ['FAILED', 'WARNING'] } }, customer.token)
    ).prefixes;
    expect(attention.edges.map((e: any) => e.node.id)).toEqual([failing.prefixId]);
    expect(['FAILED', 'WARNING']).toContain(attention.edges[0].node.validationState);

    const byService = (await t.ok(PREFIXES, { first: 50, f: { peeringServiceId: pending.serviceId } }, customer.token))
      .prefixes;
    expect(byService.edges.map((e: any) => e.node.prefix)).toEqual([pending.prefix]);

    // another customer's service is NOT_FOUND, and its prefixes never appear
    const foreign = await t.gql(PREFIXES, { first: 5, f: { peeringServiceId: other.serviceId } }, customer.token);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const operator = (await t.ok(PREFIXES, { first: 100, f: { search: other.prefix } })).prefixes;
    expect(operator.edges.map((e: any) => e.node.id)).toEqual([other.prefixId]);
    const search = (await t.ok(PREFIXES, { first: 100, f: { search: other.prefix } }, customer.token)).prefixes;
    expect(search.totalCount).toBe(0);
  });

  it('is null with UNAUTHENTICATED for an anonymous caller', async () => {
    const res = await t.gql(PREFIXES, { first: 1 }, null);
    expect(res.data?.prefixes).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('totalCount', () => {
  it('runs count(*) only when the client selects totalCount', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    t.sql.length = 0;
    await t.ok(
      `{ peeringServices(first: 5) { edges { node { id } } } prefixEvents(first: 5) { edges { cursor } } }`,
      {},
      f.customer.token,
    );
    expect(t.sql.filter((q) => /count\(\*\)/i.test(q))).toEqual([]);
    t.sql.length = 0;
    const data = await t.ok(`{ peeringServices(first: 5) { totalCount } }`, {}, f.customer.token);
    expect(data.peeringServices.totalCount).toBe(1);
    expect(t.sql.filter((q) => /count\(\*\)/i.test(q))).toHaveLength(1);
  });
});

describe('DateTime input', () => {
  it('needs a zone: a time without Z or an offset is BAD_USER_INPUT, not read in the server time zone', async () => {
    const q = `query($s: DateTime) { prefixEvents(first: 1, filter: { since: $s }) { totalCount } }`;
    for (const bad of ['2026-11-28T05:21:01', '2026-11-28', 'Nov 28 2026', '2026-11-28 05:21:01Z']) {
      const res = await t.gql(q, { s: bad });
      expect(res.errors?.[0]?.extensions?.code, bad).toBe('BAD_USER_INPUT');
    }
    for (const good of ['2026-11-28T05:21:01Z', '2026-11-28T06:21:01.123+01:00', '2026-11-28T05:21Z']) {
      const res = await t.gql(q, { s: good });
      expect(res.errors, good).toBeUndefined();
    }
  });
});

describe('list pages read the columns of the fields asked for', () => {
  const P = `fragment P on Prefix { id name prefix prefixKey validationState learnedType errorMessage validatedAt
    expectedOriginAsns expectedUpstreamAsns createdAt peeringService { id } }`;
  const S = `fragment S on PeeringService { id name customer { id } customerLocation { country } azureRegion
    partner { id name } primaryPeeringLocation { id } backupPeeringLocation { id } provisioningState
    tags { key value } createdAt prefixes(first: 5) { edges { cursor node { ...P } } } }`;

  it('answers every field of a listed service and prefix as node(id:) does, whatever subset a query asks for', async () => {
    const customer = await createCustomer(t);
    const a = await serviceWithPrefix(t, { prefix: freshPrefix(), customer, expectedUpstreamAsns: [64510] });
    const b = await serviceWithPrefix(t, { prefix: freshPrefix(), customer, backup: null });
    await verifyPrefix(t, a);
    const full = async (id: string) =>
      (await t.ok(`query($id: ID!) { node(id: $id) { ...S } } ${S} ${P}`, { id }, customer.token)).node;
    const services = [await full(a.serviceId), await full(b.serviceId)];
    expect(services[0].prefixes.edges[0].node.validatedAt).not.toBeNull();
    const listed = await t.ok(
      `{ peeringServices(first: 10) { edges { node { ...S } } } } ${S} ${P}`,
      {},
      customer.token,
    );
    expect(listed.peeringServices.edges.map((e: any) => e.node)).toEqual(services);

    // Subsets, through aliases, inline fragments, `nodes` and skipped fields.
    const subset = await t.ok(
      `{ peeringServices(first: 10) {
          nodes { x: name ... on PeeringService { createdAt } partner { name } }
          edges { node { id backupPeeringLocation { id } tags { key } provisioningState @skip(if: true)
            prefixes(first: 5) { nodes { prefix expectedUpstreamAsns } edges { node { ... on Prefix { learnedType } } } } } }
        } }`,
      {},
      customer.token,
    );
    expect(subset.peeringServices.nodes).toEqual(
      services.map((s) => ({ x: s.name, createdAt: s.createdAt, partner: { name: s.partner.name } })),
    );
    expect(subset.peeringServices.edges.map((e: any) => e.node)).toEqual(
      services.map((s) => ({
        id: s.id,
        backupPeeringLocation: s.backupPeeringLocation,
        tags: s.tags,
        prefixes: {
          nodes: s.prefixes.edges.map((e: any) => ({
            prefix: e.node.prefix,
            expectedUpstreamAsns: e.node.expectedUpstreamAsns,
          })),
          edges: s.prefixes.edges.map((e: any) => ({ node: { learnedType: e.node.learnedType } })),
        },
      })),
    );
    // A field that reads what the column lists do not name (Prefix.latency) still gets its whole row.
    const latency = await t.ok(
      `{ peeringServices(first: 10) { nodes { prefixes(first: 5) { nodes { id latency(range: LAST_1_DAY, granularity: ONE_HOUR) { measuredPrefix } } } } } }`,
      {},
      customer.token,
    );
    expect(latency.peeringServices.nodes[0].prefixes.nodes[0].latency.measuredPrefix).toBeTruthy();
  });
});
