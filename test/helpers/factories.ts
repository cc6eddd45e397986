import { demoSessions } from '../../src/db/seed/index.js';
import type { TestApp } from './app.js';

/** Factories: each test builds its own rows through the public API. */

let counter = 0;
export const unique = (base: string) => `${base}-${++counter}`;

export async function partnerByName(t: TestApp, name: string) {
  const data = await t.ok(
    `query($s: String) { partners(first: 5, filter: { search: $s }) { edges { node { id name asn peeringLocations { id name } } } } }`,
    { s: name },
  );
  const node = data.partners.edges.map((e: any) => e.node).find((n: any) => n.name === name);
  if (!node) throw new Error(`no partner ${name}`);
  return node as { id: string; name: string; asn: number; peeringLocations: { id: string; name: string }[] };
}

export const locationId = (partner: { peeringLocations: { id: string; name: string }[] }, name: string) => {
  const loc = partner.peeringLocations.find((l) => l.name === name);
  if (!loc) throw new Error(`partner does not peer at ${name}`);
  return loc.id;
};

export async function createCustomer(t: TestApp, name = unique('cust')) {
  const data = await t.ok(
    `mutation($n: String!) { createCustomer(input: { name: $n }) { customer { id name } userErrors { code message } } }`,
    { n: name },
  );
  const customer = data.createCustomer.customer as { id: string; name: string };
  const token = await createToken(t, 'CUSTOMER', { customerId: customer.id });
  return { ...customer, token };
}

export async function createToken(
  t: TestApp,
  role: 'OPERATOR' | 'PARTNER' | 'CUSTOMER' | 'COLLECTOR',
  ids: { customerId?: string; partnerId?: string } = {},
) {
  const data = await t.ok(
    `mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token userErrors { code field message } } }`,
    { i: { role, ...ids } },
  );
  if (!data.createApiToken.token) throw new Error(JSON.stringify(data.createApiToken.userErrors));
  return data.createApiToken.token as string;
}

/** The partner registers the prefix and returns its key (as OPERATOR unless a token is given). */
export async function prefixKey(t: TestApp, partnerId: string, prefix: string, token?: string) {
  const data = await t.ok(
    `mutation($i: RegisterPartnerPrefixInput!) { registerPartnerPrefix(input: $i) { registration { prefixKey } userErrors { code message } } }`,
    { i: { partnerId, prefix } },
    token,
  );
  if (!data.registerPartnerPrefix.registration) throw new Error(JSON.stringify(data.registerPartnerPrefix.userErrors));
  return data.registerPartnerPrefix.registration.prefixKey as string;
}

export interface ServiceFixture {
  customer: { id: string; name: string; token: string };
  partner: Awaited<ReturnType<typeof partnerByName>>;
  serviceId: string;
  prefixId: string;
  prefix: string;
}

/**
 * A customer with a Colt peering service in North Holland (primary Amsterdam, backup Frankfurt) and one
 * registered prefix (default 203.0.113.0/24, origin AS64500).
 */
export async function serviceWithPrefix(
  t: TestApp,
  options: {
    prefix?: string;
    originAsns?: number[] | null;
    expectedUpstreamAsns?: number[];
    backup?: string | null;
    customer?: { id: string; name: string; token: string };
  } = {},
): Promise<ServiceFixture> {
  const customer = options.customer ?? (await createCustomer(t));
  const partner = await partnerByName(t, 'Colt');
  const prefix = options.prefix ?? '203.0.113.0/24';
  const key = await prefixKey(t, partner.id, prefix);
  const backup = options.backup === undefined ? 'Frankfurt' : options.backup;
  const data = await t.ok(
    `mutation($i: CreatePeeringServiceInput!) {
      createPeeringService(input: $i) {
        peeringService { id prefixes(first: 5) { edges { node { id prefix } } } }
        userErrors { code field message }
      }
    }`,
    {
      i: {
        name: unique('svc'),
        partnerId: partner.id,
        country: 'Netherlands',
        state: 'North Holland',
        primaryPeeringLocationId: locationId(partner, 'Amsterdam'),
        backupPeeringLocationId: backup ? locationId(partner, backup) : null,
        prefixes: [
          {
            name: 'site',
            prefix,
            prefixKey: key,
            ...(options.originAsns === null ? {} : { originAsns: options.originAsns ?? [64500] }),
            ...(options.expectedUpstreamAsns ? { expectedUpstreamAsns: options.expectedUpstreamAsns } : {}),
          },
        ],
      },
    },
    customer.token,
  );
  const created = data.createPeeringService;
  if (!created.peeringService) throw new Error(JSON.stringify(created.userErrors));
  return {
    customer,
    partner,
    serviceId: created.peeringService.id,
    prefixId: created.peeringService.prefixes.edges[0].node.id,
    prefix,
  };
}

