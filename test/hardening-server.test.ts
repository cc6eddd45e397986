import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';
import { createPartnerWith, serviceWithPrefix, unique } from './helpers/factories.js';
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
