import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type GqlResponse, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';
import { announce, createCustomer, ingest, rowCounts, serviceWithPrefix, withdraw } from './helpers/factories.js';
import {
  coltPeers,
  freshPrefix,
  primeSubscription,
  type Sub,
  sseSubscribe,
  Waiter,
  wsSubscribe,
} from './helpers/telemetry-kit.js';

/** Issue 6, finding 4: API tokens can be listed, expired and revoked, and a refused token loses its open streams. */

let t: TestApp;
let urls: { http: string; ws: string; base: string };
beforeAll(async () => {
  t = await createTestApp();
  urls = await t.listen();
});
afterAll(() => t.close());

const RECORD = `id role description createdAt expiresAt lastUsedAt revokedAt customer { id name } partner { id name }`;

const CREATE = `mutation($i: CreateApiTokenInput!) {
  createApiToken(input: $i) { token apiToken { ${RECORD} } userErrors { code field message } }
}`;

const REVOKE = `mutation($id: ID!) {
  revokeApiToken(input: { apiTokenId: $id }) { apiToken { ${RECORD} } userErrors { code field message } }
}`;

const LIST = `query($first: Int, $after: String) {
  apiTokens(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${RECORD} } }
  }
}`;

const SUB = `subscription($f: PrefixEventFilter) {
  prefixEvents(filter: $f) { __typename ... on PrefixEvent { cursor type observedPrefix } }
}`;

interface Created {
  token: string;
  apiToken: { id: string; revokedAt: string | null; expiresAt: string | null; lastUsedAt: string | null };
}

async function createTokenRecord(input: Record<string, unknown>): Promise<Created> {
  const data = await t.ok(CREATE, { i: input });
  if (!data.createApiToken.token) throw new Error(JSON.stringify(data.createApiToken.userErrors));
  return data.createApiToken;
}

/** The database key behind an ApiToken global id. */
const rowId = (globalId: string) => Number(Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]);

async function revoke(id: string, token: string | null = OPERATOR_TOKEN) {
  return (await t.ok(REVOKE, { id }, token)).revokeApiToken as { apiToken: any; userErrors: any[] };
}

