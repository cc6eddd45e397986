import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createClient } from 'graphql-ws';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../src/app.js';
import { migrateDb, openDb } from '../src/db/client.js';
import { seedCatalogue } from '../src/db/seed/index.js';
import { testEnv } from '../src/env.js';
import { encodeCursor } from '../src/services/pagination.js';
import { createTestApp, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';
import { createPartnerWith, serviceWithPrefix, unique } from './helpers/factories.js';
import { run, startServer, tempDir } from './helpers/server-process.js';
import { coltPeers, freshPrefix } from './helpers/telemetry-kit.js';

/** Issue 6 (hardening): NDJSON line limits, search bounds, graceful shutdown, clear startup errors, log levels. */

const MIB = 1024 * 1024;
const { primary, backup } = coltPeers();

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await createTestApp({ INGEST_MAX_LINE_BYTES: 1024 });
  base = (await t.listen()).base;
});
afterAll(() => t.close());

const risLine = (peer: string, prefix: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 'ris_message',
    data: {
      timestamp: t.clock.now() / 1000 + 0.25,
      peer,
      peer_asn: '8220',
      host: 'rrc00.ripe.net',
      type: 'UPDATE',
      path: [8220, 64500],
      announcements: [{ next_hop: peer, prefixes: [prefix] }],
      ...extra,
    },
  });

/** POSTs `head`, then `fillBytes` of filler streamed in 1 MiB chunks (never held whole here), then `tail`. */
function postStreamed(
  url: string,
  head: string,
  fillBytes: number,
  tail: string,
  onChunk?: () => void,
): Promise<{ status: number; body: any }> {
  const chunk = Buffer.alloc(MIB, 'x');
  const headBuf = Buffer.from(head);
  const tailBuf = Buffer.from(tail);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${OPERATOR_TOKEN}`,
          'content-length': String(headBuf.length + fillBytes + tailBuf.length),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.once('error', reject);
    let left = fillBytes;
    const pump = () => {
      while (left > 0) {
        const piece = left >= MIB ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        onChunk?.();
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end(tailBuf);
    };
    req.write(headBuf);
    pump();
  });
}

describe('POST /ingest/ris: line length is measured while streaming (INGEST_MAX_LINE_BYTES)', () => {
  it('skips a line over the limit, reports it by line number, and applies the others', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    // Valid JSON, so only its length can refuse it.
    const long = risLine(backup[1]!, f.prefix, { note: 'y'.repeat(3000) });
    const lines = [
      risLine(primary[0]!, f.prefix),
      long,
      risLine(primary[1]!, f.prefix),
      'not json',
      risLine(backup[0]!, f.prefix),
    ];
    const res = await fetch(`${base}/ingest/ris`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
      body: `${lines.join('\n')}\n`,
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ accepted: 3, rejected: 2, lines: 5 });
    expect(body.errors).toEqual([
      { line: 2, message: 'line longer than 1024 bytes' },
      { line: 4, message: expect.stringMatching(/JSON/) },
    ]);
  });

  it('counts a long last line without a newline, and a line exactly at the limit is read', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const exact = risLine(primary[0]!, f.prefix);
    const padded = exact.replace('"type":"UPDATE"', `"pad":"${'z'.repeat(1024 - exact.length - 9)}","type":"UPDATE"`);
    expect(Buffer.byteLength(padded)).toBe(1024);
    const res = await fetch(`${base}/ingest/ris`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
      body: `${padded}\r\n${'w'.repeat(5000)}`,
    });
    const body = await res.json();
    expect(body).toMatchObject({ accepted: 1, rejected: 1, lines: 2 });
    expect(body.errors).toEqual([{ line: 2, message: 'line longer than 1024 bytes' }]);
  });

  it('does not buffer a 128 MiB line: the process grows by far less than the line', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    globalThis.gc?.();
    const start = process.memoryUsage();
    let peakRss = start.rss;
    let peakBuffers = start.arrayBuffers;
    const sample = () => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakBuffers = Math.max(peakBuffers, now.arrayBuffers);
    };
    const timer = setInterval(sample, 5);
    const res = await postStreamed(
      `${base}/ingest/ris`,
      `${risLine(primary[0]!, f.prefix)}\n{"type":"ris_message","data":{"note":"`,
      128 * MIB,
      `"}}\n${risLine(primary[1]!, f.prefix)}\n`,
      sample,
    );
    clearInterval(timer);
    sample();
    console.info(
      `rss +${((peakRss - start.rss) / MIB).toFixed(1)} MiB, arrayBuffers +${((peakBuffers - start.arrayBuffers) / MIB).toFixed(1)} MiB`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, rejected: 1, lines: 3 });
    expect(res.body.errors).toEqual([{ line: 2, message: 'line longer than 1024 bytes' }]);
    // The old reader assembled the whole line as a string (RSS grew by about twice the line); streaming holds a
    // few chunks at a time, plus read buffers the garbage collector has not reclaimed yet.
    expect((peakRss - start.rss) / MIB).toBeLessThan(64);
    expect((peakBuffers - start.arrayBuffers) / MIB).toBeLessThan(64);
  });

  it('keeps the whole-body limit (413) with a line limit in place', async () => {
    const small = await createTestApp({ INGEST_MAX_BODY_BYTES: 4096, INGEST_MAX_LINE_BYTES: 1024 });
    try {
      const { base: smallBase } = await small.listen();
      const line = `${risLine(primary[0]!, '198.51.100.0/24')}\n`;
      const res = await fetch(`${smallBase}/ingest/ris`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(line.repeat(Math.ceil(10_000 / line.length))));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      expect((await res.json()).error).toMatch(/exceeds 4096 bytes/);
    } finally {
      await small.close();
    }
  });
});

