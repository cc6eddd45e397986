import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ MAX_COST: 5000 });
});
afterAll(() => t.close());

const NESTED = (outer: number, inner: number) => `{
  peeringServices(first: ${outer}) { edges { node { name prefixes(first: ${inner}) {
    edges { node { prefix events(first: ${inner}) { edges { node { summary level } } } } } } } } }
}`;

describe('query cost (complexity by page size)', () => {
  it('accepts a modest nested query', async () => {
    const res = await t.gql(NESTED(5, 5));
    expect(res.errors).toBeUndefined();
  });

  it('refuses a query whose page sizes multiply past MAX_COST, before running it', async () => {
    const before = t.sql.length;
    const res = await t.gql(NESTED(100, 100));
    expect(res.data?.peeringServices ?? null).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(res.errors?.[0]?.message).toMatch(/exceeds the limit of 5000/);
    // nothing but the token lookup ran: no page was loaded
    expect(t.sql.slice(before).some((q) => q.includes('"peering_services"'))).toBe(false);
  });

  it('costs the same document again for other variables', async () => {
    const query = `query($outer: Int, $inner: Int) {
      peeringServices(first: $outer) { edges { node { name prefixes(first: $inner) {
        edges { node { prefix events(first: $inner) { edges { node { summary level } } } } } } } } }
    }`;
    expect((await t.gql(query, { outer: 5, inner: 5 })).errors).toBeUndefined();
    const over = await t.gql(query, { outer: 100, inner: 100 });
    expect(over.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect((await t.gql(query, { outer: 5, inner: 5 })).errors).toBeUndefined();
  });

  it('counts nodes(ids:) by the number of ids', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => Buffer.from(`Partner:${i + 1}`).toString('base64'));
    const res = await t.gql(
      'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Partner { peeringLocations { partners { name } } } } }',
      { ids },
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });
});
