import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { EnvError, parseEnv } from '../src/env.js';
import { createTestApp, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';
import { createCustomer, rowCounts } from './helpers/factories.js';

/** Small limits so that each hostile query stays cheap in every other respect. */
const LIMITS = { MAX_BODY_BYTES: 2048, MAX_DEPTH: 5, MAX_ALIASES: 3, MAX_TOKENS: 150 };

let t: TestApp;
let urls: Awaited<ReturnType<TestApp['listen']>>;
beforeAll(async () => {
  t = await createTestApp(LIMITS);
  urls = await t.listen();
});
afterAll(() => t.close());

/** depth 6: partners > edges > node > peeringLocations > partners > name */
const TOO_DEEP = '{ partners(first: 1) { edges { node { peeringLocations { partners { name } } } } } }';
/** depth 5 */
const DEEP_OK = '{ partners(first: 1) { edges { node { peeringLocations { name } } } } }';
const TOO_MANY_ALIASES = `mutation { ${[0, 1, 2, 3].map((i) => `a${i}: createCustomer(input: { name: "alias-${i}" }) { customer { id } }`).join(' ')} }`;
const ALIASES_OK = `mutation { ${[0, 1, 2].map((i) => `a${i}: createCustomer(input: { name: "alias-ok-${i}" }) { customer { id } }`).join(' ')} }`;
/** 152 tokens ({, 150 names, }) in ~1.7 kB, under the body limit */
const TOO_MANY_TOKENS = `{ ${Array.from({ length: 150 }, () => '__typename').join(' ')} }`;
/** 147 tokens */
const TOKENS_OK = `{ ${Array.from({ length: 145 }, () => '__typename').join(' ')} }`;

const hostile = [
  ['depth', TOO_DEEP, /depth/i],
  ['aliases', TOO_MANY_ALIASES, /aliases/i],
  ['tokens', TOO_MANY_TOKENS, /token/i],
] as const;

/** Statements that touched a catalogue or tenant table (the token lookup touches api_tokens only). */
const dataStatements = (sql: string[]) => sql.filter((q) => !q.includes('"api_tokens"'));

/** Runs one operation on a graphql-ws client and resolves with { data/errors } or { error }. */
function once(client: ReturnType<TestApp['wsClient']>, query: string) {
  return new Promise<any>((resolve) => {
    client.subscribe(
      { query },
      { next: (value) => resolve(value), error: (error) => resolve({ error }), complete: () => resolve({}) },
    );
  });
}

describe('HTTP', () => {
  it('GET /health answers 200 when the database answers', async () => {
    const res = await fetch(`${urls.base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    // The GraphQL endpoint is served on the same port.
    const gql = await fetch(urls.http, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ partners { totalCount } }' }),
    });
    expect(gql.status).toBe(200);
    expect((await gql.json()).data.partners.totalCount).toBe(31);
  });

  it('serves GraphiQL for a browser GET /graphql, with its assets inline (no CDN)', async () => {
    const res = await fetch(urls.http, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toMatch(/<title>peerwatch<\/title>/);
    expect(html).toMatch(/graphiql/i);
    expect(html).not.toMatch(/unpkg|jsdelivr|cdnjs/i);
    // Nothing is fetched from another origin: no external script or stylesheet.
    expect(html).not.toMatch(/<script[^>]+src=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<link[^>]+href=["']?(https?:)?\/\//i);
  });

  it('GET /health answers 503 when the database does not answer', async () => {
    const broken = await createTestApp();
    try {
      const { base } = await broken.listen();
      broken.app.deps.db.$client.close();
      const res = await fetch(`${base}/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable' });
    } finally {
      await broken.close();
    }
  });

  it('accepts operations just inside the depth, alias and token limits', async () => {
    for (const query of [DEEP_OK, ALIASES_OK, TOKENS_OK]) {
      const res = await t.gql(query);
      expect(res.errors, query.slice(0, 40)).toBeUndefined();
    }
  });

  for (const [label, query, message] of hostile) {
    it(`refuses a query over the ${label} limit before it runs`, async () => {
      const before = rowCounts(t);
      t.sql.length = 0;
      const res = await t.gql(query);
      expect(res.data ?? null).toBeNull();
      expect(res.errors?.[0]?.message).toMatch(message);
      expect(dataStatements(t.sql)).toEqual([]);
      expect(rowCounts(t)).toEqual(before);
    });
  }

  it('refuses a body over MAX_BODY_BYTES with 413, before parsing it', async () => {
    const before = rowCounts(t);
    const query = `mutation { createCustomer(input: { name: "big" }) { customer { id } } } # ${'x'.repeat(2100)}`;
    const body = JSON.stringify({ query });
    t.sql.length = 0;
    const res = await t.fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        authorization: `Bearer ${OPERATOR_TOKEN}`,
      },
      body,
    });
    expect(res.status).toBe(413);
    expect(t.sql).toEqual([]);
    expect(rowCounts(t)).toEqual(before);
    // Over a real socket too, where the client computes Content-Length itself.
    const real = await fetch(urls.http, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` },
      body,
    });
    expect(real.status).toBe(413);
    expect(rowCounts(t)).toEqual(before);
  });

  it('refuses a chunked POST without Content-Length (411): the size must be known before reading', async () => {
    const { hostname, port } = new URL(urls.base);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { hostname, port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.once('error', reject);
      // Two writes without a Content-Length: Node sends Transfer-Encoding: chunked.
      req.write('{"query":');
      req.end('"{ __typename }"}');
    });
    expect(status).toBe(411);
  });
});

describe('graphql-ws', () => {
  it('refuses hostile operations before they run and keeps the socket usable', async () => {
    const client = t.wsClient(OPERATOR_TOKEN, { lazyCloseTimeout: 60_000 });
    let closed = 0;
    client.on('closed', () => {
      closed++;
    });
    expect((await once(client, '{ viewer { role } }')).data).toEqual({ viewer: { role: 'OPERATOR' } });
    for (const [label, query, message] of hostile) {
      const before = rowCounts(t);
      t.sql.length = 0;
      const res = await once(client, query);
      const errors = res.error ?? res.errors;
      expect(Array.isArray(errors), `${label}: ${JSON.stringify(res)}`).toBe(true);
      expect(errors[0].message, label).toMatch(message);
      expect(dataStatements(t.sql), label).toEqual([]);
      expect(rowCounts(t), label).toEqual(before);
      // Same socket, next operation still works.
      expect((await once(client, '{ partners { totalCount } }')).data, label).toEqual({
        partners: { totalCount: 31 },
      });
    }
    expect(closed).toBe(0);
  });

  it('closes a socket that sends a message over MAX_BODY_BYTES (1009), before running it', async () => {
    // graphql-ws logs the socket's RangeError ("Max payload size exceeded") to console.error; keep the run quiet.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    const before = rowCounts(t);
    const client = t.wsClient(OPERATOR_TOKEN);
    const query = `mutation { createCustomer(input: { name: "ws-big" }) { customer { id } } } # ${'x'.repeat(2100)}`;
    const closed = new Promise<number>((resolve) =>
      client.on('closed', (event) => resolve((event as { code: number }).code)),
    );
    const res = await once(client, query);
    expect(res.data).toBeUndefined();
    expect(await closed).toBe(1009);
    expect(rowCounts(t)).toEqual(before);
    quiet.mockRestore();
  });

  it('accepts a good token at connection_init and runs operations as that viewer', async () => {
    const customer = await createCustomer(t);
    const res = await once(t.wsClient(customer.token), '{ viewer { role customerName } }');
    expect(res.data).toEqual({ viewer: { role: 'CUSTOMER', customerName: customer.name } });
  });

  /** Opens a raw socket, sends connection_init with `payload`, and resolves with what happened first. */
  function rawInit(payload: Record<string, unknown>) {
    return new Promise<{ ack?: boolean; code?: number; reason?: string }>((resolve, reject) => {
      const socket = new WebSocket(urls.ws, 'graphql-transport-ws');
      socket.once('error', reject);
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
      socket.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'connection_ack') {
          resolve({ ack: true });
          socket.close(1000);
        }
      });
      socket.once('close', (code, reason) => resolve({ code, reason: String(reason) }));
    });
  }

  it('acknowledges a good token and closes the socket with 4403 for a bad one', async () => {
    expect(await rawInit({ authorization: `Bearer ${OPERATOR_TOKEN}` })).toEqual({ ack: true });
    expect(await rawInit({})).toEqual({ ack: true });
    // The key is matched case-insensitively (GraphiQL sends its Headers tab as connection params).
    expect(await rawInit({ Authorization: `Bearer ${OPERATOR_TOKEN}` })).toEqual({ ack: true });
    for (const payload of [
      { authorization: 'Bearer nope' },
      { authorization: 'Basic abc' },
      { authorization: 'Bearer' },
      { Authorization: 'Bearer nope' },
      // a credential that is not a string is refused, not taken as anonymous
      { authorization: 123 },
      { authorization: {} },
    ]) {
      const res = await rawInit(payload);
      expect(res.code, JSON.stringify(payload)).toBe(4403);
      expect(res.reason).toBe('Forbidden');
    }
  });
});

