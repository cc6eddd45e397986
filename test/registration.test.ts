import { randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import {
  addPrefix,
  announce,
  codes,
  createCustomer,
  createPartnerWith,
  createService,
  createSession,
  createToken,
  ingest,
  locationId,
  locationsByName,
  partnerByName,
  prefixKey,
  rowCounts,
  sessionsOf,
  unique,
} from './helpers/factories.js';

type Partner = Awaited<ReturnType<typeof partnerByName>>;
type Customer = Awaited<ReturnType<typeof createCustomer>>;

let t: TestApp;
let colt: Partner;
let decix: Partner;
let customer: Customer;
let locations: Awaited<ReturnType<typeof locationsByName>>;

beforeAll(async () => {
  t = await createTestApp();
  colt = await partnerByName(t, 'Colt');
  decix = await partnerByName(t, 'DE-CIX');
  customer = await createCustomer(t);
  locations = await locationsByName(t);
});
afterAll(() => t.close());

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A valid Colt service in North Holland (primary Amsterdam, backup Frankfurt), with overrides. */
const coltInput = (overrides: Record<string, unknown> = {}) => ({
  name: unique('svc'),
  partnerId: colt.id,
  country: 'Netherlands',
  state: 'North Holland',
  primaryPeeringLocationId: locationId(colt, 'Amsterdam'),
  backupPeeringLocationId: locationId(colt, 'Frankfurt'),
  ...overrides,
});

/** Creates a valid Colt service for `owner` (no prefixes) and returns its id. */
async function coltService(owner: Customer = customer, overrides: Record<string, unknown> = {}) {
  const res = await createService(t, coltInput(overrides), owner.token);
  expect(res.userErrors).toEqual([]);
  return res.peeringService.id as string;
}

const REGISTER = `mutation($i: RegisterPartnerPrefixInput!) {
  registerPartnerPrefix(input: $i) { registration { prefix prefixKey createdAt } userErrors { code field message } }
}`;
async function register(partnerId: string, prefix: string, token?: string | null) {
  return (await t.ok(REGISTER, { i: { partnerId, prefix } }, token)).registerPartnerPrefix as {
    registration: { prefix: string; prefixKey: string; createdAt: string } | null;
    userErrors: { code: string; field: string[] | null }[];
  };
}

describe('createPeeringService', () => {
  it('creates a service with prefixes; azureRegion comes from the customer location; prefixes start PENDING/NONE', async () => {
    const key = await prefixKey(t, colt.id, '203.0.113.0/24');
    const before = rowCounts(t);
    const res = await createService(
      t,
      coltInput({
        name: 'amsterdam-office',
        tags: [{ key: 'env', value: 'prod' }],
        prefixes: [{ name: 'office', prefix: '203.0.113.0/24', prefixKey: key, originAsns: [64500] }],
      }),
      customer.token,
    );
    expect(res.userErrors).toEqual([]);
    const svc = res.peeringService;
    expect(svc).toMatchObject({
      name: 'amsterdam-office',
      azureRegion: 'West Europe',
      provisioningState: 'SUCCEEDED',
      customerLocation: { country: 'Netherlands', state: 'North Holland', azureRegion: 'West Europe' },
      partner: { id: colt.id, name: 'Colt' },
      primaryPeeringLocation: { name: 'Amsterdam' },
      backupPeeringLocation: { name: 'Frankfurt' },
      tags: [{ key: 'env', value: 'prod' }],
    });
    expect(Date.parse(svc.createdAt)).not.toBeNaN();
    expect(svc.prefixes.totalCount).toBe(1);
    expect(svc.prefixes.edges[0].node).toMatchObject({
      name: 'office',
      prefix: '203.0.113.0/24',
      prefixKey: key,
      validationState: 'PENDING',
      learnedType: 'NONE',
      validatedAt: null,
      expectedOriginAsns: [64500],
      expectedUpstreamAsns: [],
    });
    expect(rowCounts(t)).toMatchObject({ services: before.services + 1, prefixes: before.prefixes + 1 });

    // The azureRegion is the one the catalogue gives for the location (here a US state).
    const lumen = await partnerByName(t, 'Lumen Technologies');
    const lumenSessions = sessionsOf('Lumen Technologies', 'Los Angeles');
    expect(lumenSessions.length).toBeGreaterThanOrEqual(2);
    const us = await createService(
      t,
      {
        name: unique('la'),
        partnerId: lumen.id,
        country: 'United States',
        state: 'California',
        primaryPeeringLocationId: locationId(lumen, 'Los Angeles'),
      },
      customer.token,
    );
    expect(us.userErrors).toEqual([]);
    expect(us.peeringService.azureRegion).toBe('West US');
    expect(us.peeringService.customerLocation.azureRegion).toBe('West US');
  });

  it('accepts no backup (None): backupPeeringLocation is null', async () => {
    const omitted = await createService(t, coltInput({ backupPeeringLocationId: undefined }), customer.token);
    expect(omitted.userErrors).toEqual([]);
    expect(omitted.peeringService.backupPeeringLocation).toBeNull();
    const explicitNull = await createService(t, coltInput({ backupPeeringLocationId: null }), customer.token);
    expect(explicitNull.userErrors).toEqual([]);
    expect(explicitNull.peeringService.backupPeeringLocation).toBeNull();
  });

  it('LOCATION_UNKNOWN for an unknown state or country', async () => {
    for (const loc of [
      { country: 'Netherlands', state: 'Atlantis' },
      { country: 'Atlantis', state: 'North Holland' },
      { country: 'United States', state: 'North Holland' },
    ]) {
      const before = rowCounts(t);
      const res = await createService(t, coltInput(loc), customer.token);
      expect(res.peeringService).toBeNull();
      expect(res.userErrors).toEqual([
        expect.objectContaining({ code: 'LOCATION_UNKNOWN', field: ['input', 'state'] }),
      ]);
      expect(rowCounts(t)).toEqual(before);
    }
  });

  it('PROVIDER_UNAVAILABLE when the partner has no location within 1000 miles', async () => {
    const before = rowCounts(t);
    const res = await createService(t, coltInput({ country: 'United States', state: 'Texas' }), customer.token);
    expect(res.peeringService).toBeNull();
    expect(res.userErrors).toEqual([
      expect.objectContaining({ code: 'PROVIDER_UNAVAILABLE', field: ['input', 'partnerId'] }),
    ]);
    expect(rowCounts(t)).toEqual(before);
  });

  it('PEERING_LOCATION_NOT_SERVED when primary or backup is not one of the partner locations', async () => {
    const paris = locations.get('Paris')!.id;
    const primary = await createService(t, coltInput({ primaryPeeringLocationId: paris }), customer.token);
    expect(primary.userErrors).toEqual([
      expect.objectContaining({ code: 'PEERING_LOCATION_NOT_SERVED', field: ['input', 'primaryPeeringLocationId'] }),
    ]);
    const backup = await createService(t, coltInput({ backupPeeringLocationId: paris }), customer.token);
    expect(backup.userErrors).toEqual([
      expect.objectContaining({ code: 'PEERING_LOCATION_NOT_SERVED', field: ['input', 'backupPeeringLocationId'] }),
    ]);
    expect(backup.peeringService).toBeNull();
  });

  it('SAME_PRIMARY_AND_BACKUP', async () => {
    const before = rowCounts(t);
    const res = await createService(
      t,
      coltInput({ backupPeeringLocationId: locationId(colt, 'Amsterdam') }),
      customer.token,
    );
    expect(res.userErrors).toEqual([
      expect.objectContaining({ code: 'SAME_PRIMARY_AND_BACKUP', field: ['input', 'backupPeeringLocationId'] }),
    ]);
    expect(rowCounts(t)).toEqual(before);
  });

  it('INSUFFICIENT_SESSIONS: primary needs 2 sessions on distinct routers, backup at least 1', async () => {
    const p = await createPartnerWith(t, { locations: ['Amsterdam', 'Frankfurt'] });
    const ams = locationId(p, 'Amsterdam');
    const fra = locationId(p, 'Frankfurt');
    const input = (backup: string | null = fra) => ({
      name: unique('svc'),
      partnerId: p.id,
      country: 'Netherlands',
      state: 'North Holland',
      primaryPeeringLocationId: ams,
      backupPeeringLocationId: backup,
    });
    const fieldsOf = async (backup: string | null = fra) => {
      const before = rowCounts(t);
      const res = await createService(t, input(backup), customer.token);
      if (res.userErrors.length) expect(rowCounts(t)).toEqual(before);
      return res.userErrors.map((e) => `${e.code}:${e.field?.at(-1)}`).sort();
    };

    // No sessions at all.
    expect(await fieldsOf()).toEqual([
      'INSUFFICIENT_SESSIONS:backupPeeringLocationId',
      'INSUFFICIENT_SESSIONS:primaryPeeringLocationId',
    ]);
    // One session at the primary.
    expect((await createSession(t, p.id, ams, 'ams-r1', '198.18.200.1')).userErrors).toEqual([]);
    expect(await fieldsOf(null)).toEqual(['INSUFFICIENT_SESSIONS:primaryPeeringLocationId']);
    // Two sessions, but on the same router (router names compare case-insensitively).
    expect((await createSession(t, p.id, ams, 'AMS-R1', '198.18.200.2')).userErrors).toEqual([]);
    expect(await fieldsOf(null)).toEqual(['INSUFFICIENT_SESSIONS:primaryPeeringLocationId']);
    // Two distinct routers at the primary: enough without a backup; the backup still has none.
    expect((await createSession(t, p.id, ams, 'ams-r2', '198.18.200.3')).userErrors).toEqual([]);
    expect(await fieldsOf(null)).toEqual([]);
    expect(await fieldsOf()).toEqual(['INSUFFICIENT_SESSIONS:backupPeeringLocationId']);
    // One session at the backup is enough.
    expect((await createSession(t, p.id, fra, 'fra-r1', '198.18.200.4')).userErrors).toEqual([]);
    expect(await fieldsOf()).toEqual([]);
  });

  it('NAME_TAKEN per customer (case-insensitive); another customer may reuse the name', async () => {
    const name = unique('dup');
    await coltService(customer, { name });
    const before = rowCounts(t);
    const again = await createService(t, coltInput({ name: name.toUpperCase() }), customer.token);
    expect(again.userErrors).toEqual([expect.objectContaining({ code: 'NAME_TAKEN', field: ['input', 'name'] })]);
    expect(rowCounts(t)).toEqual(before);
    const other = await createCustomer(t);
    const res = await createService(t, coltInput({ name }), other.token);
    expect(res.userErrors).toEqual([]);
    expect(res.peeringService.name).toBe(name);
  });

  it('INVALID_INPUT for a bad name', async () => {
    for (const name of ['', 'has space', 'semi;colon', 'ünïcode', 'x'.repeat(64)]) {
      const before = rowCounts(t);
      const res = await createService(t, coltInput({ name }), customer.token);
      expect(res.userErrors, name).toEqual([
        expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'name'] }),
      ]);
      expect(rowCounts(t)).toEqual(before);
    }
    const longest = await createService(t, coltInput({ name: `A-z_0.9${'x'.repeat(56)}` }), customer.token);
    expect(longest.userErrors).toEqual([]);
  });

  it('NOT_FOUND for ids that do not decode, are of another type, or do not exist', async () => {
    const bad = ['garbage', encodeGlobalID('Partner', 99999), locationId(colt, 'Amsterdam')];
    for (const partnerId of bad) {
      const res = await createService(t, coltInput({ partnerId }), customer.token);
      expect(res.userErrors, partnerId).toContainEqual(
        expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'partnerId'] }),
      );
      expect(res.peeringService).toBeNull();
    }
    const badLocations = ['garbage', encodeGlobalID('PeeringLocation', 99999), colt.id];
    for (const id of badLocations) {
      const primary = await createService(t, coltInput({ primaryPeeringLocationId: id }), customer.token);
      expect(primary.userErrors).toEqual([
        expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'primaryPeeringLocationId'] }),
      ]);
      // A backup id that does not resolve is NOT_FOUND, never silently None.
      const backup = await createService(t, coltInput({ backupPeeringLocationId: id }), customer.token);
      expect(backup.userErrors).toEqual([
        expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'backupPeeringLocationId'] }),
      ]);
    }
  });

  it('reports every problem at once and writes nothing', async () => {
    const before = rowCounts(t);
    const res = await createService(
      t,
      coltInput({
        name: 'bad name',
        state: 'Atlantis',
        backupPeeringLocationId: locations.get('Paris')!.id,
        tags: [{ key: '', value: 'x' }],
      }),
      customer.token,
    );
    expect(codes(res.userErrors).sort()).toEqual(
      ['INVALID_INPUT', 'INVALID_INPUT', 'LOCATION_UNKNOWN', 'PEERING_LOCATION_NOT_SERVED'].sort(),
    );
    expect(rowCounts(t)).toEqual(before);
  });

  it('validates every prefix before writing: a bad 2nd prefix writes nothing (no service, no prefixes)', async () => {
    const k1 = await prefixKey(t, colt.id, '2001:db8:10::/48');
    const k2 = await prefixKey(t, colt.id, '2001:db8:11::/48');
    const cases: [string, Record<string, unknown>, string][] = [
      ['private', { prefix: '10.1.0.0/16', prefixKey: k2 }, 'PRIVATE_PREFIX'],
      ['invalid', { prefix: '2001:db8:11::1/48', prefixKey: k2 }, 'INVALID_PREFIX'],
      ['wrong key', { prefix: '2001:db8:11::/48', prefixKey: k1 }, 'PREFIX_KEY_MISMATCH'],
      ['overlaps 1st', { prefix: '2001:db8:10:1::/64', prefixKey: k1 }, 'PREFIX_OVERLAP'],
      ['same name', { name: 'FIRST', prefix: '2001:db8:11::/48', prefixKey: k2 }, 'NAME_TAKEN'],
      ['bad name', { name: 'no spaces', prefix: '2001:db8:11::/48', prefixKey: k2 }, 'INVALID_INPUT'],
      ['bad origin', { prefix: '2001:db8:11::/48', prefixKey: k2, originAsns: [0] }, 'INVALID_INPUT'],
    ];
    for (const [label, second, code] of cases) {
      const before = rowCounts(t);
      const res = await createService(
        t,
        coltInput({
          prefixes: [
            { name: 'first', prefix: '2001:db8:10::/48', prefixKey: k1 },
            { name: 'second', ...second },
            { name: 'third', prefix: '2001:db8:11::/48', prefixKey: k2 },
          ].slice(0, code === 'PREFIX_OVERLAP' || code === 'NAME_TAKEN' ? 2 : 3),
        }),
        customer.token,
      );
      expect(res.peeringService, label).toBeNull();
      expect(
        res.userErrors.map((e) => [e.code, e.field?.slice(0, 3)]),
        label,
      ).toContainEqual([code, ['input', 'prefixes', '1']]);
      expect(
        res.userErrors.every((e) => e.field?.[2] === '1'),
        label,
      ).toBe(true);
      expect(rowCounts(t), label).toEqual(before);
    }
    // The same prefixes, all valid, are accepted together.
    const ok = await createService(
      t,
      coltInput({
        prefixes: [
          { name: 'first', prefix: '2001:db8:10::/48', prefixKey: k1 },
          { name: 'second', prefix: '2001:db8:11::/48', prefixKey: k2 },
        ],
      }),
      customer.token,
    );
    expect(ok.userErrors).toEqual([]);
    expect(ok.peeringService.prefixes.totalCount).toBe(2);
  });

  it('LIMIT_EXCEEDED for more than 200 prefixes, and nothing is written', async () => {
    const key = randomUUID();
    const prefixes = Array.from({ length: 201 }, (_, i) => ({
      name: `p${i}`,
      prefix: `2001:db8:f${i.toString(16).padStart(3, '0')}::/48`,
      prefixKey: key,
    }));
    const before = rowCounts(t);
    const res = await createService(t, coltInput({ prefixes }), customer.token);
    expect(res.peeringService).toBeNull();
    expect(res.userErrors).toEqual([expect.objectContaining({ code: 'LIMIT_EXCEEDED', field: ['input', 'prefixes'] })]);
    expect(rowCounts(t)).toEqual(before);
  });

  it('lets an OPERATOR create for a named customer only', async () => {
    const noCustomer = await createService(t, coltInput());
    expect(noCustomer.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'customerId'] }),
    ]);
    const unknown = await createService(t, coltInput({ customerId: encodeGlobalID('Customer', 99999) }));
    expect(unknown.userErrors).toEqual([
      expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'customerId'] }),
    ]);
    const ok = await createService(t, coltInput({ customerId: customer.id }));
    expect(ok.userErrors).toEqual([]);
    const seen = await t.ok(`query($id: ID!) { node(id: $id) { id } }`, { id: ok.peeringService.id }, customer.token);
    expect(seen.node?.id).toBe(ok.peeringService.id);
  });
});

