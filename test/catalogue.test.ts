import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalogue } from '../src/db/seed/index.js';
import { partners as seedPartners } from '../src/db/seed/partners.js';
import { peeringLocations as seedLocations } from '../src/db/seed/peering-locations.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createCustomer, createToken, partnerByName, rowCounts } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const PARTNERS = `query($f: PartnerFilter) {
  partners(first: 100, filter: $f) { totalCount edges { node { id name kind asn markets peeringLocations { name } } } }
}`;

async function partnerNames(filter: Record<string, unknown> | null, token: string | null = null) {
  const data = await t.ok(PARTNERS, { f: filter }, token);
  const names = data.partners.edges.map((e: any) => e.node.name as string);
  expect(data.partners.totalCount).toBe(names.length);
  return names.sort();
}

const seedNames = (pred: (p: (typeof seedPartners)[number]) => boolean) =>
  seedPartners
    .filter(pred)
    .map((p) => p.name)
    .sort();

const US_STATES = [
  'Alabama',
  'Alaska',
  'Arizona',
  'Arkansas',
  'California',
  'Colorado',
  'Connecticut',
  'Delaware',
  'District of Columbia',
  'Florida',
  'Georgia',
  'Hawaii',
  'Idaho',
  'Illinois',
  'Indiana',
  'Iowa',
  'Kansas',
  'Kentucky',
  'Louisiana',
  'Maine',
  'Maryland',
  'Massachusetts',
  'Michigan',
  'Minnesota',
  'Mississippi',
  'Missouri',
  'Montana',
  'Nebraska',
  'Nevada',
  'New Hampshire',
  'New Jersey',
  'New Mexico',
  'New York',
  'North Carolina',
  'North Dakota',
  'Ohio',
  'Oklahoma',
  'Oregon',
  'Pennsylvania',
  'Rhode Island',
  'South Carolina',
  'South Dakota',
  'Tennessee',
  'Texas',
  'Utah',
  'Vermont',
  'Virginia',
  'Washington',
  'West Virginia',
  'Wisconsin',
  'Wyoming',
];

describe('partners', () => {
  it('serves the 31 published partners to anonymous callers, with kind, ASN, markets and locations', async () => {
    const data = await t.ok(PARTNERS, {}, null);
    expect(data.partners.totalCount).toBe(31);
    const nodes = data.partners.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(31);
    expect(nodes.map((n: any) => n.name).sort()).toEqual(seedNames(() => true));
    for (const node of nodes) {
      expect(['ISP', 'IXP']).toContain(node.kind);
      expect(Number.isInteger(node.asn) && node.asn > 0).toBe(true);
      expect(node.markets.length).toBeGreaterThan(0);
      expect(node.peeringLocations.length).toBeGreaterThan(0);
    }
    const byName = new Map(nodes.map((n: any) => [n.name, n]));
    expect(byName.get('AMS-IX')).toMatchObject({ kind: 'IXP', asn: 6777, markets: ['Europe'] });
    expect(byName.get('DE-CIX')).toMatchObject({ kind: 'IXP', asn: 6695 });
    expect(byName.get('Colt')).toMatchObject({ kind: 'ISP', markets: ['Asia', 'Europe'] });
    expect((byName.get('Colt') as any).peeringLocations.map((l: any) => l.name)).toEqual(
      expect.arrayContaining(['Amsterdam', 'Frankfurt', 'London', 'Tokyo']),
    );
    // MainOne is absent from the metro tables; its metros come from the provider list (Lisbon, Lagos).
    expect((byName.get('MainOne') as any).peeringLocations.map((l: any) => l.name).sort()).toEqual(['Lagos', 'Lisbon']);
  });

  it('seeding again changes nothing (idempotent)', async () => {
    const before = rowCounts(t);
    const locationsBefore = (await t.ok('{ customerLocations { state } peeringLocations { name } }', {}, null)) as any;
    seedCatalogue(t.app.deps.db);
    seedCatalogue(t.app.deps.db);
    expect(rowCounts(t)).toEqual(before);
    const locationsAfter = await t.ok('{ customerLocations { state } peeringLocations { name } }', {}, null);
    expect(locationsAfter).toEqual(locationsBefore);
    expect((await t.ok('{ partners { totalCount } }', {}, null)).partners.totalCount).toBe(31);
  });

  it('filters by kind', async () => {
    const ixps = await partnerNames({ kind: 'IXP' });
    expect(ixps).toEqual(seedNames((p) => p.kind === 'IXP'));
    expect(ixps).toEqual(
      ['AMS-IX', 'BBIX', 'DE-CIX', 'Equinix IX', 'France-IX', 'LINX', 'NAP Africa', 'PIT Chile'].sort(),
    );
    const isps = await partnerNames({ kind: 'ISP' });
    expect(isps).toHaveLength(31 - ixps.length);
    expect(isps).toContain('Colt');
  });

  it('filters by market, case-insensitively and by whole market name', async () => {
    const europe = await partnerNames({ market: 'eUrOpE' });
    expect(europe).toEqual(seedNames((p) => p.markets.includes('Europe')));
    expect(europe).toContain('Colt');
    expect(europe).not.toContain('IIJ');
    expect(await partnerNames({ market: 'Japan' })).toEqual(seedNames((p) => p.markets.includes('Japan')));
    expect(await partnerNames({ market: 'Eur' })).toEqual([]);
  });

  it('filters by peering location, case-insensitively', async () => {
    const amsterdam = await partnerNames({ peeringLocation: 'amsterdam' });
    expect(amsterdam).toEqual(seedNames((p) => p.peeringLocations.includes('Amsterdam')));
    expect(amsterdam).toEqual(expect.arrayContaining(['AMS-IX', 'Colt', 'Vodafone']));
    expect(await partnerNames({ peeringLocation: 'Atlantis' })).toEqual([]);
  });

  it('filters by a case-insensitive name substring; LIKE wildcards are literal', async () => {
    const ix = await partnerNames({ search: 'iX' });
    expect(ix).toEqual(seedNames((p) => p.name.toLowerCase().includes('ix')));
    expect(ix).toEqual(['AMS-IX', 'BBIX', 'DE-CIX', 'Equinix IX', 'France-IX']);
    expect(await partnerNames({ search: 'colt' })).toEqual(['Colt']);
    expect(await partnerNames({ search: '%' })).toEqual([]);
    expect(await partnerNames({ search: '_' })).toEqual([]);
    expect(await partnerNames({ search: 'TOKAI-NET' })).toEqual(['TOKAI-NETWORK']);
  });

  it('combines filters (all must hold)', async () => {
    expect(await partnerNames({ kind: 'IXP', market: 'europe', peeringLocation: 'London' })).toEqual(['LINX']);
    expect(await partnerNames({ kind: 'ISP', peeringLocation: 'Amsterdam', search: 'vod' })).toEqual(['Vodafone']);
    expect(await partnerNames({ kind: 'IXP', search: 'Colt' })).toEqual([]);
  });

  it('resolves a partner by node(id:) and an unknown id to null', async () => {
    const colt = await partnerByName(t, 'Colt');
    const data = await t.ok(
      `query($a: ID!, $b: ID!) { a: node(id: $a) { id ... on Partner { name } } b: node(id: $b) { id } }`,
      { a: colt.id, b: encodeGlobalID('Partner', 99999) },
      null,
    );
    expect(data.a).toEqual({ id: colt.id, name: 'Colt' });
    expect(data.b).toBeNull();
  });
});

describe('peering locations, countries, customer locations', () => {
  it('lists every seeded peering location, and filters by country case-insensitively', async () => {
    const all = (await t.ok('{ peeringLocations { id name country } }', {}, null)).peeringLocations;
    expect(all.map((l: any) => l.name).sort()).toEqual(seedLocations.map((l) => l.name).sort());
    const us = (await t.ok('{ peeringLocations(country: "united states") { name country } }', {}, null))
      .peeringLocations;
    expect(us.map((l: any) => l.name).sort()).toEqual(
      ['Ashburn', 'Atlanta', 'Chicago', 'Dallas', 'Los Angeles', 'Miami', 'New York', 'San Jose', 'Seattle'].sort(),
    );
    expect(us.every((l: any) => l.country === 'United States')).toBe(true);
    expect((await t.ok('{ peeringLocations(country: "Atlantis") { name } }', {}, null)).peeringLocations).toEqual([]);
  });

  it('lists the partners at a peering location', async () => {
    const data = await t.ok('{ peeringLocations(country: "Netherlands") { name partners { name } } }', {}, null);
    const amsterdam = data.peeringLocations.find((l: any) => l.name === 'Amsterdam');
    expect(amsterdam.partners.map((p: any) => p.name).sort()).toEqual(
      seedNames((p) => p.peeringLocations.includes('Amsterdam')),
    );
  });

  it('has all 50 US states and DC, each with an Azure region', async () => {
    const data = await t.ok('{ customerLocations(country: "UNITED STATES") { country state azureRegion } }', {}, null);
    const locations = data.customerLocations;
    expect(locations.map((l: any) => l.state).sort()).toEqual([...US_STATES].sort());
    for (const loc of locations) {
      expect(loc.country).toBe('United States');
      expect(loc.azureRegion).toMatch(/US/);
    }
    expect(locations.find((l: any) => l.state === 'Texas').azureRegion).toBe('South Central US');
  });

  it('lists countries with their locations; every country with a peering location has customer locations', async () => {
    const data = await t.ok('{ countries { name locations { country state azureRegion } } }', {}, null);
    const byName = new Map<string, any[]>(data.countries.map((c: any) => [c.name, c.locations]));
    for (const country of new Set(seedLocations.map((l) => l.country))) {
      expect(byName.get(country)?.length ?? 0, country).toBeGreaterThan(0);
    }
    for (const [name, locations] of byName) {
      for (const loc of locations) {
        expect(loc.country).toBe(name);
        expect(loc.state.length).toBeGreaterThan(0);
        expect(loc.azureRegion.length).toBeGreaterThan(0);
      }
    }
    expect(byName.get('United States')).toHaveLength(51);
    const total = [...byName.values()].reduce((n, l) => n + l.length, 0);
    expect((await t.ok('{ customerLocations { state } }', {}, null)).customerLocations).toHaveLength(total);
    expect(
      (await t.ok('{ customerLocations(country: "Netherlands") { state azureRegion } }', {}, null)).customerLocations,
    ).toContainEqual({ state: 'North Holland', azureRegion: 'West Europe' });
  });
});

describe('providerAvailability (1000-mile great-circle rule)', () => {
  const AVAILABILITY = `query($p: ID!, $c: String!, $s: String!) { providerAvailability(partnerId: $p, country: $c, state: $s) }`;
  const availability = async (partner: string, country: string, state: string) => {
    const { id } = await partnerByName(t, partner);
    return (await t.ok(AVAILABILITY, { p: id, c: country, s: state }, null)).providerAvailability;
  };

  it('is AVAILABLE near a partner location and UNAVAILABLE far away', async () => {
    expect(await availability('Colt', 'Netherlands', 'North Holland')).toBe('AVAILABLE');
    expect(await availability('Colt', 'United States', 'Texas')).toBe('UNAVAILABLE');
    expect(await availability('Equinix IX', 'United States', 'Texas')).toBe('AVAILABLE');
    expect(await availability('PIT Chile', 'Netherlands', 'Utrecht')).toBe('UNAVAILABLE');
  });

  it('draws the line at 1000 miles', async () => {
    // Lumen peers at Los Angeles only: Washington's centre is ~930 mi away, Texas' ~1113 mi.
    expect(await availability('Lumen Technologies', 'United States', 'Washington')).toBe('AVAILABLE');
    expect(await availability('Lumen Technologies', 'United States', 'Texas')).toBe('UNAVAILABLE');
    // AMS-IX peers at Amsterdam only: Community of Madrid ~918 mi, Extremadura ~1052 mi.
    expect(await availability('AMS-IX', 'Spain', 'Community of Madrid')).toBe('AVAILABLE');
    expect(await availability('AMS-IX', 'Spain', 'Extremadura')).toBe('UNAVAILABLE');
  });

  it('matches the location case-insensitively', async () => {
    expect(await availability('Colt', 'netherlands', 'NORTH HOLLAND')).toBe('AVAILABLE');
  });

  it('answers NOT_FOUND for an unknown partner and BAD_USER_INPUT for an unknown location', async () => {
    const colt = await partnerByName(t, 'Colt');
    for (const partnerId of ['nonsense', encodeGlobalID('Partner', 99999), encodeGlobalID('PeeringLocation', 1)]) {
      const res = await t.gql(AVAILABILITY, { p: partnerId, c: 'Netherlands', s: 'North Holland' }, null);
      expect(res.errors?.[0]?.extensions?.code, partnerId).toBe('NOT_FOUND');
    }
    for (const [c, s] of [
      ['Netherlands', 'Atlantis'],
      ['Atlantis', 'North Holland'],
    ]) {
      const res = await t.gql(AVAILABILITY, { p: colt.id, c, s }, null);
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(/not a known customer location/);
    }
  });
});

describe('demo sessions', () => {
  const SESSIONS = `{ partners(first: 100) { edges { node { id name peeringLocations { name }
    sessions { id routerName peerAddress demo partner { name } peeringLocation { name } } } } } }`;

  it('gives every seeded partner at least 2 sessions on distinct routers at each of its locations', async () => {
    const data = await t.ok(SESSIONS);
    expect(data.partners.edges).toHaveLength(31);
    for (const { node } of data.partners.edges) {
      expect(node.sessions, node.name).not.toBeNull();
      for (const location of node.peeringLocations) {
        const here = node.sessions.filter((s: any) => s.peeringLocation.name === location.name);
        const routers = new Set(here.map((s: any) => s.routerName.toLowerCase()));
        expect(routers.size, `${node.name} at ${location.name}`).toBeGreaterThanOrEqual(2);
      }
      for (const session of node.sessions) {
        expect(session.demo).toBe(true);
        expect(session.partner.name).toBe(node.name);
        // RFC 2544 benchmarking range 198.18.0.0/15: never a real network.
        expect(session.peerAddress).toMatch(/^198\.(18|19)\.\d{1,3}\.\d{1,3}$/);
      }
    }
    const addresses = data.partners.edges.flatMap((e: any) => e.node.sessions.map((s: any) => s.peerAddress));
    expect(new Set(addresses).size).toBe(addresses.length);
  });

  it('shows sessions to OPERATOR and to the partner itself only', async () => {
    const colt = await partnerByName(t, 'Colt');
    const coltToken = await createToken(t, 'PARTNER', { partnerId: colt.id });
    const customer = await createCustomer(t);
    const collector = await createToken(t, 'COLLECTOR');

    const sessionsBy = async (token: string | null) => {
      const data = await t.ok(SESSIONS, {}, token);
      return new Map<string, any[] | null>(data.partners.edges.map((e: any) => [e.node.name, e.node.sessions]));
    };
    for (const token of [null, customer.token, collector]) {
      const seen = await sessionsBy(token);
      expect([...seen.values()].every((s) => s === null)).toBe(true);
    }
    const asColt = await sessionsBy(coltToken);
    expect(asColt.get('Colt')?.length).toBeGreaterThanOrEqual(2 * colt.peeringLocations.length);
    expect([...asColt].filter(([name, s]) => name !== 'Colt' && s !== null)).toEqual([]);

    // node(id:) of a session follows the same rule.
    const sessionId = asColt.get('Colt')![0].id;
    const NODE = `query($id: ID!) { node(id: $id) { id ... on PeeringSession { routerName } } }`;
    expect((await t.ok(NODE, { id: sessionId })).node?.id).toBe(sessionId);
    expect((await t.ok(NODE, { id: sessionId }, coltToken)).node?.id).toBe(sessionId);
    for (const token of [null, customer.token]) {
      expect((await t.ok(NODE, { id: sessionId }, token)).node).toBeNull();
    }
    const decix = await partnerByName(t, 'DE-CIX');
    const decixToken = await createToken(t, 'PARTNER', { partnerId: decix.id });
    expect((await t.ok(NODE, { id: sessionId }, decixToken)).node).toBeNull();
  });
});
