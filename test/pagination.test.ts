import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import {
  announce,
  createCustomer,
  createService,
  ingest,
  locationId,
  partnerByName,
  prefixKey,
  sessionsOf,
} from './helpers/factories.js';

let t: TestApp;
let customer: Awaited<ReturnType<typeof createCustomer>>;
let serviceIds: string[];
const SERVICES = 50;

beforeAll(async () => {
  t = await createTestApp();
  customer = await createCustomer(t);
  const colt = await partnerByName(t, 'Colt');
  // One key covering the whole IPv6 documentation block serves every prefix below.
  const key = await prefixKey(t, colt.id, '2001:db8::/32');
  serviceIds = [];
  for (let i = 0; i < SERVICES; i++) {
    const res = await createService(
      t,
      {
        name: `svc-${i}`,
        partnerId: colt.id,
        country: 'Netherlands',
        state: 'North Holland',
        primaryPeeringLocationId: locationId(colt, 'Amsterdam'),
        backupPeeringLocationId: locationId(colt, 'Frankfurt'),
        prefixes: [
          { name: 'a', prefix: `2001:db8:${(2 * i + 1).toString(16)}::/48`, prefixKey: key },
          { name: 'b', prefix: `2001:db8:${(2 * i + 2).toString(16)}::/48`, prefixKey: key },
        ],
      },
      customer.token,
    );
    if (!res.peeringService) throw new Error(JSON.stringify(res.userErrors));
    serviceIds.push(res.peeringService.id);
  }
  // A few events on the first service's prefix, for the prefixEvents list.
  const first = `2001:db8:1::/48`;
  await ingest(
    t,
    sessionsOf('Colt', 'Amsterdam').map((s) => announce(s.peerAddress, [first])),
  );
});
afterAll(() => t.close());

const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

describe('page size and cursors', () => {
  const lists: [string, (args: string) => string][] = [
    ['partners', (args) => `{ partners(${args}) { totalCount } }`],
    ['peeringServices', (args) => `{ peeringServices(${args}) { totalCount } }`],
    [
      'PeeringService.prefixes',
      (args) => `query($id: ID!) { node(id: $id) { ... on PeeringService { prefixes(${args}) { totalCount } } } }`,
    ],
    ['prefixEvents', (args) => `{ prefixEvents(${args}) { totalCount } }`],
  ];

  for (const [name, query] of lists) {
    it(`${name}: first/last outside 1..100 is BAD_USER_INPUT; 1 and 100 are fine`, async () => {
      for (const args of ['first: 0', 'first: 101', 'first: -1', 'last: 0', 'last: 101', 'last: -1']) {
        const res = await t.gql(query(args), { id: serviceIds[0] }, customer.token);
        expect(codeOf(res), `${name}(${args}) ${JSON.stringify(res.errors)}`).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0]?.message).toMatch(/between 1 and 100/);
      }
      for (const args of ['first: 1', 'first: 100', 'last: 1', 'last: 100', 'first: null']) {
        const res = await t.gql(query(args), { id: serviceIds[0] }, customer.token);
        expect(res.errors, `${name}(${args})`).toBeUndefined();
      }
    });

    it(`${name}: a malformed or foreign cursor is BAD_USER_INPUT`, async () => {
      const foreign = Buffer.from(name === 'partners' ? 'svc:1' : 'partner:1').toString('base64url');
      for (const cursor of [
        'garbage',
        '',
        foreign,
        Buffer.from('x:1').toString('base64url'),
        encodeGlobalID('Partner', 1),
      ]) {
        for (const arg of ['after', 'before']) {
          const res = await t.gql(
            query(`first: 5, ${arg}: ${JSON.stringify(cursor)}`),
            { id: serviceIds[0] },
            customer.token,
          );
          // An empty cursor means "no cursor"; everything else must be refused.
          if (cursor === '') continue;
          expect(codeOf(res), `${name} ${arg}=${cursor} ${JSON.stringify(res.errors)}`).toBe('BAD_USER_INPUT');
        }
      }
    });
  }

  it('first and last together are BAD_USER_INPUT', async () => {
    expect(codeOf(await t.gql('{ partners(first: 5, last: 5) { totalCount } }'))).toBe('BAD_USER_INPUT');
  });
});

