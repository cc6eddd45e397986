import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';
import { createCustomer } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await t.listen();
});
afterAll(() => t.close());

/** Runs one operation on a client and resolves with its first result (or error). */
function first(
  client: ReturnType<TestApp['wsClient']>,
  payload: { query: string; extensions?: Record<string, unknown> },
) {
  return new Promise<any>((resolve) => {
    const stop = client.subscribe(payload, {
      next: (value) => {
        resolve(value);
        stop();
      },
      error: (error) => {
        resolve({ error });
      },
      complete: () => {},
    });
  });
}

it('serves GraphiQL with its assets inlined (no CDN) and the WebSocket protocol', async () => {
  const res = await t.fetch('/graphql', { headers: { accept: 'text/html' } });
  const html = await res.text();
  expect(res.status).toBe(200);
  expect(html).toContain('peerwatch');
  expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs/);
  expect(html).toMatch(/subscriptionsProtocol["']?\s*:\s*["']WS/);
});

it('honours an Authorization header sent per operation, as GraphiQL does over graphql-ws', async () => {
  const customer = await createCustomer(t);
  // keep the socket open between operations (lazy clients close it when idle)
  const anonymous = t.wsClient(null, { lazyCloseTimeout: 60_000 });
  const asAnonymous = await first(anonymous, { query: '{ viewer { role } }' });
  expect(asAnonymous.data.viewer).toBeNull();

  const withHeaders = await first(anonymous, {
    query: '{ viewer { role customerName } }',
    extensions: { headers: { Authorization: `Bearer ${customer.token}` } },
  });
  expect(withHeaders.data.viewer).toEqual({ role: 'CUSTOMER', customerName: customer.name });

  const bad = await first(anonymous, {
    query: '{ viewer { role } }',
    extensions: { headers: { authorization: 'Bearer nope' } },
  });
  expect(bad.error?.[0]?.extensions?.code ?? bad.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

  // the connection itself is still usable afterwards
  const again = await first(t.wsClient(OPERATOR_TOKEN), { query: '{ viewer { role } }' });
  expect(again.data.viewer.role).toBe('OPERATOR');
});