/** The seeded demo sessions of a partner at a location (peer addresses are deterministic). */
export function sessionsOf(partner: string, location: string) {
  return demoSessions().filter((s) => s.partner === partner && s.location === location);
}

export interface UpdateOptions {
  path?: number[];
  community?: number[][];
  timestamp?: number;
  host?: string;
  peerAsn?: number;
}

/** A RouteUpdateInput announcing `prefixes` from `peer`. */
export function announce(peer: string, prefixes: string[], o: UpdateOptions = {}) {
  return {
    timestamp: o.timestamp ?? Date.parse('2026-11-28T00:00:00Z') / 1000,
    host: o.host ?? 'rrc00',
    peer,
    peerAsn: o.peerAsn ?? 8220,
    path: o.path ?? [8220, 64500],
    community: o.community ?? [[8075, 8007]],
    announcements: [{ nextHop: peer, prefixes }],
  };
}

export function withdraw(peer: string, prefixes: string[], o: UpdateOptions = {}) {
  return {
    timestamp: o.timestamp ?? Date.parse('2026-11-28T00:00:00Z') / 1000,
    host: o.host ?? 'rrc00',
    peer,
    peerAsn: o.peerAsn ?? 8220,
    withdrawals: prefixes,
  };
}

export async function ingest(t: TestApp, updates: unknown[], token?: string) {
  const data = await t.ok(
    `mutation($i: IngestRouteUpdatesInput!) { ingestRouteUpdates(input: $i) { accepted rejected ignored userErrors { code field message } } }`,
    { i: { updates } },
    token,
  );
  return data.ingestRouteUpdates as { accepted: number; rejected: number; ignored: number; userErrors: any[] };
}

export async function prefixState(t: TestApp, prefixId: string, token?: string) {
  const data = await t.ok(
    `query($id: ID!) { node(id: $id) { ... on Prefix { validationState learnedType errorMessage validatedAt expectedOriginAsns } } }`,
    { id: prefixId },
    token,
  );
  return data.node as {
    validationState: string;
    learnedType: string;
    errorMessage: string | null;
    validatedAt: string | null;
    expectedOriginAsns: number[];
  };
}

export async function events(t: TestApp, prefixId: string, token?: string) {
  const data = await t.ok(
    `query($id: ID!) { node(id: $id) { ... on Prefix { events(first: 100) { totalCount edges { cursor node {
        type azureEventType level summary description observedPrefix observedOriginAsn expectedOriginAsns asPath peersSeen } } } } } }`,
    { id: prefixId },
    token,
  );
  return data.node.events.edges.map((e: any) => ({ cursor: e.cursor, ...e.node })) as any[];
}

// ---------------------------------------------------------------- registration helpers

export const SERVICE_FIELDS = `id name azureRegion provisioningState createdAt
  customerLocation { country state azureRegion }
  partner { id name }
  primaryPeeringLocation { id name }
  backupPeeringLocation { id name }
  tags { key value }
  prefixes(first: 20) { totalCount edges { node { id name prefix prefixKey validationState learnedType errorMessage validatedAt expectedOriginAsns expectedUpstreamAsns } } }`;