describe('addPrefix', () => {
  let serviceId: string;
  beforeAll(async () => {
    serviceId = await coltService();
  });
  const add = (prefix: string, prefixKey: string, extra: Record<string, unknown> = {}) =>
    addPrefix(t, { peeringServiceId: serviceId, name: unique('p'), prefix, prefixKey, ...extra }, customer.token);

  it('INVALID_PREFIX: malformed, no length, host bits set, length out of range', async () => {
    const key = randomUUID();
    for (const prefix of [
      'not-a-prefix',
      '203.0.113.0',
      '203.0.113.1/24',
      '203.0.113.0/33',
      '203.0.113.0/-1',
      '203.0.113/24',
      '010.0.0.0/8',
      '256.0.0.0/8',
      '2001:db8::/129',
      '2001:db8::1/32',
      '2001:db8::/',
      '',
    ]) {
      const before = rowCounts(t);
      const res = await add(prefix, key);
      expect(res.prefix, prefix).toBeNull();
      expect(res.userErrors, prefix).toEqual([
        expect.objectContaining({ code: 'INVALID_PREFIX', field: ['input', 'prefix'] }),
      ]);
      expect(rowCounts(t)).toEqual(before);
    }
  });

  it('PRIVATE_PREFIX for private and special-use space, and for supernets of it', async () => {
    const key = randomUUID();
    for (const prefix of [
      '10.0.0.0/8',
      '10.20.30.0/24',
      '100.64.0.0/10',
      '100.127.0.0/16',
      '127.0.0.0/8',
      '169.254.0.0/16',
      '172.16.0.0/12',
      '172.31.255.0/24',
      '192.168.0.0/16',
      '192.168.1.0/24',
      '224.0.0.0/4',
      '239.1.0.0/16',
      '0.0.0.0/0',
      '0.0.0.0/8',
      '172.0.0.0/8',
      '192.0.0.0/8',
      'fc00::/7',
      'fd12:3456::/32',
      'fe80::/10',
      'ff02::/16',
      '::/0',
      '::1/128',
    ]) {
      const before = rowCounts(t);
      const res = await add(prefix, key);
      expect(res.prefix, prefix).toBeNull();
      expect(res.userErrors, prefix).toEqual([
        expect.objectContaining({ code: 'PRIVATE_PREFIX', field: ['input', 'prefix'] }),
      ]);
      expect(rowCounts(t)).toEqual(before);
    }
  });

  it('accepts the documentation ranges and IPv6 2001:db8::/32 sub-prefixes; new prefixes are PENDING/NONE', async () => {
    for (const prefix of ['192.0.2.0/24', '198.51.100.0/24', '2001:db8:abcd::/48', '2001:db8:abce:1::/64']) {
      const res = await add(prefix, await prefixKey(t, colt.id, prefix), { originAsns: [64500, 64500, 64501] });
      expect(res.userErrors, prefix).toEqual([]);
      expect(res.prefix).toMatchObject({
        prefix,
        validationState: 'PENDING',
        learnedType: 'NONE',
        errorMessage: null,
        validatedAt: null,
        expectedOriginAsns: [64500, 64501],
        peeringService: { id: serviceId },
      });
    }
  });

  it('normalises the prefix text', async () => {
    const key = await prefixKey(t, colt.id, '2001:DB8:0:0::/48');
    const registration = await register(colt.id, '2001:DB8:0:0::/48');
    expect(registration.registration?.prefix).toBe('2001:db8::/48');
    expect(registration.registration?.prefixKey).toBe(key);
    const res = await add('  2001:DB8:0:0::/48 ', key);
    expect(res.userErrors).toEqual([]);
    expect(res.prefix.prefix).toBe('2001:db8::/48');
    // The normalised text is what overlap checks compare.
    const again = await add('2001:0db8:0000::/48', key);
    expect(codes(again.userErrors)).toEqual(['PREFIX_OVERLAP']);
  });

  it('PREFIX_OVERLAP when equal, containing, contained — on this or any other customer service', async () => {
    const key = await prefixKey(t, colt.id, '2001:db8:100::/40');
    const first = await add('2001:db8:100::/48', key);
    expect(first.userErrors).toEqual([]);
    const other = await createCustomer(t);
    const otherService = await coltService(other);
    for (const [label, prefix] of [
      ['equal', '2001:db8:100::/48'],
      ['contains', '2001:db8:100::/40'],
      ['contained', '2001:db8:100:1::/64'],
    ] as const) {
      const before = rowCounts(t);
      const mine = await add(prefix, key);
      expect(mine.userErrors, label).toEqual([
        expect.objectContaining({ code: 'PREFIX_OVERLAP', field: ['input', 'prefix'] }),
      ]);
      const theirs = await addPrefix(
        t,
        { peeringServiceId: otherService, name: 'x', prefix, prefixKey: key },
        other.token,
      );
      expect(theirs.userErrors, label).toEqual([
        expect.objectContaining({ code: 'PREFIX_OVERLAP', field: ['input', 'prefix'] }),
      ]);
      // The other customer is not told which service holds it.
      expect(theirs.userErrors[0]!.message).not.toContain(serviceId);
      expect(rowCounts(t)).toEqual(before);
    }
    // A neighbour that does not overlap is fine.
    expect((await add('2001:db8:101::/48', key)).userErrors).toEqual([]);
  });

  it('PREFIX_KEY_MISMATCH unless the key was issued by this partner for this prefix or a covering one', async () => {
    const prefix = '198.18.3.0/24';
    const coveringKey = await prefixKey(t, colt.id, '198.18.2.0/23');
    const otherPrefixKey = await prefixKey(t, colt.id, '198.18.8.0/24');
    const moreSpecificKey = await prefixKey(t, colt.id, '198.18.3.0/25');
    const decixKey = await prefixKey(t, decix.id, '198.18.40.0/24');
    for (const [label, key] of [
      ['unknown key', randomUUID()],
      ['not a uuid', 'hello'],
      ["another partner's key", decixKey],
      ['key for a different prefix', otherPrefixKey],
      ['key for a more-specific prefix', moreSpecificKey],
    ] as const) {
      const before = rowCounts(t);
      const res = await add(prefix, key);
      expect(res.userErrors, label).toEqual([
        expect.objectContaining({ code: 'PREFIX_KEY_MISMATCH', field: ['input', 'prefixKey'] }),
      ]);
      expect(rowCounts(t)).toEqual(before);
    }
    const ok = await add(prefix, coveringKey);
    expect(ok.userErrors).toEqual([]);
    expect(ok.prefix).toMatchObject({ prefix, prefixKey: coveringKey, validationState: 'PENDING' });
  });

  it('prefix names: INVALID_INPUT when malformed, NAME_TAKEN when reused on the service', async () => {
    const key = await prefixKey(t, colt.id, '2001:db8:300::/44');
    expect((await add('2001:db8:300::/48', key, { name: 'site-a' })).userErrors).toEqual([]);
    const taken = await add('2001:db8:301::/48', key, { name: 'SITE-A' });
    expect(taken.userErrors).toEqual([expect.objectContaining({ code: 'NAME_TAKEN', field: ['input', 'name'] })]);
    const bad = await add('2001:db8:301::/48', key, { name: 'site a' });
    expect(bad.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'name'] })]);
  });

  it('ASN lists: INVALID_INPUT for out-of-range ASNs, LIMIT_EXCEEDED for too many', async () => {
    const key = await prefixKey(t, colt.id, '2001:db8:400::/48');
    const bad = await add('2001:db8:400::/48', key, { originAsns: [64500, 0], expectedUpstreamAsns: [-5] });
    expect(bad.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_INPUT', ['input', 'originAsns', '1']],
      ['INVALID_INPUT', ['input', 'expectedUpstreamAsns', '0']],
    ]);
    const many = await add('2001:db8:400::/48', key, { originAsns: Array.from({ length: 17 }, (_, i) => 64500 + i) });
    expect(many.userErrors).toEqual([expect.objectContaining({ code: 'LIMIT_EXCEEDED' })]);
    expect((await add('2001:db8:400::/48', key, { expectedUpstreamAsns: [3356, 1299] })).prefix).toMatchObject({
      expectedUpstreamAsns: [3356, 1299],
      expectedOriginAsns: [],
    });
  });

  it('NOT_FOUND for an unknown or undecodable service id', async () => {
    const key = await prefixKey(t, colt.id, '2001:db8:500::/48');
    for (const id of ['garbage', encodeGlobalID('PeeringService', 99999), colt.id]) {
      const res = await addPrefix(
        t,
        { peeringServiceId: id, name: 'x', prefix: '2001:db8:500::/48', prefixKey: key },
        customer.token,
      );
      expect(res.userErrors).toEqual([
        expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'peeringServiceId'] }),
      ]);
    }
  });
});