describe('search text: bounded, and LIKE wildcards are literal', () => {
  const PARTNERS =
    'query($s: String) { partners(first: 10, filter: { search: $s }) { totalCount edges { node { name } } } }';
  const SERVICES =
    'query($s: String) { peeringServices(first: 10, filter: { search: $s }) { totalCount edges { node { name } } } }';

  for (const [label, query] of [
    ['partners', PARTNERS],
    ['peeringServices', SERVICES],
  ] as const) {
    it(`${label}: 200 characters run, 201 and 60,000 are BAD_USER_INPUT (not INTERNAL_SERVER_ERROR)`, async () => {
      expect((await t.gql(query, { s: 'q'.repeat(200) })).errors).toBeUndefined();
      for (const length of [201, 60_000]) {
        const res = await t.gql(query, { s: 'q'.repeat(length) });
        expect(res.data?.[label] ?? null).toBeNull();
        expect(res.errors?.[0]?.extensions?.code, `${length}`).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0]?.message).toBe(`filter.search is limited to 200 characters (got ${length})`);
      }
    });
  }

  it('matches %, _ and \\ literally', async () => {
    const tag = unique('lit').replace('-', '');
    const names = [`${tag}_a`, `${tag}xa`, `${tag}%b`, `${tag}yyb`, `${tag}\\c`];
    for (const name of names) await createPartnerWith(t, { name, locations: ['Amsterdam'] });
    const found = async (search: string) =>
      (await t.ok(PARTNERS, { s: search })).partners.edges.map((e: any) => e.node.name).sort();
    expect(await found(`${tag}_a`)).toEqual([`${tag}_a`]);
    expect(await found(`${tag}%b`)).toEqual([`${tag}%b`]);
    expect(await found(`${tag}\\`)).toEqual([`${tag}\\c`]);
    expect(await found(tag)).toHaveLength(5);
  });
});

// --- the real server, as a child process

const logLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { level: number; msg: string; [k: string]: unknown });

