import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';

/** Issue 9, browsers: CORS that can be restricted, and compressed answers. */

describe('CORS', () => {
  let open: TestApp;
  let restricted: TestApp;
  beforeAll(async () => {
    open = await createTestApp();
    restricted = await createTestApp({ CORS_ORIGINS: ['https://dash.example.com', 'http://localhost:5173'] });
  });
  afterAll(async () => {
    await open.close();
    await restricted.close();
  });

  const preflight = (t: TestApp, origin: string) =>
    t.fetch('/graphql', {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });

  it('by default allows any origin, never with credentials', async () => {
    const res = await preflight(open, 'https://anywhere.example.org');
    expect(res.status).toBe(204);
    // any origin is let through (echoed, with Vary: Origin), never with credentials
    expect(['*', 'https://anywhere.example.org']).toContain(res.headers.get('access-control-allow-origin'));
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    const body = JSON.stringify({ query: '{ countries { name } }' });
    const post = await open.fetch('/graphql', {
      method: 'POST',
      headers: {
        origin: 'https://anywhere.example.org',
        'content-type': 'application/json',
        'content-length': String(body.length),
      },
      body,
    });
    expect(['*', 'https://anywhere.example.org']).toContain(post.headers.get('access-control-allow-origin'));
    expect(post.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('with CORS_ORIGINS answers only the listed origins', async () => {
    const allowed = await preflight(restricted, 'https://dash.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dash.example.com');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    expect(allowed.headers.get('access-control-allow-methods')).toMatch(/POST/);

    const refused = await preflight(restricted, 'https://evil.example.net');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(refused.headers.get('access-control-allow-methods')).toBeNull();

    const body = JSON.stringify({ query: '{ countries { name } }' });
    const post = await restricted.fetch('/graphql', {
      method: 'POST',
      headers: {
        origin: 'https://evil.example.net',
        'content-type': 'application/json',
        'content-length': String(body.length),
      },
      body,
    });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('compression', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp();
    base = (await t.listen()).base;
  });
  afterAll(() => t.close());

  const raw = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    // node's fetch decompresses by itself; read the bytes as sent with a plain http request instead
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
      (resolve, reject) => {
        import('node:http').then(({ request }) => {
          const req = request(`${base}${path}`, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
            );
          });
          req.on('error', reject);
          req.end(init.body as string | undefined);
        }, reject);
      },
    );

  it('sends GraphiQL brotli-compressed to a browser that accepts br, and the same page decompressed', async () => {
    const plain = await raw('/graphql', { headers: { accept: 'text/html' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(100_000);
    const br = await raw('/graphql', { headers: { accept: 'text/html', 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/Accept-Encoding/i);
    expect(br.body.length).toBeLessThan(plain.body.length / 3);
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    const again = await raw('/graphql', { headers: { accept: 'text/html', 'accept-encoding': 'br' } });
    expect(again.body.equals(br.body)).toBe(true);
  });

  it('gzips a large JSON answer when gzip is preferred, and leaves it alone with q=0', async () => {
    const body = JSON.stringify({ query: '{ countries { name locations { state azureRegion } } }' });
    const headers = {
      'content-type': 'application/json',
      'content-length': String(body.length),
      authorization: `Bearer ${OPERATOR_TOKEN}`,
    };
    const gz = await raw('/graphql', {
      method: 'POST',
      body,
      headers: { ...headers, 'accept-encoding': 'gzip, br;q=0.5' },
    });
    expect(gz.status).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    const json = JSON.parse(gunzipSync(gz.body).toString('utf8'));
    expect(json.data.countries.length).toBeGreaterThan(10);
    const none = await raw('/graphql', {
      method: 'POST',
      body,
      headers: { ...headers, 'accept-encoding': 'br;q=0, gzip;q=0' },
    });
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(none.body.toString('utf8')).data.countries).toEqual(json.data.countries);
  });

  it('never compresses an SSE stream', async () => {
    const q = new URLSearchParams({ query: 'subscription { prefixEvents { ... on PrefixEvent { cursor } } }' });
    const controller = new AbortController();
    const res = await fetch(`${base}/graphql?${q}`, {
      headers: {
        accept: 'text/event-stream',
        'accept-encoding': 'br, gzip',
        authorization: `Bearer ${OPERATOR_TOKEN}`,
      },
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(['br', 'gzip']).not.toContain(res.headers.get('content-encoding'));
    controller.abort();
  });
});