describe('removePrefix', () => {
  const REMOVE = `mutation($id: ID!) { removePrefix(input: { prefixId: $id }) { removedPrefixId userErrors { code field message } } }`;

  it('removes a prefix, which can then be added again (prefixes are immutable)', async () => {
    const serviceId = await coltService();
    const key = await prefixKey(t, colt.id, '2001:db8:600::/48');
    const added = await addPrefix(
      t,
      { peeringServiceId: serviceId, name: 'a', prefix: '2001:db8:600::/48', prefixKey: key },
      customer.token,
    );
    const prefixId = added.prefix.id;
    const removed = (await t.ok(REMOVE, { id: prefixId }, customer.token)).removePrefix;
    expect(removed).toEqual({ removedPrefixId: prefixId, userErrors: [] });
    expect((await t.ok('query($id: ID!) { node(id: $id) { id } }', { id: prefixId })).node).toBeNull();
    const again = (await t.ok(REMOVE, { id: prefixId }, customer.token)).removePrefix;
    expect(again.removedPrefixId).toBeNull();
    expect(again.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'prefixId'] })]);
    const readded = await addPrefix(
      t,
      { peeringServiceId: serviceId, name: 'a', prefix: '2001:db8:600::/48', prefixKey: key },
      customer.token,
    );
    expect(readded.userErrors).toEqual([]);
    expect(readded.prefix.id).not.toBe(prefixId);
  });

  it("takes the prefix's events with it, and nothing of the other prefixes", async () => {
    const key = await prefixKey(t, colt.id, '2001:db8:610::/47');
    const created = await createService(
      t,
      coltInput({
        prefixes: [
          { name: 'gone', prefix: '2001:db8:610::/48', prefixKey: key },
          { name: 'kept', prefix: '2001:db8:611::/48', prefixKey: key },
        ],
      }),
      customer.token,
    );
    expect(created.userErrors).toEqual([]);
    const [gone, kept] = created.peeringService.prefixes.edges.map((e: any) => e.node.id) as [string, string];
    const peers = sessionsOf('Colt', 'Amsterdam').map((s) => s.peerAddress);
    await ingest(
      t,
      peers.map((p) => announce(p, ['2001:db8:610::/48', '2001:db8:611::/48'])),
    );
    const EVENTS = `query($id: ID!) { prefixEvents(first: 100, filter: { prefixId: $id }) { totalCount } }`;
    const goneEvents = (await t.ok(EVENTS, { id: gone })).prefixEvents.totalCount;
    const keptEvents = (await t.ok(EVENTS, { id: kept })).prefixEvents.totalCount;
    expect(goneEvents).toBeGreaterThan(0);
    expect(keptEvents).toBeGreaterThan(0);
    const before = rowCounts(t);
    expect((await t.ok(REMOVE, { id: gone }, customer.token)).removePrefix.userErrors).toEqual([]);
    expect(rowCounts(t)).toMatchObject({
      services: before.services,
      prefixes: before.prefixes - 1,
      events: before.events - goneEvents,
    });
    expect((await t.ok(EVENTS, { id: kept })).prefixEvents.totalCount).toBe(keptEvents);
  });

  it('NOT_FOUND for an undecodable id', async () => {
    for (const id of ['garbage', encodeGlobalID('Prefix', 99999)]) {
      const res = (await t.ok(REMOVE, { id }, customer.token)).removePrefix;
      expect(res.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);
    }
  });
});

