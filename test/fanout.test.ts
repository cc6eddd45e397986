import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { announce, createToken, ingest, serviceWithPrefix, withdraw } from './helpers/factories.js';
import { coltPeers, freshPrefix, primeSubscription, wsSubscribe } from './helpers/telemetry-kit.js';

/**
 * Issue 8, multiplexed fan-out: subscribers with the same document, variables and viewer scope share one execution
 * per event (observed through the SQL the resolvers run), get identical payloads, and tenants never share.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await t.listen();
});
afterAll(() => t.close());

const DOC = `subscription Feed { prefixEvents { ... on PrefixEvent { cursor type summary prefix { name peeringService { name partner { name } } } } } }`;

it('executes a live event once per (document, variables, viewer scope) and sends every subscriber the same payload', async () => {
  const a = await serviceWithPrefix(t, { prefix: freshPrefix() });
  const b = await serviceWithPrefix(t, { prefix: freshPrefix() });
  const secondTokenOfA = await createToken(t, 'CUSTOMER', { customerId: a.customer.id });
  const { primary } = coltPeers();
  let up = true;
  const flip = () => {
    up = !up;
    return ingest(t, [up ? announce(primary[0]!, [a.prefix, b.prefix]) : withdraw(primary[0]!, [a.prefix, b.prefix])]);
  };
  // 24 dashboards of customer A (two tokens, two sockets), 1 of customer B
  const clients = [t.wsClient(a.customer.token), t.wsClient(secondTokenOfA)];
  const subsA = Array.from({ length: 24 }, (_, i) => wsSubscribe(clients[i % 2]!, DOC));
  const subB = wsSubscribe(t.wsClient(b.customer.token), DOC);
  for (const sub of [...subsA, subB]) await primeSubscription(sub, flip);
  await new Promise((r) => setTimeout(r, 200));
  for (const sub of [...subsA, subB]) sub.items.length = 0;

  t.sql.length = 0;
  await flip();
  await Promise.all([...subsA, subB].map((s) => s.count(1)));
  await new Promise((r) => setTimeout(r, 100));
  // the event's prefix -> service -> partner chain is loaded once for A's group and once for B, not 25 times
  const serviceLoads = t.sql.filter((q) => /from "peering_services"/.test(q) && /"peering_services"."id" in/.test(q));
  expect(serviceLoads.length).toBeGreaterThan(0);
  expect(serviceLoads.length).toBeLessThanOrEqual(4);

  const payloads = new Set(subsA.map((s) => JSON.stringify(s.items)));
  expect(payloads.size).toBe(1);
  expect(subsA[0]!.items.every((e: any) => e.prefix.name === 'site')).toBe(true);
  // tenants never share: B sees its own prefix's events only
  const aPrefixNames = subsA[0]!.items.map((e: any) => e.cursor);
  const bCursors = subB.items.map((e: any) => e.cursor);
  expect(bCursors.some((c: string) => aPrefixNames.includes(c))).toBe(false);
  for (const sub of [...subsA, subB]) sub.stop();
});
