import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../src/services/identity.js';
import { createTestApp, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';
import {
  ADD_PREFIX,
  announce,
  codes,
  createCustomer,
  createService,
  createToken,
  ingest,
  locationId,
  partnerByName,
  prefixKey,
  rowCounts,
  type ServiceFixture,
  serviceWithPrefix,
  sessionsOf,
} from './helpers/factories.js';

let t: TestApp;
let a: ServiceFixture; // customer A, Colt service, 203.0.113.0/24, with events
let b: ServiceFixture; // customer B, Colt service, 198.51.100.0/24
let bDecix: string; // customer B, DE-CIX service (Frankfurt), no prefixes
let coltToken: string;
let decixToken: string;
let collectorToken: string;
let operatorDbToken: string;
let eventA: string; // id of one of A's events
let eventB: string; // id of one of B's events
let intruderKey: string; // Colt's key for 2001:db8:999::/48, registered before any test runs

const NODE = `query($id: ID!) { node(id: $id) { id __typename } }`;
const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`;
const SERVICES = `{ peeringServices(first: 100) { totalCount edges { node { id name partner { name } customer { id }
  prefixes(first: 10) { edges { node { id prefix } } } } } } }`;
const EVENTS = `{ prefixEvents(first: 100) { totalCount edges { node { id prefix { id } } } } }`;
const VIEWER = `{ viewer { role customerName partner { name } customer { id } } }`;

const TAGS = `mutation($id: ID!) { updatePeeringServiceTags(input: { peeringServiceId: $id, tags: [{ key: "k", value: "v" }] }) {
  peeringService { id } userErrors { code field } } }`;
const DELETE = `mutation($id: ID!) { deletePeeringService(input: { peeringServiceId: $id }) { deletedPeeringServiceId userErrors { code field } } }`;
const REMOVE = `mutation($id: ID!) { removePrefix(input: { prefixId: $id }) { removedPrefixId userErrors { code field } } }`;

async function firstEventId(prefixId: string) {
  const data = await t.ok(
    `query($id: ID!) { node(id: $id) { ... on Prefix { events(first: 1) { edges { node { id } } } } } }`,
    {
      id: prefixId,
    },
  );
  const id = data.node.events.edges[0]?.node.id;
  if (!id) throw new Error('no event');
  return id as string;
}

/** Every tenant mutation against `target` (a service with one prefix) as `token`; returns codes per mutation. */
async function mutateAll(target: ServiceFixture, token: string | null) {
  const add = (
    await t.ok(
      ADD_PREFIX,
      {
        i: {
          peeringServiceId: target.serviceId,
          name: 'intruder',
          prefix: '2001:db8:999::/48',
          prefixKey: intruderKey,
        },
      },
      token,
    )
  ).addPrefix;
  const tags = (await t.ok(TAGS, { id: target.serviceId }, token)).updatePeeringServiceTags;
  const remove = (await t.ok(REMOVE, { id: target.prefixId }, token)).removePrefix;
  const del = (await t.ok(DELETE, { id: target.serviceId }, token)).deletePeeringService;
  expect(add.prefix).toBeNull();
  expect(tags.peeringService).toBeNull();
  expect(remove.removedPrefixId).toBeNull();
  expect(del.deletedPeeringServiceId).toBeNull();
  return {
    addPrefix: codes(add.userErrors),
    updatePeeringServiceTags: codes(tags.userErrors),
    removePrefix: codes(remove.userErrors),
    deletePeeringService: codes(del.userErrors),
  };
}

const all = (code: string) => ({
  addPrefix: [code],
  updatePeeringServiceTags: [code],
  removePrefix: [code],
  deletePeeringService: [code],
});

/** The tags of a service as the operator sees them (to prove nothing changed). */
async function tagsOf(serviceId: string) {
  return (
    await t.ok(`query($id: ID!) { node(id: $id) { ... on PeeringService { tags { key value } } } }`, { id: serviceId })
  ).node.tags;
}

beforeAll(async () => {
  t = await createTestApp();
  a = await serviceWithPrefix(t, { prefix: '203.0.113.0/24' });
  b = await serviceWithPrefix(t, { prefix: '198.51.100.0/24', customer: await createCustomer(t) });
  const decix = await partnerByName(t, 'DE-CIX');
  const created = await createService(
    t,
    {
      name: 'frankfurt',
      partnerId: decix.id,
      country: 'Germany',
      state: 'Hesse',
      primaryPeeringLocationId: locationId(decix, 'Frankfurt'),
    },
    b.customer.token,
  );
  expect(created.userErrors).toEqual([]);
  bDecix = created.peeringService.id;
  coltToken = await createToken(t, 'PARTNER', { partnerId: a.partner.id });
  decixToken = await createToken(t, 'PARTNER', { partnerId: decix.id });
  collectorToken = await createToken(t, 'COLLECTOR');
  intruderKey = await prefixKey(t, a.partner.id, '2001:db8:999::/48');
  operatorDbToken = await createToken(t, 'OPERATOR');
  // Events for both customers' prefixes, ingested by the collector.
  const peers = sessionsOf('Colt', 'Amsterdam').map((s) => s.peerAddress);
  const result = await ingest(
    t,
    peers.map((p) => announce(p, [a.prefix, b.prefix])),
    collectorToken,
  );
  expect(result.accepted).toBe(peers.length);
  eventA = await firstEventId(a.prefixId);
  eventB = await firstEventId(b.prefixId);
});
afterAll(() => t.close());

describe('authentication', () => {
  it('answers a bad or malformed token with HTTP 401 and UNAUTHENTICATED, even for the public catalogue', async () => {
    for (const authorization of [
      'Bearer nope',
      'Bearer pw_not-a-real-token',
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'token',
    ]) {
      const body = JSON.stringify({ query: '{ partners { totalCount } }' });
      const res = await t.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(body.length), authorization },
        body,
      });
      expect(res.status, authorization).toBe(401);
      const json = await res.json();
      expect(json.data ?? null).toBeNull();
      expect(json.errors?.[0]?.extensions?.code, authorization).toBe('UNAUTHENTICATED');
    }
  });

  it('accepts the scheme case-insensitively', async () => {
    const body = JSON.stringify({ query: '{ viewer { role } }' });
    const res = await t.fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(body.length),
        authorization: `bearer ${OPERATOR_TOKEN}`,
      },
      body,
    });
    expect(res.status).toBe(200);
    expect((await res.json()).data.viewer.role).toBe('OPERATOR');
  });

  it('accepts OPERATOR_TOKEN from the environment as an OPERATOR, and only while it is set', async () => {
    expect((await t.ok(VIEWER, {}, OPERATOR_TOKEN)).viewer).toEqual({
      role: 'OPERATOR',
      customerName: null,
      partner: null,
      customer: null,
    });
    expect((await t.ok(SERVICES, {}, OPERATOR_TOKEN)).peeringServices.totalCount).toBe(3);
    const without = await createTestApp({ OPERATOR_TOKEN: undefined });
    try {
      const res = await without.gql('{ viewer { role } }', {}, OPERATOR_TOKEN);
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect((await without.gql('{ partners { totalCount } }', {}, null)).data?.partners.totalCount).toBe(31);
    } finally {
      await without.close();
    }
  });

  it('stores tokens only as hashes: no api_tokens column holds a token', async () => {
    const tokens = [a.customer.token, b.customer.token, coltToken, decixToken, collectorToken, operatorDbToken];
    const rows = t.app.deps.db.$client.prepare('select * from api_tokens').all() as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThanOrEqual(tokens.length);
    const cells = rows.flatMap((row) => Object.values(row).map((v) => String(v)));
    for (const token of tokens) {
      expect(token).toMatch(/^pw_[A-Za-z0-9_-]{40,}$/);
      expect(cells.some((cell) => cell.includes(token))).toBe(false);
      // What is stored is the hash, so the token still authenticates.
      expect(cells).toContain(hashToken(token));
    }
    expect(new Set(tokens).size).toBe(tokens.length);
    expect((await t.ok(VIEWER, {}, operatorDbToken)).viewer.role).toBe('OPERATOR');
  });
});

describe('anonymous', () => {
  it('reads the public catalogue', async () => {
    const data = await t.ok(
      `query($p: ID!) { partners(first: 1) { totalCount } peeringLocations { name } countries { name }
        customerLocations(country: "Netherlands") { state }
        providerAvailability(partnerId: $p, country: "Netherlands", state: "North Holland") viewer { role } }`,
      { p: a.partner.id },
      null,
    );
    expect(data.partners.totalCount).toBe(31);
    expect(data.providerAvailability).toBe('AVAILABLE');
    expect(data.viewer).toBeNull();
  });

  it('gets UNAUTHENTICATED for peeringServices and prefixEvents', async () => {
    for (const query of [SERVICES, EVENTS]) {
      const res = await t.gql(query, {}, null);
      // the protected root field is null with its error; the answer itself is not thrown away
      expect(Object.values(res.data ?? {}), query).toEqual([null]);
      expect(res.errors?.[0]?.extensions?.code, query).toBe('UNAUTHENTICATED');
    }
  });

  it('keeps the public fields of a query that also asks for protected ones (HTTP 200, field-level errors)', async () => {
    const body = JSON.stringify({
      query: `{ countries { name } peeringServices(first: 1) { totalCount } prefixEvents(first: 1) { totalCount } }`,
    });
    const res = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
      body,
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as any;
    expect(json.data.countries.length).toBeGreaterThan(10);
    expect(json.data.peeringServices).toBeNull();
    expect(json.data.prefixEvents).toBeNull();
    expect(json.errors.map((e: any) => [e.path[0], e.extensions.code]).sort()).toEqual([
      ['peeringServices', 'UNAUTHENTICATED'],
      ['prefixEvents', 'UNAUTHENTICATED'],
    ]);
  });

  it('gets null for node(id:) of any tenant object, and null entries from nodes(ids:)', async () => {
    for (const id of [a.serviceId, a.prefixId, eventA, a.customer.id]) {
      expect((await t.ok(NODE, { id }, null)).node, id).toBeNull();
    }
    expect((await t.ok(NODES, { ids: [a.partner.id, a.serviceId, a.prefixId] }, null)).nodes).toEqual([
      { id: a.partner.id },
      null,
      null,
    ]);
  });

  it('cannot write: every mutation answers FORBIDDEN and writes nothing', async () => {
    const before = rowCounts(t);
    expect(await mutateAll(a, null)).toEqual(all('FORBIDDEN'));
    const create = await createService(
      t,
      {
        name: 'anon',
        partnerId: a.partner.id,
        country: 'Netherlands',
        state: 'North Holland',
        primaryPeeringLocationId: locationId(a.partner, 'Amsterdam'),
      },
      null,
    );
    expect(codes(create.userErrors)).toEqual(['FORBIDDEN']);
    const ingested = await t.ok(
      `mutation($i: IngestRouteUpdatesInput!) { ingestRouteUpdates(input: $i) { accepted userErrors { code } } }`,
      { i: { updates: [announce(sessionsOf('Colt', 'Amsterdam')[0]!.peerAddress, [a.prefix])] } },
      null,
    );
    expect(ingested.ingestRouteUpdates.accepted).toBe(0);
    expect(codes(ingested.ingestRouteUpdates.userErrors)).toEqual(['FORBIDDEN']);
    expect(rowCounts(t)).toEqual(before);
    expect(await tagsOf(a.serviceId)).toEqual([]);
  });
});

describe('no existence oracle', () => {
  it('callers who may change nothing get FORBIDDEN whether or not the ids exist', async () => {
    const missing = {
      ...a,
      serviceId: encodeGlobalID('PeeringService', 99999),
      prefixId: encodeGlobalID('Prefix', 99999),
    } as ServiceFixture;
    const before = rowCounts(t);
    for (const token of [null, collectorToken]) {
      expect(await mutateAll(missing, token)).toEqual(all('FORBIDDEN'));
      expect(await mutateAll(a, token)).toEqual(all('FORBIDDEN'));
    }
    expect(rowCounts(t)).toEqual(before);
  });

  it('node/nodes answer null for malformed ids, ids of non-node types and ids of missing rows alike', async () => {
    const ids = [
      'garbage',
      encodeGlobalID('User', 1),
      encodeGlobalID('Partner', 'x'),
      encodeGlobalID('Partner', 99999),
    ];
    for (const id of ids) {
      const res = await t.gql('query($id: ID!) { node(id: $id) { id } }', { id }, a.customer.token);
      expect(res, id).toEqual({ data: { node: null } });
    }
    const res = await t.gql(
      'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids: [...ids, a.serviceId] },
      a.customer.token,
    );
    expect(res).toEqual({ data: { nodes: [null, null, null, null, { id: a.serviceId }] } });
  });

  it('another customer gets NOT_FOUND whether or not the ids exist', async () => {
    const missing = {
      ...b,
      serviceId: encodeGlobalID('PeeringService', 99999),
      prefixId: encodeGlobalID('Prefix', 99999),
    } as ServiceFixture;
    expect(await mutateAll(missing, a.customer.token)).toEqual(all('NOT_FOUND'));
  });
});

describe('customers', () => {
  it('list only their own peering services, prefixes and events', async () => {
    const asA = (await t.ok(SERVICES, {}, a.customer.token)).peeringServices;
    expect(asA.totalCount).toBe(1);
    expect(asA.edges.map((e: any) => e.node.id)).toEqual([a.serviceId]);
    expect(asA.edges[0].node.customer).toEqual({ id: a.customer.id });
    expect(asA.edges[0].node.prefixes.edges.map((e: any) => e.node.id)).toEqual([a.prefixId]);

    const asB = (await t.ok(SERVICES, {}, b.customer.token)).peeringServices;
    expect(asB.edges.map((e: any) => e.node.id).sort()).toEqual([b.serviceId, bDecix].sort());
    expect(asB.totalCount).toBe(2);

    const eventsA = (await t.ok(EVENTS, {}, a.customer.token)).prefixEvents;
    expect(eventsA.totalCount).toBeGreaterThan(0);
    expect(eventsA.edges.every((e: any) => e.node.prefix.id === a.prefixId)).toBe(true);
    expect(eventsA.edges.map((e: any) => e.node.id)).toContain(eventA);
    expect(eventsA.totalCount).toBe(eventsA.edges.length);
    const all = (await t.ok(EVENTS)).prefixEvents;
    expect(all.totalCount).toBeGreaterThan(eventsA.totalCount);
  });

  it("get null for another customer's objects by node(id:) and nodes(ids:)", async () => {
    for (const id of [b.serviceId, b.prefixId, eventB, b.customer.id, bDecix]) {
      expect((await t.ok(NODE, { id }, a.customer.token)).node, id).toBeNull();
    }
    for (const id of [a.serviceId, a.prefixId, eventA, a.customer.id]) {
      expect((await t.ok(NODE, { id }, a.customer.token)).node?.id, id).toBe(id);
    }
    const nodes = await t.ok(
      NODES,
      { ids: [a.serviceId, b.serviceId, a.prefixId, b.prefixId, eventB] },
      a.customer.token,
    );
    expect(nodes.nodes).toEqual([{ id: a.serviceId }, null, { id: a.prefixId }, null, null]);
  });

  it("cannot filter their way into another customer's events", async () => {
    for (const filter of [{ prefixId: b.prefixId }, { peeringServiceId: b.serviceId }]) {
      const res = await t.gql(
        `query($f: PrefixEventFilter) { prefixEvents(first: 10, filter: $f) { totalCount } }`,
        { f: filter },
        a.customer.token,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const byPrefix = await t.ok(
      `query($f: PrefixEventFilter) { prefixEvents(first: 10, filter: $f) { totalCount } }`,
      { f: { prefix: b.prefix } },
      a.customer.token,
    );
    expect(byPrefix.prefixEvents.totalCount).toBe(0);
  });

  it("get NOT_FOUND from every mutation on another customer's objects, and nothing is written", async () => {
    const before = rowCounts(t);
    expect(await mutateAll(b, a.customer.token)).toEqual(all('NOT_FOUND'));
    expect(rowCounts(t)).toEqual(before);
    expect(await tagsOf(b.serviceId)).toEqual([]);
    expect((await t.ok(NODE, { id: b.prefixId })).node?.id).toBe(b.prefixId);
  });

  it('cannot create a peering service for another customer', async () => {
    const before = rowCounts(t);
    const res = await createService(
      t,
      {
        name: 'for-b',
        customerId: b.customer.id,
        partnerId: a.partner.id,
        country: 'Netherlands',
        state: 'North Holland',
        primaryPeeringLocationId: locationId(a.partner, 'Amsterdam'),
      },
      a.customer.token,
    );
    expect(res.peeringService).toBeNull();
    expect(codes(res.userErrors)).toEqual(['FORBIDDEN']);
    expect(rowCounts(t)).toEqual(before);
  });

  it('cannot register partner prefixes, create customers, partners or tokens', async () => {
    const before = rowCounts(t);
    const token = a.customer.token;
    const reg = await t.ok(
      `mutation($p: ID!) { registerPartnerPrefix(input: { partnerId: $p, prefix: "2001:db8:77::/48" }) { userErrors { code } } }`,
      { p: a.partner.id },
      token,
    );
    expect(codes(reg.registerPartnerPrefix.userErrors)).toEqual(['FORBIDDEN']);
    const cust = await t.ok(
      `mutation { createCustomer(input: { name: "sneaky" }) { userErrors { code } } }`,
      {},
      token,
    );
    expect(codes(cust.createCustomer.userErrors)).toEqual(['FORBIDDEN']);
    const tok = await t.ok(
      `mutation($c: ID!) { createApiToken(input: { role: CUSTOMER, customerId: $c }) { token userErrors { code } } }`,
      { c: b.customer.id },
      token,
    );
    expect(tok.createApiToken.token).toBeNull();
    expect(codes(tok.createApiToken.userErrors)).toEqual(['FORBIDDEN']);
    expect(rowCounts(t)).toEqual(before);
  });
});

describe('partners', () => {
  it('see the peering services that use them (every customer) and no others', async () => {
    const asColt = (await t.ok(SERVICES, {}, coltToken)).peeringServices;
    expect(asColt.edges.map((e: any) => e.node.id).sort()).toEqual([a.serviceId, b.serviceId].sort());
    expect(asColt.totalCount).toBe(2);
    expect(asColt.edges.every((e: any) => e.node.partner.name === 'Colt')).toBe(true);
    // The owning customer is not the partner's to see.
    expect(asColt.edges.every((e: any) => e.node.customer === null)).toBe(true);

    const asDecix = (await t.ok(SERVICES, {}, decixToken)).peeringServices;
    expect(asDecix.edges.map((e: any) => e.node.id)).toEqual([bDecix]);

    for (const id of [a.serviceId, b.prefixId, eventA]) {
      expect((await t.ok(NODE, { id }, coltToken)).node?.id, id).toBe(id);
      expect((await t.ok(NODE, { id }, decixToken)).node, id).toBeNull();
    }
    expect((await t.ok(NODE, { id: a.customer.id }, coltToken)).node).toBeNull();

    const eventsColt = (await t.ok(EVENTS, {}, coltToken)).prefixEvents;
    expect(eventsColt.totalCount).toBe((await t.ok(EVENTS)).prefixEvents.totalCount);
    expect((await t.ok(EVENTS, {}, decixToken)).prefixEvents.totalCount).toBe(0);
  });

  it('cannot change the peering services they see (FORBIDDEN) nor those they do not (NOT_FOUND)', async () => {
    const before = rowCounts(t);
    expect(await mutateAll(a, coltToken)).toEqual(all('FORBIDDEN'));
    expect(await mutateAll(a, decixToken)).toEqual(all('NOT_FOUND'));
    expect(rowCounts(t)).toEqual(before);
    expect(await tagsOf(a.serviceId)).toEqual([]);
    const create = await createService(
      t,
      {
        name: 'by-partner',
        customerId: a.customer.id,
        partnerId: a.partner.id,
        country: 'Netherlands',
        state: 'North Holland',
        primaryPeeringLocationId: locationId(a.partner, 'Amsterdam'),
      },
      coltToken,
    );
    expect(codes(create.userErrors)).toEqual(['FORBIDDEN']);
    expect(rowCounts(t)).toEqual(before);
  });
});

describe('collectors', () => {
  it('can ingest', async () => {
    const peer = sessionsOf('Colt', 'Frankfurt')[0]!.peerAddress;
    const result = await ingest(t, [announce(peer, [a.prefix])], collectorToken);
    expect(result).toMatchObject({ accepted: 1, rejected: 0, userErrors: [] });
  });

  it('get FORBIDDEN for tenant queries and null for tenant nodes', async () => {
    for (const query of [SERVICES, EVENTS]) {
      const res = await t.gql(query, {}, collectorToken);
      expect(Object.values(res.data ?? {})).toEqual([null]);
      expect(res.errors?.[0]?.extensions?.code, query).toBe('FORBIDDEN');
    }
    for (const id of [a.serviceId, a.prefixId, eventA, a.customer.id]) {
      expect((await t.ok(NODE, { id }, collectorToken)).node, id).toBeNull();
    }
  });

  it('cannot write anything but telemetry', async () => {
    const before = rowCounts(t);
    expect(await mutateAll(a, collectorToken)).toEqual(all('FORBIDDEN'));
    const create = await createService(
      t,
      {
        name: 'by-collector',
        customerId: a.customer.id,
        partnerId: a.partner.id,
        country: 'Netherlands',
        state: 'North Holland',
        primaryPeeringLocationId: locationId(a.partner, 'Amsterdam'),
      },
      collectorToken,
    );
    expect(codes(create.userErrors)).toEqual(['FORBIDDEN']);
    expect(rowCounts(t)).toEqual(before);
  });

  it('partners and customers cannot ingest', async () => {
    const peer = sessionsOf('Colt', 'Frankfurt')[0]!.peerAddress;
    for (const token of [a.customer.token, coltToken]) {
      const res = await t.ok(
        `mutation($i: IngestRouteUpdatesInput!) { ingestRouteUpdates(input: $i) { accepted userErrors { code } } }`,
        { i: { updates: [announce(peer, [a.prefix])] } },
        token,
      );
      expect(res.ingestRouteUpdates.accepted).toBe(0);
      expect(codes(res.ingestRouteUpdates.userErrors)).toEqual(['FORBIDDEN']);
    }
  });
});

describe('viewer', () => {
  it('describes the caller of each role', async () => {
    expect((await t.ok(VIEWER, {}, a.customer.token)).viewer).toEqual({
      role: 'CUSTOMER',
      customerName: a.customer.name,
      partner: null,
      customer: { id: a.customer.id },
    });
    expect((await t.ok(VIEWER, {}, coltToken)).viewer).toEqual({
      role: 'PARTNER',
      customerName: null,
      partner: { name: 'Colt' },
      customer: null,
    });
    expect((await t.ok(VIEWER, {}, collectorToken)).viewer).toEqual({
      role: 'COLLECTOR',
      customerName: null,
      partner: null,
      customer: null,
    });
    expect((await t.ok(VIEWER, {}, null)).viewer).toBeNull();
  });
});

describe('top-level errors', () => {
  it('carry extensions.code, also for variables that do not coerce (message cut short)', async () => {
    const t = await createTestApp();
    try {
      const huge = 'x'.repeat(100_000);
      for (const [query, variables] of [
        ['query($n: Int!) { partners(first: $n) { totalCount } }', { n: huge }],
        ['query($n: Int!) { partners(first: $n) { totalCount } }', {}],
        ['{ partners { nope } }', {}],
        ['{ partners(', {}],
      ] as const) {
        const res = await t.gql(query, variables, null);
        expect(res.errors?.length, query).toBeGreaterThan(0);
        for (const error of res.errors ?? []) {
          expect(typeof error.extensions?.code, `${query}: ${error.message.slice(0, 100)}`).toBe('string');
          expect(error.message.length).toBeLessThan(1000);
        }
      }
    } finally {
      await t.close();
    }
  });
});