describe('updatePeeringServiceTags', () => {
  const UPDATE = `mutation($i: UpdatePeeringServiceTagsInput!) { updatePeeringServiceTags(input: $i) {
    peeringService { id tags { key value } } userErrors { code field message } } }`;
  const update = async (peeringServiceId: string, tags: { key: string; value: string }[]) =>
    (await t.ok(UPDATE, { i: { peeringServiceId, tags } }, customer.token)).updatePeeringServiceTags;
  const tagsOf = async (id: string) =>
    (await t.ok('query($id: ID!) { node(id: $id) { ... on PeeringService { tags { key value } } } }', { id })).node
      .tags;

  it('replaces the tags; up to 50, keys 1-128 characters', async () => {
    const id = await coltService(customer, { tags: [{ key: 'old', value: '1' }] });
    const fifty = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    const res = await update(id, fifty);
    expect(res.userErrors).toEqual([]);
    expect(res.peeringService.tags).toEqual(fifty);
    const edge = [{ key: 'k'.repeat(128), value: '' }];
    expect((await update(id, edge)).userErrors).toEqual([]);
    expect(await tagsOf(id)).toEqual(edge);
    expect((await update(id, [])).peeringService.tags).toEqual([]);
  });

  it('refuses too many tags, bad keys and duplicate keys, leaving the tags as they were', async () => {
    const original = [{ key: 'env', value: 'prod' }];
    const id = await coltService(customer, { tags: original });
    const cases: [string, { key: string; value: string }[], [string, string[]][]][] = [
      [
        '51 tags',
        Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: '' })),
        [['LIMIT_EXCEEDED', ['input', 'tags']]],
      ],
      ['empty key', [{ key: '', value: 'x' }], [['INVALID_INPUT', ['input', 'tags', '0', 'key']]]],
      ['129-char key', [{ key: 'k'.repeat(129), value: 'x' }], [['INVALID_INPUT', ['input', 'tags', '0', 'key']]]],
      [
        'duplicate key',
        [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
          { key: 'a', value: '3' },
        ],
        [['INVALID_INPUT', ['input', 'tags', '2', 'key']]],
      ],
      [
        'duplicate key in another case (keys are case-insensitive, as in Azure)',
        [
          { key: 'Env', value: '1' },
          { key: 'env', value: '2' },
        ],
        [['INVALID_INPUT', ['input', 'tags', '1', 'key']]],
      ],
    ];
    for (const [label, tags, expected] of cases) {
      const res = await update(id, tags);
      expect(res.peeringService, label).toBeNull();
      expect(
        res.userErrors.map((e: any) => [e.code, e.field]),
        label,
      ).toEqual(expected);
      expect(await tagsOf(id)).toEqual(original);
    }
    // createPeeringService applies the same rules.
    const created = await createService(t, coltInput({ tags: cases[0]![1] }), customer.token);
    expect(codes(created.userErrors)).toEqual(['LIMIT_EXCEEDED']);
  });

  it('NOT_FOUND for an unknown service', async () => {
    const res = await update(encodeGlobalID('PeeringService', 99999), []);
    expect(res.userErrors).toEqual([
      expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'peeringServiceId'] }),
    ]);
  });
});