const PARTNER_PAGE = `query($first: Int, $after: String, $last: Int, $before: String) {
  partners(first: $first, after: $after, last: $last, before: $before) {
    totalCount edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

describe('walking the partner list', () => {
  it('forwards with first/after visits every partner exactly once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { partners }: any = await t.ok(PARTNER_PAGE, { first: 7, after }, null);
      pages++;
      expect(partners.totalCount).toBe(31);
      expect(partners.pageInfo.startCursor).toBe(partners.edges[0].cursor);
      expect(partners.pageInfo.endCursor).toBe(partners.edges.at(-1).cursor);
      if (pages === 1) expect(partners.pageInfo.hasPreviousPage).toBe(false);
      seen.push(...partners.edges.map((e: any) => e.node.id));
      const more = seen.length < 31;
      expect(partners.pageInfo.hasNextPage, `page ${pages}`).toBe(more);
      expect(partners.edges).toHaveLength(more ? 7 : 31 - 7 * (pages - 1));
      if (!partners.pageInfo.hasNextPage) break;
      after = partners.pageInfo.endCursor;
    }
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(31);
    const all = (await t.ok(PARTNER_PAGE, { first: 100 }, null)).partners;
    expect(all.edges.map((e: any) => e.node.id)).toEqual(seen);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it('backwards with last/before visits every partner exactly once, in the same order', async () => {
    const pages: string[][] = [];
    let before: string | null = null;
    for (;;) {
      const { partners }: any = await t.ok(PARTNER_PAGE, { last: 7, before }, null);
      expect(partners.totalCount).toBe(31);
      if (pages.length === 0) expect(partners.pageInfo.hasNextPage).toBe(false);
      pages.unshift(partners.edges.map((e: any) => e.node.id));
      const seen = pages.flat().length;
      expect(partners.pageInfo.hasPreviousPage, `page ${pages.length}`).toBe(seen < 31);
      expect(partners.pageInfo.startCursor).toBe(partners.edges[0].cursor);
      if (!partners.pageInfo.hasPreviousPage) break;
      before = partners.pageInfo.startCursor;
    }
    expect(pages).toHaveLength(5);
    expect(pages[0]).toHaveLength(3);
    const forward = (await t.ok(PARTNER_PAGE, { first: 100 }, null)).partners.edges.map((e: any) => e.node.id);
    expect(pages.flat()).toEqual(forward);
  });

  it('after and before together bound a window', async () => {
    const all = (await t.ok(PARTNER_PAGE, { first: 100 }, null)).partners.edges;
    const window = (await t.ok(PARTNER_PAGE, { first: 100, after: all[2].cursor, before: all[8].cursor }, null))
      .partners;
    expect(window.edges.map((e: any) => e.node.id)).toEqual(all.slice(3, 8).map((e: any) => e.node.id));
    expect(window.totalCount).toBe(31);
  });
});

describe('walking peering services and their prefixes', () => {
  it('walks peeringServices forward and backward', async () => {
    const PAGE = `query($first: Int, $after: String, $last: Int, $before: String) {
      peeringServices(first: $first, after: $after, last: $last, before: $before) {
        totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } }`;
    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (await t.ok(PAGE, { first: 16, after }, customer.token)).peeringServices;
      expect(page.totalCount).toBe(SERVICES);
      forward.push(...page.edges.map((e: any) => e.node.id));
      expect(page.pageInfo.hasNextPage).toBe(forward.length < SERVICES);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(forward).toEqual(serviceIds);
    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const page: any = (await t.ok(PAGE, { last: 16, before }, customer.token)).peeringServices;
      backward.unshift(...page.edges.map((e: any) => e.node.id));
      expect(page.pageInfo.hasPreviousPage).toBe(backward.length < SERVICES);
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(backward).toEqual(serviceIds);
  });

  it('pages through the prefixes of each service independently in one query', async () => {
    const PAGE = `query($after: String) { peeringServices(first: 3) { edges { node { id
      prefixes(first: 1, after: $after) { totalCount edges { cursor node { prefix } } pageInfo { hasNextPage endCursor } } } } } }`;
    const firstPages = (await t.ok(PAGE, { after: null }, customer.token)).peeringServices.edges;
    expect(firstPages.map((e: any) => e.node.prefixes.edges[0].node.prefix)).toEqual([
      '2001:db8:1::/48',
      '2001:db8:3::/48',
      '2001:db8:5::/48',
    ]);
    for (const e of firstPages) {
      expect(e.node.prefixes).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true } });
    }
    // The second page of the first service, by its cursor.
    const ONE = `query($id: ID!, $after: String) { node(id: $id) { ... on PeeringService {
      prefixes(first: 1, after: $after) { totalCount edges { node { prefix } } pageInfo { hasNextPage } } } } }`;
    const second = (
      await t.ok(ONE, { id: serviceIds[0], after: firstPages[0].node.prefixes.pageInfo.endCursor }, customer.token)
    ).node.prefixes;
    expect(second).toEqual({
      totalCount: 2,
      edges: [{ node: { prefix: '2001:db8:2::/48' } }],
      pageInfo: { hasNextPage: false },
    });
  });
});

describe('no N+1', () => {
  const QUERY = `query($n: Int!) { peeringServices(first: $n) { totalCount edges { node {
    name
    partner { name peeringLocations { name } }
    primaryPeeringLocation { name }
    backupPeeringLocation { name }
    customerLocation { country state azureRegion }
    prefixes(first: 10) { totalCount edges { node { prefix } } }
  } } } }`;

  async function statementsFor(n: number) {
    t.sql.length = 0;
    const data = await t.ok(QUERY, { n }, customer.token);
    const count = t.sql.length;
    expect(data.peeringServices.edges).toHaveLength(n);
    for (const { node } of data.peeringServices.edges) {
      expect(node.partner.name).toBe('Colt');
      expect(node.partner.peeringLocations.length).toBeGreaterThan(1);
      expect(node.primaryPeeringLocation.name).toBe('Amsterdam');
      expect(node.backupPeeringLocation.name).toBe('Frankfurt');
      expect(node.customerLocation.azureRegion).toBe('West Europe');
      expect(node.prefixes.totalCount).toBe(2);
      expect(node.prefixes.edges).toHaveLength(2);
    }
    return count;
  }

  it('runs the same number of SQL statements for 5 and for 50 peering services', async () => {
    const five = await statementsFor(5);
    const fifty = await statementsFor(SERVICES);
    expect(fifty).toBe(five);
    // A handful of batched statements, not one per row.
    expect(five).toBeLessThan(15);
  });
});