export const CREATE_SERVICE = `mutation($i: CreatePeeringServiceInput!) {
  createPeeringService(input: $i) { peeringService { ${SERVICE_FIELDS} } userErrors { code field message } }
}`;

export const ADD_PREFIX = `mutation($i: AddPrefixInput!) {
  addPrefix(input: $i) {
    prefix { id name prefix prefixKey validationState learnedType errorMessage validatedAt expectedOriginAsns expectedUpstreamAsns peeringService { id } }
    userErrors { code field message }
  }
}`;

export interface UserErrorShape {
  code: string;
  field: string[] | null;
  message: string;
}

/** Sends createPeeringService and returns the payload (never throws on userErrors). */
export async function createService(t: TestApp, input: Record<string, unknown>, token?: string | null) {
  const data = await t.ok(CREATE_SERVICE, { i: input }, token);
  return data.createPeeringService as { peeringService: any; userErrors: UserErrorShape[] };
}

/** Sends addPrefix and returns the payload. */
export async function addPrefix(t: TestApp, input: Record<string, unknown>, token?: string | null) {
  const data = await t.ok(ADD_PREFIX, { i: input }, token);
  return data.addPrefix as { prefix: any; userErrors: UserErrorShape[] };
}

export const codes = (errors: { code: string }[]) => errors.map((e) => e.code);

/** Row counts straight from SQLite (bypasses the SQL log). */
export function rowCounts(t: TestApp) {
  const client = t.app.deps.db.$client;
  const n = (table: string) => (client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  return {
    services: n('peering_services'),
    prefixes: n('prefixes'),
    registrations: n('partner_prefix_registrations'),
    events: n('prefix_events'),
    partners: n('partners'),
    sessions: n('peering_sessions'),
    customers: n('customers'),
    tokens: n('api_tokens'),
  };
}

/** All peering locations by name (public query). */
export async function locationsByName(t: TestApp) {
  const data = await t.ok('{ peeringLocations { id name country } }', {}, null);
  return new Map<string, { id: string; name: string; country: string }>(
    data.peeringLocations.map((l: any) => [l.name, l]),
  );
}

/** Creates a partner (as OPERATOR) peering at the given metros, with the given sessions; no demo sessions. */
export async function createPartnerWith(
  t: TestApp,
  options: {
    name?: string;
    kind?: 'ISP' | 'IXP';
    asn?: number;
    locations: string[];
    sessions?: { location: string; router: string; peer: string }[];
  },
) {
  const byName = await locationsByName(t);
  const idOf = (name: string) => {
    const loc = byName.get(name);
    if (!loc) throw new Error(`no peering location ${name}`);
    return loc.id;
  };
  const data = await t.ok(
    `mutation($i: CreatePartnerInput!) { createPartner(input: $i) { partner { id name asn peeringLocations { id name } } userErrors { code field message } } }`,
    {
      i: {
        name: options.name ?? unique('partner'),
        kind: options.kind ?? 'ISP',
        asn: options.asn ?? 64510,
        markets: ['Europe'],
        peeringLocationIds: options.locations.map(idOf),
      },
    },
  );
  const partner = data.createPartner.partner;
  if (!partner) throw new Error(JSON.stringify(data.createPartner.userErrors));
  for (const s of options.sessions ?? []) await createSession(t, partner.id, idOf(s.location), s.router, s.peer);
  return partner as { id: string; name: string; asn: number; peeringLocations: { id: string; name: string }[] };
}

export async function createSession(
  t: TestApp,
  partnerId: string,
  peeringLocationId: string,
  routerName: string,
  peerAddress: string,
  token?: string | null,
) {
  const data = await t.ok(
    `mutation($i: CreatePeeringSessionInput!) { createPeeringSession(input: $i) {
      session { id routerName peerAddress demo partner { id } peeringLocation { id name } } userErrors { code field message } } }`,
    { i: { partnerId, peeringLocationId, routerName, peerAddress } },
    token,
  );
  return data.createPeeringSession as { session: any; userErrors: UserErrorShape[] };
}