describe('deletePeeringService', () => {
  const DELETE = `mutation($id: ID!) { deletePeeringService(input: { peeringServiceId: $id }) { deletedPeeringServiceId userErrors { code field message } } }`;

  it('cascades to prefixes and their events; the prefixes can then be registered again', async () => {
    const key = await prefixKey(t, colt.id, '2001:db8:700::/48');
    const created = await createService(
      t,
      coltInput({
        prefixes: [
          { name: 'a', prefix: '2001:db8:700::/48', prefixKey: key, originAsns: [64500] },
          { name: 'b', prefix: '2001:db8:701::/48', prefixKey: await prefixKey(t, colt.id, '2001:db8:701::/48') },
        ],
      }),
      customer.token,
    );
    expect(created.userErrors).toEqual([]);
    const serviceId = created.peeringService.id;
    const prefixIds = created.peeringService.prefixes.edges.map((e: any) => e.node.id);
    const peers = [...sessionsOf('Colt', 'Amsterdam'), ...sessionsOf('Colt', 'Frankfurt')].map((s) => s.peerAddress);
    await ingest(
      t,
      peers.map((p) => announce(p, ['2001:db8:700::/48'])),
    );
    const EVENTS = `query($id: ID!) { prefixEvents(first: 100, filter: { peeringServiceId: $id }) { totalCount } }`;
    const eventCount = (await t.ok(EVENTS, { id: serviceId })).prefixEvents.totalCount;
    expect(eventCount).toBeGreaterThan(0);
    const before = rowCounts(t);

    const res = (await t.ok(DELETE, { id: serviceId }, customer.token)).deletePeeringService;
    expect(res).toEqual({ deletedPeeringServiceId: serviceId, userErrors: [] });
    expect(rowCounts(t)).toMatchObject({
      services: before.services - 1,
      prefixes: before.prefixes - 2,
      events: before.events - eventCount,
    });
    const nodes = await t.ok('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: [serviceId, ...prefixIds] });
    expect(nodes.nodes).toEqual([null, null, null]);
    const again = (await t.ok(DELETE, { id: serviceId }, customer.token)).deletePeeringService;
    expect(again.deletedPeeringServiceId).toBeNull();
    expect(codes(again.userErrors)).toEqual(['NOT_FOUND']);
    // The prefix is free again.
    const otherService = await coltService();
    const readd = await addPrefix(
      t,
      { peeringServiceId: otherService, name: 'a', prefix: '2001:db8:700::/48', prefixKey: key },
      customer.token,
    );
    expect(readd.userErrors).toEqual([]);
  });
});

describe('registerPartnerPrefix', () => {
  it('lets a PARTNER register for itself and an OPERATOR for any partner; keys are fresh UUID v4s', async () => {
    const coltToken = await createToken(t, 'PARTNER', { partnerId: colt.id });
    const own = await register(colt.id, '2001:db8:800::/48', coltToken);
    expect(own.userErrors).toEqual([]);
    expect(own.registration?.prefix).toBe('2001:db8:800::/48');
    expect(own.registration?.prefixKey).toMatch(UUID_V4);
    expect(Date.parse(own.registration!.createdAt)).not.toBeNaN();

    const byOperator = await register(decix.id, '2001:db8:801::/48');
    expect(byOperator.userErrors).toEqual([]);
    expect(byOperator.registration?.prefixKey).toMatch(UUID_V4);
    expect(byOperator.registration?.prefixKey).not.toBe(own.registration?.prefixKey);

    const collectorToken = await createToken(t, 'COLLECTOR');
    const before = rowCounts(t);
    const forOther = await register(decix.id, '2001:db8:802::/48', coltToken);
    expect(forOther.registration).toBeNull();
    expect(codes(forOther.userErrors)).toEqual(['FORBIDDEN']);
    for (const token of [customer.token, collectorToken, null]) {
      const res = await register(colt.id, '2001:db8:803::/48', token);
      expect(codes(res.userErrors)).toEqual(['FORBIDDEN']);
    }
    expect(rowCounts(t)).toEqual(before);
  });

  it('returns the same registration for the same partner, PREFIX_OVERLAP for another', async () => {
    const first = await register(colt.id, '2001:db8:810::/48');
    const second = await register(colt.id, '2001:DB8:810:0::/48');
    expect(second.userErrors).toEqual([]);
    expect(second.registration).toEqual(first.registration);
    const before = rowCounts(t);
    const other = await register(decix.id, '2001:db8:810::/48');
    expect(other.registration).toBeNull();
    expect(other.userErrors).toEqual([expect.objectContaining({ code: 'PREFIX_OVERLAP', field: ['input', 'prefix'] })]);
    expect(rowCounts(t)).toEqual(before);
  });

  it("PREFIX_OVERLAP for a covering prefix or a more-specific of another partner's registration", async () => {
    expect((await register(colt.id, '198.51.100.0/24')).userErrors).toEqual([]);
    const before = rowCounts(t);
    for (const prefix of ['198.51.100.0/23', '198.51.100.128/25', '198.51.0.0/16']) {
      const res = await register(decix.id, prefix);
      expect(res.registration, prefix).toBeNull();
      expect(codes(res.userErrors), prefix).toEqual(['PREFIX_OVERLAP']);
    }
    expect(rowCounts(t)).toEqual(before);
    // the same partner may hold a covering prefix and its more-specifics
    expect((await register(colt.id, '198.51.100.0/23')).userErrors).toEqual([]);
  });

  it('validates the prefix and the partner', async () => {
    expect(codes((await register(colt.id, '192.168.0.0/16')).userErrors)).toEqual(['PRIVATE_PREFIX']);
    expect(codes((await register(colt.id, '203.0.113.1/24')).userErrors)).toEqual(['INVALID_PREFIX']);
    expect(codes((await register(colt.id, 'nope')).userErrors)).toEqual(['INVALID_PREFIX']);
    for (const id of ['garbage', encodeGlobalID('Partner', 99999)]) {
      expect((await register(id, '2001:db8:820::/48')).userErrors).toEqual([
        expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'partnerId'] }),
      ]);
    }
    // A large block may be registered (its key covers any sub-prefix) unless another partner holds part of it.
    const whole = await register(colt.id, '2001:db8:c000::/34');
    expect(whole.userErrors).toEqual([]);
    expect(whole.registration?.prefix).toBe('2001:db8:c000::/34');
  });
});

