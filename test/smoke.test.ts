import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

it('serves the catalogue', async () => {
  const data = await t.ok(
    '{ partners(first: 3) { totalCount edges { node { name asn sessions { routerName peerAddress } } } } }',
  );
  expect(data.partners.totalCount).toBe(31);
});