/** POSTs `{ viewer { role } }` with the token and returns the HTTP status and body. */
async function whoAmI(token: string) {
  const body = JSON.stringify({ query: '{ viewer { role } }' });
  const res = await t.fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      authorization: `Bearer ${token}`,
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

const { primary } = coltPeers();

/** A trigger that makes one prefix event for `prefix` each call (alternate announce / withdraw on one session). */
function flapper(prefix: string) {
  let up = false;
  return () => {
    up = !up;
    return ingest(t, [up ? announce(primary[0]!, [prefix]) : withdraw(primary[0]!, [prefix])]);
  };
}

/** Waits until `cond` holds, polling; returns the elapsed milliseconds. */
async function within(ms: number, cond: () => boolean, what: string): Promise<number> {
  const started = performance.now();
  while (!cond()) {
    if (performance.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - started;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A customer token (with its record) and a peering service with one prefix for that customer. */
async function customerWithService() {
  const customer = await createCustomer(t);
  const created = await createTokenRecord({ role: 'CUSTOMER', customerId: customer.id });
  const f = await serviceWithPrefix(t, { prefix: freshPrefix(), customer: { ...customer, token: created.token } });
  return { created, f, trigger: flapper(f.prefix) };
}

/** A graphql-ws client for the token that records the close codes of its socket. */
function closingClient(token: string | null) {
  const closes: number[] = [];
  const client = t.wsClient(token, { on: { closed: (e) => closes.push((e as { code: number }).code) } });
  return { client, closes };
}

/** Like wsSubscribe, but the token travels in the operation's extensions.headers (GraphiQL over graphql-ws). */
function headerSubscribe(client: ReturnType<TestApp['wsClient']>, token: string, prefixId: string): Sub {
  const waiter = new Waiter();
  const sub: Sub = {
    items: [],
    errors: [],
    done: false,
    count: async () => sub.items,
    failed: async () => sub.errors,
    until: (cond, what, ms) => waiter.until(cond, what, ms),
    stop: () => {},
  };
  client.subscribe(
    { query: SUB, variables: { f: { prefixId } }, extensions: { headers: { Authorization: `Bearer ${token}` } } },
    {
      next: (r) => {
        if (r.errors) sub.errors.push(...r.errors);
        if (r.data) sub.items.push(Object.values(r.data)[0]);
        waiter.notify();
      },
      error: (e) => {
        sub.errors.push(e);
        sub.done = true;
        waiter.notify();
      },
      complete: () => {
        sub.done = true;
        waiter.notify();
      },
    },
  );
  return sub;
}

describe('createApiToken', () => {
  it('takes expiresAt and returns the record next to the one-time token', async () => {
    const customer = await createCustomer(t);
    const expiresAt = new Date(t.clock.now() + 86_400_000).toISOString();
    const created = await createTokenRecord({
      role: 'CUSTOMER',
      customerId: customer.id,
      description: 'ci',
      expiresAt,
    });
    expect(created.token).toMatch(/^pw_/);
    expect(created.apiToken).toEqual({
      id: expect.any(String),
      role: 'CUSTOMER',
      description: 'ci',
      createdAt: new Date(t.clock.now()).toISOString(),
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
      customer: { id: customer.id, name: customer.name },
      partner: null,
    });
    // the record is a node the operator can fetch again
    const node = await t.ok(`query($id: ID!) { node(id: $id) { __typename ... on ApiToken { id role } } }`, {
      id: created.apiToken.id,
    });
    expect(node.node).toEqual({ __typename: 'ApiToken', id: created.apiToken.id, role: 'CUSTOMER' });
    // a token without expiresAt never expires
    const forever = await createTokenRecord({ role: 'COLLECTOR' });
    expect(forever.apiToken.expiresAt).toBeNull();
  });

  it('refuses an expiresAt that is not in the future with INVALID_INPUT and writes nothing', async () => {
    const before = rowCounts(t).tokens;
    for (const expiresAt of [new Date(t.clock.now() - 1000).toISOString(), new Date(t.clock.now()).toISOString()]) {
      const data = await t.ok(CREATE, { i: { role: 'COLLECTOR', expiresAt } });
      expect(data.createApiToken.token).toBeNull();
      expect(data.createApiToken.apiToken).toBeNull();
      expect(data.createApiToken.userErrors).toEqual([
        { code: 'INVALID_INPUT', field: ['input', 'expiresAt'], message: expect.stringMatching(/future/) },
      ]);
    }
    expect(rowCounts(t).tokens).toBe(before);
  });
});

describe('apiTokens and node(id:)', () => {
  it('lists every token record (never a secret) with totalCount and keyset pages', async () => {
    const made = [await createTokenRecord({ role: 'COLLECTOR', description: 'page-a' })];
    made.push(await createTokenRecord({ role: 'COLLECTOR', description: 'page-b' }));
    const total = rowCounts(t).tokens;

    const seen: any[] = [];
    let after: string | null = null;
    for (;;) {
      const res: GqlResponse = await t.gql(LIST, { first: 2, after });
      expect(res.errors).toBeUndefined();
      const conn: any = res.data.apiTokens;
      expect(conn.totalCount).toBe(total);
      expect(conn.edges.length).toBeLessThanOrEqual(2);
      seen.push(...conn.edges.map((e: any) => e.node));
      // the secret is shown once at creation; no listing carries it (nor the stored hash)
      const text = JSON.stringify(res);
      for (const m of made) expect(text).not.toContain(m.token);
      expect(text).not.toMatch(/[0-9a-f]{64}/);
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((n) => n.id)).size).toBe(total);
    expect(seen.map((n) => n.id)).toEqual(expect.arrayContaining(made.map((m) => m.apiToken.id)));
    // oldest first
    const ids = seen.map((n) => rowId(n.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('checks page sizes like every other connection', async () => {
    for (const first of [0, 101]) {
      const res = await t.gql(LIST, { first });
      expect(res.errors?.[0]?.extensions?.code, String(first)).toBe('BAD_USER_INPUT');
    }
  });

  it('is OPERATOR only: others get null with FORBIDDEN or UNAUTHENTICATED, and public fields still answer', async () => {
    const customer = await createCustomer(t);
    const collector = await createTokenRecord({ role: 'COLLECTOR' });
    const query = '{ partners(first: 1) { totalCount } apiTokens(first: 5) { totalCount } }';
    for (const [token, code] of [
      [customer.token, 'FORBIDDEN'],
      [collector.token, 'FORBIDDEN'],
      [null, 'UNAUTHENTICATED'],
    ] as const) {
      const res = await t.gql(query, {}, token);
      expect(res.data?.apiTokens, String(token)).toBeNull();
      expect(res.data?.partners.totalCount).toBe(31);
      expect(res.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['apiTokens'], code]]);
    }
  });

  it('resolves node(id:) and nodes(ids:) for an OPERATOR only', async () => {
    const customer = await createCustomer(t);
    const created = await createTokenRecord({ role: 'COLLECTOR' });
    const node = `query($id: ID!) { node(id: $id) { id } }`;
    const nodes = `query($id: ID!) { nodes(ids: [$id]) { id } }`;
    expect((await t.ok(node, { id: created.apiToken.id })).node).toEqual({ id: created.apiToken.id });
    expect((await t.ok(nodes, { id: created.apiToken.id })).nodes).toEqual([{ id: created.apiToken.id }]);
    for (const token of [customer.token, created.token, null]) {
      expect((await t.ok(node, { id: created.apiToken.id }, token)).node).toBeNull();
      expect((await t.ok(nodes, { id: created.apiToken.id }, token)).nodes).toEqual([null]);
    }
  });
});

describe('revokeApiToken', () => {
  it('refuses the token on the next HTTP request; revoking again keeps the first revokedAt', async () => {
    const customer = await createCustomer(t);
    const created = await createTokenRecord({ role: 'CUSTOMER', customerId: customer.id });
    expect((await whoAmI(created.token)).status).toBe(200);

    const revokedAt = new Date(t.clock.now()).toISOString();
    const first = await revoke(created.apiToken.id);
    expect(first.userErrors).toEqual([]);
    expect(first.apiToken).toMatchObject({ id: created.apiToken.id, revokedAt });

    const refused = await whoAmI(created.token);
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(refused.body.errors[0].message).toMatch(/revoked/);

    t.clock.advance(3_600_000);
    const again = await revoke(created.apiToken.id);
    expect(again).toEqual({ apiToken: expect.objectContaining({ revokedAt }), userErrors: [] });
    const listed = await t.ok(`query($id: ID!) { node(id: $id) { ... on ApiToken { revokedAt } } }`, {
      id: created.apiToken.id,
    });
    expect(listed.node.revokedAt).toBe(revokedAt);
    // the customer's other token is untouched
    expect((await whoAmI(customer.token)).status).toBe(200);
  });

  it('is OPERATOR only (FORBIDDEN, nothing revoked) and answers NOT_FOUND for unknown or malformed ids', async () => {
    const customer = await createCustomer(t);
    const created = await createTokenRecord({ role: 'COLLECTOR' });
    for (const token of [customer.token, created.token, null]) {
      const res = await revoke(created.apiToken.id, token);
      expect(res).toEqual({ apiToken: null, userErrors: [expect.objectContaining({ code: 'FORBIDDEN' })] });
    }
    expect((await whoAmI(created.token)).status).toBe(200);

    const unknown = Buffer.from('ApiToken:999999').toString('base64');
    for (const id of [unknown, customer.id, 'garbage']) {
      const res = await revoke(id);
      expect(res.apiToken, id).toBeNull();
      expect(res.userErrors, id).toEqual([
        { code: 'NOT_FOUND', field: ['input', 'apiTokenId'], message: expect.any(String) },
      ]);
    }
  });

  it('refuses a revoked token at graphql-ws connection_init with 4403', async () => {
    const created = await createTokenRecord({ role: 'COLLECTOR' });
    await revoke(created.apiToken.id);
    const sub = wsSubscribe(t.wsClient(created.token), SUB, {});
    const errors = await sub.failed();
    expect(errors[0]?.code).toBe(4403);
  });
});

describe('expiry', () => {
  it('refuses a token from its expiresAt on (injected clock), with a clear UNAUTHENTICATED message', async () => {
    const created = await createTokenRecord({
      role: 'COLLECTOR',
      expiresAt: new Date(t.clock.now() + 60_000).toISOString(),
    });
    expect((await whoAmI(created.token)).status).toBe(200);
    t.clock.advance(59_999);
    expect((await whoAmI(created.token)).status).toBe(200);
    t.clock.advance(1);
    const refused = await whoAmI(created.token);
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(refused.body.errors[0].message).toMatch(/expired/);
  });
});

describe('open streams of a refused token', () => {
  it('closes a graphql-ws socket with 4403 within 5 s of revokeApiToken; no event reaches it afterwards', async () => {
    const { created, f, trigger } = await customerWithService();
    const { client, closes } = closingClient(created.token);
    const sub = wsSubscribe(client, SUB, { f: { prefixId: f.prefixId } });
    await primeSubscription(sub, trigger);
    expect(t.app.live.count((op) => op.tokenId === rowId(created.apiToken.id))).toBe(1);
    await revoke(created.apiToken.id);
    // in-process revocation does not wait for the periodic re-check: the stream is gone when the mutation returns
    expect(t.app.live.count((op) => op.tokenId === rowId(created.apiToken.id))).toBe(0);
    const took = await within(5000, () => closes.length > 0, 'the socket to close');
    expect(closes).toEqual([4403]);
    expect(took).toBeLessThan(5000);
    const have = sub.items.length;
    await trigger();
    await trigger();
    await sleep(300);
    expect(sub.items.length).toBe(have);
    expect(t.app.live.count((op) => op.tokenId === rowId(created.apiToken.id))).toBe(0);
  });

  it('closes a socket whose operation authenticated through extensions.headers (GraphiQL)', async () => {
    const { created, f, trigger } = await customerWithService();
    const { client, closes } = closingClient(null);
    const sub = headerSubscribe(client, created.token, f.prefixId);
    await primeSubscription(sub, trigger);
    await revoke(created.apiToken.id);
    await within(5000, () => closes.length > 0, 'the socket to close');
    expect(closes).toEqual([4403]);
    const have = sub.items.length;
    await trigger();
    await sleep(300);
    expect(sub.items.length).toBe(have);
  });

  for (const method of ['GET', 'POST'] as const) {
    it(`ends an SSE stream (${method}) within 5 s of revokeApiToken, with an UNAUTHENTICATED error`, async () => {
      const { created, f, trigger } = await customerWithService();
      const sub = sseSubscribe(urls.http, SUB, { f: { prefixId: f.prefixId } }, created.token, method);
      expect(await sub.status).toBe(200);
      await primeSubscription(sub, trigger);
      await revoke(created.apiToken.id);
      expect(t.app.live.count((op) => op.tokenId === rowId(created.apiToken.id))).toBe(0);
      await within(5000, () => sub.done, 'the stream to end');
      expect(sub.errors.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      const have = sub.items.length;
      await trigger();
      await sleep(300);
      expect(sub.items.length).toBe(have);
      expect(t.app.live.count((op) => op.tokenId === rowId(created.apiToken.id))).toBe(0);
    });
  }

  it('catches a token revoked or deleted directly in the database (another process) within 5 s', async () => {
    const db = t.app.deps.db.$client;
    for (const change of ['revoke', 'delete'] as const) {
      const { created, f, trigger } = await customerWithService();
      const { client, closes } = closingClient(created.token);
      const ws = wsSubscribe(client, SUB, { f: { prefixId: f.prefixId } });
      const sse = sseSubscribe(urls.http, SUB, { f: { prefixId: f.prefixId } }, created.token);
      await primeSubscription(ws, trigger);
      await primeSubscription(sse, trigger);

      const id = rowId(created.apiToken.id);
      if (change === 'revoke') db.prepare('update api_tokens set revoked_at = ? where id = ?').run(t.clock.now(), id);
      else db.prepare('delete from api_tokens where id = ?').run(id);

      await within(5000, () => closes.length > 0 && sse.done, `${change}: the socket and the stream to end`);
      expect(closes, change).toEqual([4403]);
      expect(
        sse.errors.map((e) => e.extensions?.code),
        change,
      ).toEqual(['UNAUTHENTICATED']);
      const have = [ws.items.length, sse.items.length];
      await trigger();
      await sleep(300);
      expect([ws.items.length, sse.items.length], change).toEqual(have);
    }
  });

  it('catches expiry (injected clock) on open sockets and streams within 5 s', async () => {
    const customer = await createCustomer(t);
    const created = await createTokenRecord({
      role: 'CUSTOMER',
      customerId: customer.id,
      expiresAt: new Date(t.clock.now() + 3_600_000).toISOString(),
    });
    const f = await serviceWithPrefix(t, { prefix: freshPrefix(), customer: { ...customer, token: created.token } });
    const { client, closes } = closingClient(created.token);
    const ws = wsSubscribe(client, SUB, { f: { prefixId: f.prefixId } });
    const sse = sseSubscribe(urls.http, SUB, { f: { prefixId: f.prefixId } }, created.token);
    const trigger = flapper(f.prefix);
    await primeSubscription(ws, trigger);
    await primeSubscription(sse, trigger);
    // still valid: a re-check leaves them open
    await sleep(1500);
    expect([closes.length, sse.done]).toEqual([0, false]);

    t.clock.advance(3_600_000);
    await within(5000, () => closes.length > 0 && sse.done, 'the socket and the stream to end');
    expect(closes).toEqual([4403]);
    expect(sse.errors[0]?.message).toMatch(/expired/);
  });

  it('leaves streams of other tokens open', async () => {
    const { created: keptToken, f, trigger } = await customerWithService();
    const { client, closes: keptCloses } = closingClient(keptToken.token);
    const kept = wsSubscribe(client, SUB, { f: { prefixId: f.prefixId } });
    await primeSubscription(kept, trigger);
    const customer = await createCustomer(t);
    const created = await createTokenRecord({ role: 'CUSTOMER', customerId: customer.id });
    await revoke(created.apiToken.id);
    await sleep(1500);
    expect(keptCloses).toEqual([]);
    const have = kept.items.length;
    await trigger();
    await kept.until(() => kept.items.length > have, 'a live event');
  });
});

describe('lastUsedAt', () => {
  it('is set on use and written at most once a minute per token', async () => {
    const created = await createTokenRecord({ role: 'COLLECTOR' });
    expect(created.apiToken.lastUsedAt).toBeNull();
    const lastUsed = async () =>
      (await t.ok(`query($id: ID!) { node(id: $id) { ... on ApiToken { lastUsedAt } } }`, { id: created.apiToken.id }))
        .node.lastUsedAt;
    const updates = () => t.sql.filter((q) => /^update "api_tokens"/i.test(q)).length;

    const firstUse = new Date(t.clock.now()).toISOString();
    const before = updates();
    for (let i = 0; i < 5; i++) {
      expect((await whoAmI(created.token)).status).toBe(200);
      t.clock.advance(10_000);
    }
    expect(updates() - before).toBe(1);
    expect(await lastUsed()).toBe(firstUse);

    t.clock.advance(20_000); // a minute after the first use
    const secondUse = new Date(t.clock.now()).toISOString();
    await whoAmI(created.token);
    await whoAmI(created.token);
    expect(updates() - before).toBe(2);
    expect(await lastUsed()).toBe(secondUse);
  });
});