describe('createPartner and createPeeringSession', () => {
  const CREATE_PARTNER = `mutation($i: CreatePartnerInput!) { createPartner(input: $i) {
    partner { id name kind asn markets peeringLocations { name } sessions { id } } userErrors { code field message } } }`;
  const partnerInput = (overrides: Record<string, unknown> = {}) => ({
    name: unique('NewNet'),
    kind: 'ISP',
    asn: 64511,
    markets: ['Europe'],
    peeringLocationIds: [locations.get('Paris')!.id, locations.get('Milan')!.id],
    ...overrides,
  });

  it('creates a partner (OPERATOR only) that joins the catalogue', async () => {
    const before = rowCounts(t);
    const res = (await t.ok(CREATE_PARTNER, { i: partnerInput({ name: 'Example Telecom', kind: 'IXP' }) }))
      .createPartner;
    expect(res.userErrors).toEqual([]);
    expect(res.partner).toMatchObject({
      name: 'Example Telecom',
      kind: 'IXP',
      asn: 64511,
      markets: ['Europe'],
      peeringLocations: [{ name: 'Milan' }, { name: 'Paris' }],
      sessions: [],
    });
    expect(rowCounts(t).partners).toBe(before.partners + 1);
    expect((await partnerByName(t, 'Example Telecom')).id).toBe(res.partner.id);

    const coltToken = await createToken(t, 'PARTNER', { partnerId: colt.id });
    for (const token of [customer.token, coltToken, null]) {
      const refused = (await t.ok(CREATE_PARTNER, { i: partnerInput() }, token)).createPartner;
      expect(refused.partner).toBeNull();
      expect(codes(refused.userErrors)).toEqual(['FORBIDDEN']);
    }
    expect(rowCounts(t).partners).toBe(before.partners + 1);
  });

  it('validates partner input', async () => {
    const before = rowCounts(t);
    const cases: [Record<string, unknown>, [string, string[]]][] = [
      [{ name: 'cOLT' }, ['NAME_TAKEN', ['input', 'name']]],
      [{ name: '   ' }, ['INVALID_INPUT', ['input', 'name']]],
      [{ asn: 0 }, ['INVALID_INPUT', ['input', 'asn']]],
      [{ asn: -1 }, ['INVALID_INPUT', ['input', 'asn']]],
      [{ peeringLocationIds: [] }, ['INVALID_INPUT', ['input', 'peeringLocationIds']]],
      [{ peeringLocationIds: ['garbage'] }, ['NOT_FOUND', ['input', 'peeringLocationIds', '0']]],
      [{ markets: [''] }, ['INVALID_INPUT', ['input', 'markets', '0']]],
    ];
    for (const [overrides, expected] of cases) {
      const res = (await t.ok(CREATE_PARTNER, { i: partnerInput(overrides) })).createPartner;
      expect(res.partner).toBeNull();
      expect(
        res.userErrors.map((e: any) => [e.code, e.field]),
        JSON.stringify(overrides),
      ).toEqual([expected]);
    }
    expect(rowCounts(t)).toEqual(before);
  });

  it('creates sessions (OPERATOR or the partner itself) and validates them', async () => {
    const p = await createPartnerWith(t, { locations: ['Paris', 'Milan'] });
    const paris = locationId(p, 'Paris');
    const pToken = await createToken(t, 'PARTNER', { partnerId: p.id });
    const byPartner = await createSession(t, p.id, paris, 'par-r1', '2001:DB8:FFFF::1', pToken);
    expect(byPartner.userErrors).toEqual([]);
    expect(byPartner.session).toMatchObject({
      routerName: 'par-r1',
      peerAddress: '2001:db8:ffff::1',
      demo: false,
      partner: { id: p.id },
      peeringLocation: { name: 'Paris' },
    });
    const sessions = await t.ok('query($id: ID!) { node(id: $id) { ... on Partner { sessions { id } } } }', {
      id: p.id,
    });
    expect(sessions.node.sessions).toEqual([{ id: byPartner.session.id }]);

    const coltToken = await createToken(t, 'PARTNER', { partnerId: colt.id });
    const before = rowCounts(t);
    for (const token of [coltToken, customer.token]) {
      const res = await createSession(t, p.id, paris, 'par-r2', '198.18.201.1', token);
      expect(res.session).toBeNull();
      expect(codes(res.userErrors)).toEqual(['FORBIDDEN']);
    }
    // createSession's token defaults to OPERATOR, so the anonymous call is sent explicitly.
    const anon = await t.ok(
      `mutation($i: CreatePeeringSessionInput!) { createPeeringSession(input: $i) { session { id } userErrors { code } } }`,
      { i: { partnerId: p.id, peeringLocationId: paris, routerName: 'x', peerAddress: '198.18.201.1' } },
      null,
    );
    expect(anon.createPeeringSession.session).toBeNull();
    expect(codes(anon.createPeeringSession.userErrors)).toEqual(['FORBIDDEN']);
    const seeded = sessionsOf('Colt', 'Amsterdam')[0]!.peerAddress;
    const cases: [string, string, string, string, [string, string[]][]][] = [
      [
        p.id,
        locations.get('Tokyo')!.id,
        'r',
        '198.18.201.2',
        [['PEERING_LOCATION_NOT_SERVED', ['input', 'peeringLocationId']]],
      ],
      [p.id, paris, 'bad router', '198.18.201.3', [['INVALID_INPUT', ['input', 'routerName']]]],
      [p.id, paris, 'r', '198.18.201', [['INVALID_INPUT', ['input', 'peerAddress']]]],
      [p.id, paris, 'r', '2001:DB8:ffff:0::1', [['INVALID_INPUT', ['input', 'peerAddress']]]],
      [p.id, paris, 'r', seeded, [['INVALID_INPUT', ['input', 'peerAddress']]]],
      ['garbage', paris, 'r', '198.18.201.4', [['NOT_FOUND', ['input', 'partnerId']]]],
      [p.id, 'garbage', 'r', '198.18.201.5', [['NOT_FOUND', ['input', 'peeringLocationId']]]],
    ];
    for (const [partnerId, loc, router, peer, expected] of cases) {
      const res = await createSession(t, partnerId, loc, router, peer);
      expect(
        res.userErrors.map((e) => [e.code, e.field]),
        `${router} ${peer}`,
      ).toEqual(expected);
    }
    expect(rowCounts(t)).toEqual(before);
  });
});