describe('parseEnv', () => {
  it('applies defaults to an empty environment', () => {
    expect(parseEnv({})).toMatchObject({ PORT: 4000, HOST: '127.0.0.1', DATABASE_PATH: './data/peerwatch.db' });
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      parseEnv({
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        OPERATOR_TOKEN: 'short',
        GRAPHIQL: 'maybe',
        MAX_DEPTH: '1',
        NODE_ENV: 'staging',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const problems = (error as EnvError).problems;
    const names = problems.map((p) => p.split(':')[0]).sort();
    expect(names).toEqual(['GRAPHIQL', 'LOG_LEVEL', 'MAX_DEPTH', 'NODE_ENV', 'OPERATOR_TOKEN', 'PORT']);
    expect(problems.find((p) => p.startsWith('OPERATOR_TOKEN'))).toMatch(/at least 16 characters/);
    for (const name of names) expect((error as EnvError).message).toContain(`  - ${name}:`);
  });

  it('reads the values it is given', () => {
    const env = parseEnv({ PORT: '8080', GRAPHIQL: 'false', OPERATOR_TOKEN: 'x'.repeat(16), OPERATOR_TOKENX: '' });
    expect(env).toMatchObject({ PORT: 8080, GRAPHIQL: false, OPERATOR_TOKEN: 'x'.repeat(16) });
    expect(parseEnv({ OPERATOR_TOKEN: '' }).OPERATOR_TOKEN).toBeUndefined();
  });
});