describe('graceful shutdown (SIGTERM on the real server)', () => {
  it('answers the in-flight ingest, completes SSE, closes graphql-ws with 1001, and exits 0 within the grace period', async () => {
    const server = await startServer({ SHUTDOWN_GRACE_SECONDS: '8' });
    const SUB = 'subscription { prefixEvents(filter: { minLevel: INFORMATION }) { __typename } }';

    // An SSE subscription: read everything until the server ends the stream.
    const sse = await fetch(`${server.base}/graphql?${new URLSearchParams({ query: SUB })}`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    expect(sse.status).toBe(200);
    const sseText = (async () => {
      let text = '';
      const decoder = new TextDecoder();
      for await (const chunk of sse.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk);
      return text;
    })();

    // A graphql-ws socket with a live subscription.
    const client = createClient({
      url: `ws://127.0.0.1:${server.port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    const wsClosed = new Promise<number>((resolve) =>
      client.on('closed', (event) => resolve((event as { code: number }).code)),
    );
    const wsEnded = new Promise<string>((resolve) =>
      client.subscribe(
        { query: SUB },
        { next: () => {}, error: () => resolve('error'), complete: () => resolve('complete') },
      ),
    );
    const viewer = await new Promise<unknown>((resolve, reject) =>
      client.subscribe(
        { query: '{ viewer { role } }' },
        { next: (v) => resolve(v), error: reject, complete: () => {} },
      ),
    );
    expect(viewer).toEqual({ data: { viewer: { role: 'OPERATOR' } } });

    // An ingest request whose body is still arriving when SIGTERM comes.
    const lines = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({
        type: 'ris_message',
        data: {
          timestamp: Date.now() / 1000,
          peer: `192.0.2.${i + 1}`,
          peer_asn: '64496',
          host: 'rrc00',
          type: 'UPDATE',
          path: [64496, 64500],
          announcements: [{ next_hop: `192.0.2.${i + 1}`, prefixes: ['198.51.100.0/24'] }],
        },
      }),
    );
    const body = Buffer.from(`${lines.join('\n')}\n`);
    const half = body.indexOf('\n', body.length / 2) + 1;
    let sent!: () => void;
    const firstHalfSent = new Promise<void>((r) => {
      sent = r;
    });
    const ingest = new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request(
        `${server.base}/ingest/ris`,
        {
          method: 'POST',
          agent: false,
          headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-length': String(body.length) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => {
            text += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.once('error', reject);
      req.write(body.subarray(0, half), () => sent());
      firstHalfSent.then(() =>
        setTimeout(() => {
          // the rest arrives 1.5 s after SIGTERM
          req.end(body.subarray(half));
        }, 1800),
      );
    });
    await firstHalfSent;
    await new Promise((r) => setTimeout(r, 300));

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');

    // New connections are refused at once.
    await new Promise((r) => setTimeout(r, 200));
    const refused = await new Promise<string>((resolve) => {
      const req = request(`${server.base}/health`, { agent: false }, (res) => {
        res.resume();
        resolve(`answered ${res.statusCode}`);
      });
      req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      req.end();
    });
    expect(refused).toBe('ECONNREFUSED');

    const answer = await ingest;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ lines: 40, rejected: 0 });
    expect(answer.body.accepted + answer.body.ignored).toBeGreaterThan(0);
    expect(await sseText).toContain('event: complete');
    expect(await wsClosed).toBe(1001);
    expect(await wsEnded).toBeTruthy();
    const exit = await server.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(8000);
    // the drain waited for the ingest body (sent 1.5 s after the signal)
    expect(exit.at - signalledAt).toBeGreaterThan(1500);
    expect(server.out.stderr).toBe('');
    const logs = logLines(server.out.stdout);
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(logs.at(-1)).toMatchObject({ msg: 'stopped', forced: 0 });
    await client.dispose();
  });
});

describe('a port already in use', () => {
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  const expectOneClearLine = (out: { stdout: string; stderr: string }) => {
    const text = `${out.stdout}${out.stderr}`.trim();
    expect(text.split('\n'), text).toHaveLength(1);
    expect(text).toMatch(new RegExp(`port ${port} on 127.0.0.1 is already in use; set PORT to another port$`));
    expect(text).not.toMatch(/\bat |Error:|\{/);
  };

  it('npm start: one clear line, exit 1', async () => {
    const proc = run('src/server.ts', { PORT: String(port), DATABASE_PATH: join(tempDir(), 'peerwatch.db') });
    expect((await proc.exited).code).toBe(1);
    expectOneClearLine(proc.out);
  });

  it('npm run demo: one clear line, exit 1, and nothing created (no database, no tokens)', async () => {
    const database = join(tempDir(), 'demo.db');
    const proc = run('scripts/demo.ts', { PORT: String(port), DATABASE_PATH: database, LOG_LEVEL: 'warn' });
    expect((await proc.exited).code).toBe(1);
    expectOneClearLine(proc.out);
    expect(existsSync(database)).toBe(false);
  });
});

describe('logging: client errors are one bounded line below error level; faults stay at error', () => {
  /** An app whose pino output (level info) is captured line by line. */
  function loggedApp() {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const db = openDb(':memory:');
    migrateDb(db);
    seedCatalogue(db);
    const app = buildApp({
      env: testEnv({ OPERATOR_TOKEN, MAX_COST: 5000 }),
      db,
      logger: pino({ level: 'info' }, stream),
    });
    const gql = async (
      query: string,
      variables: Record<string, unknown> = {},
      token: string | null = OPERATOR_TOKEN,
    ) => {
      const body = JSON.stringify({ query, variables });
      const res = await app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body,
      });
      return (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
    };
    const logs = () => lines.map((l) => ({ raw: l, ...(JSON.parse(l) as { level: number; msg: string }) }));
    return { app, db, gql, logs, lines };
  }

  it('bad token, bad input, bad cursor and over-cost (with megabyte inputs) log at info/warn, one short line each', async () => {
    const { app, gql, logs } = loggedApp();
    const MB = 'y'.repeat(1_000_000);
    const cases: [string, string, Record<string, unknown>, string | null, string][] = [
      ['bad token', '{ viewer { role } }', {}, 'not-a-token', 'UNAUTHENTICATED'],
      ['megabyte token', '{ viewer { role } }', {}, MB, 'UNAUTHENTICATED'],
      [
        'bad input',
        'query($s: String) { partners(filter: { search: $s }) { totalCount } }',
        { s: MB },
        OPERATOR_TOKEN,
        'BAD_USER_INPUT',
      ],
      [
        'bad cursor',
        'query($a: String) { partners(after: $a) { totalCount } }',
        { a: MB },
        OPERATOR_TOKEN,
        'BAD_USER_INPUT',
      ],
      [
        'over cost',
        '{ peeringServices(first: 100) { edges { node { prefixes(first: 100) { edges { node { events(first: 100) { edges { node { summary } } } } } } } } } }',
        {},
        OPERATOR_TOKEN,
        'QUERY_TOO_COMPLEX',
      ],
    ];
    for (const [label, query, variables, token, code] of cases) {
      const before = logs().length;
      const res = await gql(query, variables, token);
      expect(res.errors?.[0]?.extensions?.code, label).toBe(code);
      const written = logs().slice(before);
      expect(written, label).toHaveLength(1);
      expect(written[0]!.level, label).toBeLessThan(50);
      expect(written[0], label).toMatchObject({ msg: 'client error', code });
      expect(written[0]!.raw.length, label).toBeLessThan(600);
      expect(written[0]!.raw, label).not.toMatch(/stack|\bat /);
    }
    await app.stop();
  });

  it('a server fault in a graphql-ws subscription reaches the client masked and is logged once with its cause', async () => {
    const { app, db, logs } = loggedApp();
    const { ws } = await app.start(0, '127.0.0.1');
    const client = createClient({
      url: ws,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    await new Promise<void>((resolve) => client.on('connected', () => resolve()));
    db.$client.close();
    // Subscribing from a cursor reads the event log, which now fails: not the client's fault.
    const failure = await new Promise<unknown>((resolve) =>
      client.subscribe(
        {
          query: 'subscription($after: String) { prefixEvents(after: $after) { ... on PrefixEvent { cursor } } }',
          variables: { after: encodeCursor('evt', 1) },
        },
        { next: (v) => resolve(['next', v]), error: resolve, complete: () => resolve('complete') },
      ),
    );
    expect(failure).toEqual([
      'next',
      {
        errors: [expect.objectContaining({ message: 'Unexpected error.', path: ['prefixEvents'] })],
      },
    ]);
    expect(JSON.stringify(failure)).not.toMatch(/database/);
    const faults = logs().filter((l) => l.level >= 50);
    expect(faults).toHaveLength(1);
    expect(faults[0]!.raw).toMatch(/database connection is not open/);
    await client.dispose();
    await app.stop();
  });

  it('a server fault stays at error with its cause, bounded even when the failed query carried a megabyte', async () => {
    const { app, db, gql, logs } = loggedApp();
    db.$client.close();
    const res = await gql('query($m: String) { partners(filter: { market: $m }) { totalCount } }', {
      m: 'z'.repeat(1_000_000),
    });
    expect(res.errors?.[0]?.message).toBe('Unexpected error.');
    const faults = logs().filter((l) => l.level >= 50);
    expect(faults).toHaveLength(1);
    expect(faults[0]!.raw).toMatch(/database connection is not open/);
    expect(faults[0]!.raw).toMatch(/stack/);
    expect(faults[0]!.raw.length).toBeLessThan(10_000);
    await app.stop();
  });

  it('ingest: a bad token answers 401 without an error-level line; graphql-ws over-size frames log one warning', async () => {
    const { app, logs } = loggedApp();
    const { port } = await app.start(0, '127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${port}/ingest/ris`, {
      method: 'POST',
      headers: { authorization: 'Bearer nope' },
      body: '{}\n',
    });
    expect(res.status).toBe(401);
    const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send('x'.repeat(testEnv().MAX_BODY_BYTES + 1));
    expect(await closed).toBe(1009);
    await new Promise((r) => setTimeout(r, 50));
    await app.stop();
    const written = logs();
    expect(written.filter((l) => l.level >= 50)).toEqual([]);
    expect(written.find((l) => l.msg === 'websocket client broke the protocol')).toMatchObject({ level: 40 });
    for (const line of written) expect(line.raw.length).toBeLessThan(600);
  });
});