describe('createCustomer and createApiToken', () => {
  const CREATE_CUSTOMER = `mutation($n: String!) { createCustomer(input: { name: $n }) { customer { id name } userErrors { code field message } } }`;
  const CREATE_TOKEN = `mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token userErrors { code field message } } }`;

  it('createCustomer: OPERATOR only, valid and unique (case-insensitive) names', async () => {
    const name = unique('Acme');
    const ok = (await t.ok(CREATE_CUSTOMER, { n: name })).createCustomer;
    expect(ok.userErrors).toEqual([]);
    expect(ok.customer.name).toBe(name);
    const before = rowCounts(t);
    const taken = (await t.ok(CREATE_CUSTOMER, { n: name.toLowerCase() })).createCustomer;
    expect(taken.userErrors).toEqual([expect.objectContaining({ code: 'NAME_TAKEN', field: ['input', 'name'] })]);
    for (const bad of ['', 'a b', 'x'.repeat(64)]) {
      const res = (await t.ok(CREATE_CUSTOMER, { n: bad })).createCustomer;
      expect(res.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'name'] })]);
    }
    const coltToken = await createToken(t, 'PARTNER', { partnerId: colt.id });
    for (const token of [customer.token, coltToken, null]) {
      const res = (await t.ok(CREATE_CUSTOMER, { n: unique('x') }, token)).createCustomer;
      expect(res.customer).toBeNull();
      expect(codes(res.userErrors)).toEqual(['FORBIDDEN']);
    }
    // `before` was taken after the one successful create: nothing since then wrote a customer.
    expect(rowCounts(t).customers).toBe(before.customers);
  });

  it('createApiToken: OPERATOR only; role-specific ids are required and checked', async () => {
    const before = rowCounts(t);
    const cases: [Record<string, unknown>, [string, string[] | null][]][] = [
      [{ role: 'CUSTOMER' }, [['INVALID_INPUT', ['input', 'customerId']]]],
      [{ role: 'PARTNER' }, [['INVALID_INPUT', ['input', 'partnerId']]]],
      [{ role: 'OPERATOR', customerId: customer.id }, [['INVALID_INPUT', ['input', 'customerId']]]],
      [{ role: 'COLLECTOR', partnerId: colt.id }, [['INVALID_INPUT', ['input', 'partnerId']]]],
      [{ role: 'CUSTOMER', customerId: encodeGlobalID('Customer', 99999) }, [['NOT_FOUND', ['input', 'customerId']]]],
      [{ role: 'CUSTOMER', customerId: 'garbage' }, [['NOT_FOUND', ['input', 'customerId']]]],
      [{ role: 'PARTNER', partnerId: encodeGlobalID('Partner', 99999) }, [['NOT_FOUND', ['input', 'partnerId']]]],
      [{ role: 'COLLECTOR', description: 'd'.repeat(201) }, [['INVALID_INPUT', ['input', 'description']]]],
    ];
    for (const [input, expected] of cases) {
      const res = (await t.ok(CREATE_TOKEN, { i: input })).createApiToken;
      expect(res.token).toBeNull();
      expect(
        res.userErrors.map((e: any) => [e.code, e.field]),
        JSON.stringify(input),
      ).toEqual(expected);
    }
    const coltToken = await createToken(t, 'PARTNER', { partnerId: colt.id });
    for (const token of [customer.token, coltToken, null]) {
      const res = (await t.ok(CREATE_TOKEN, { i: { role: 'OPERATOR' } }, token)).createApiToken;
      expect(res.token).toBeNull();
      expect(codes(res.userErrors)).toEqual(['FORBIDDEN']);
    }
    expect(rowCounts(t).tokens).toBe(before.tokens + 1);
  });

  it('issues distinct random tokens that identify their role', async () => {
    const tokens = await Promise.all([
      createToken(t, 'OPERATOR'),
      createToken(t, 'COLLECTOR'),
      createToken(t, 'PARTNER', { partnerId: colt.id }),
      createToken(t, 'CUSTOMER', { customerId: customer.id }),
    ]);
    expect(new Set(tokens).size).toBe(4);
    for (const token of tokens) expect(token.length).toBeGreaterThanOrEqual(32);
    const roles = [];
    for (const token of tokens) roles.push((await t.ok('{ viewer { role } }', {}, token)).viewer.role);
    expect(roles).toEqual(['OPERATOR', 'COLLECTOR', 'PARTNER', 'CUSTOMER']);
  });
});

describe('peeringServices filters', () => {
  const LIST = `query($f: PeeringServiceFilter) { peeringServices(first: 100, filter: $f) { totalCount edges { node { name } } } }`;

  it('filters by partner, country, state and name substring (case-insensitive, wildcards literal)', async () => {
    const owner = await createCustomer(t);
    const lumen = await partnerByName(t, 'Lumen Technologies');
    await coltService(owner, { name: 'alpha-ams' });
    await coltService(owner, { name: 'Alpha_utrecht', state: 'Utrecht' });
    const us = await createService(
      t,
      {
        name: 'beta-la',
        partnerId: lumen.id,
        country: 'United States',
        state: 'California',
        primaryPeeringLocationId: locationId(lumen, 'Los Angeles'),
      },
      owner.token,
    );
    expect(us.userErrors).toEqual([]);
    const names = async (filter: Record<string, unknown> | null) => {
      const { peeringServices } = await t.ok(LIST, { f: filter }, owner.token);
      expect(peeringServices.totalCount).toBe(peeringServices.edges.length);
      return peeringServices.edges.map((e: any) => e.node.name).sort();
    };
    expect(await names(null)).toEqual(['Alpha_utrecht', 'alpha-ams', 'beta-la']);
    expect(await names({ partnerId: colt.id })).toEqual(['Alpha_utrecht', 'alpha-ams']);
    expect(await names({ partnerId: lumen.id })).toEqual(['beta-la']);
    expect(await names({ partnerId: decix.id })).toEqual([]);
    expect(await names({ partnerId: 'garbage' })).toEqual([]);
    expect(await names({ country: 'netherlands' })).toEqual(['Alpha_utrecht', 'alpha-ams']);
    expect(await names({ country: 'Netherlands', state: 'UTRECHT' })).toEqual(['Alpha_utrecht']);
    expect(await names({ state: 'California' })).toEqual(['beta-la']);
    expect(await names({ search: 'ALPHA' })).toEqual(['Alpha_utrecht', 'alpha-ams']);
    expect(await names({ search: '_' })).toEqual(['Alpha_utrecht']);
    expect(await names({ search: '%' })).toEqual([]);
    expect(await names({ search: 'alpha', state: 'North Holland', partnerId: colt.id })).toEqual(['alpha-ams']);
  });
});
