import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../src/env.js';
import { DASHBOARD_MANIFEST } from '../src/http/dashboard.js';
import { createTestApp, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';
import { wsSubscribe } from './helpers/telemetry-kit.js';

/** Issue 9, trusted documents: a manifest of hash -> document, over HTTP and graphql-ws. */

const COUNTRIES = 'query Countries { countries { name } }';
const VIEWER = 'query Viewer { viewer { role } }';
const EVENTS = 'subscription Events { prefixEvents { ... on PrefixEvent { cursor } } }';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

let dir: string;
let manifest: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'peerwatch-persisted-'));
  manifest = join(dir, 'persisted-documents.json');
  writeFileSync(
    manifest,
    JSON.stringify({ [sha(COUNTRIES)]: COUNTRIES, [sha(VIEWER)]: VIEWER, [sha(EVENTS)]: EVENTS }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function post(t: TestApp, body: Record<string, unknown>) {
  const text = JSON.stringify(body);
  const res = await t.fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      authorization: `Bearer ${OPERATOR_TOKEN}`,
    },
    body: text,
  });
  return { status: res.status, json: (await res.json()) as any };
}

describe('PERSISTED_OPERATIONS_ONLY=true', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ PERSISTED_OPERATIONS: manifest, PERSISTED_OPERATIONS_ONLY: true });
    await t.listen();
  });
  afterAll(() => t.close());

  it('runs a trusted document named by documentId or by extensions.persistedQuery', async () => {
    const byId = await post(t, { documentId: sha(COUNTRIES) });
    expect(byId.json.errors).toBeUndefined();
    expect(byId.json.data.countries.length).toBeGreaterThan(10);
    const byHash = await post(t, { extensions: { persistedQuery: { version: 1, sha256Hash: sha(VIEWER) } } });
    expect(byHash.json.data.viewer.role).toBe('OPERATOR');
  });

  it('refuses any other operation with a typed error, and an unknown id', async () => {
    const arbitrary = await post(t, { query: COUNTRIES });
    expect(arbitrary.json.data ?? null).toBeNull();
    expect(arbitrary.json.errors[0].extensions.code).toBe('PERSISTED_OPERATIONS_ONLY');
    const unknown = await post(t, { documentId: sha('query X { countries { name } }') });
    expect(unknown.json.errors[0].extensions.code).toBe('PERSISTED_OPERATION_NOT_FOUND');
    const none = await post(t, {});
    expect(none.json.errors[0].extensions.code).toBe('PERSISTED_OPERATION_ID_REQUIRED');
  });

  it('applies the same rules over graphql-ws', async () => {
    const client = t.wsClient(OPERATOR_TOKEN);
    const persisted = await new Promise<any>((resolve, reject) => {
      let result: any;
      client.subscribe(
        { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: sha(VIEWER) } } },
        { next: (r) => (result = r), error: reject, complete: () => resolve(result) },
      );
    });
    expect(persisted.data.viewer.role).toBe('OPERATOR');

    // an arbitrary subscription is refused; a trusted one stays open
    const refused = wsSubscribe(client, EVENTS);
    const errors = await refused.failed(5000);
    expect(JSON.stringify(errors)).toContain('PERSISTED_OPERATIONS_ONLY');

    const sub = await new Promise<any>((resolve) => {
      const stop = client.subscribe(
        { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: sha(EVENTS) } } },
        { next: () => {}, error: (e) => resolve(e), complete: () => resolve('complete') },
      );
      setTimeout(() => {
        stop();
        resolve('open');
      }, 300);
    });
    expect(sub).toBe('open');
  });
});

describe('PERSISTED_OPERATIONS without _ONLY', () => {
  it('accepts trusted documents and arbitrary queries alike', async () => {
    const t = await createTestApp({ PERSISTED_OPERATIONS: manifest });
    try {
      expect((await post(t, { documentId: sha(COUNTRIES) })).json.data.countries.length).toBeGreaterThan(10);
      expect((await post(t, { query: VIEWER })).json.data.viewer.role).toBe('OPERATOR');
    } finally {
      await t.close();
    }
  });

  it("PERSISTED_OPERATIONS_ONLY without a manifest runs the dashboard's trusted documents only (issue 10)", async () => {
    expect(parseEnv({ PERSISTED_OPERATIONS_ONLY: 'true' }).PERSISTED_OPERATIONS_ONLY).toBe(true);
    const t = await createTestApp({ PERSISTED_OPERATIONS_ONLY: true });
    try {
      const dashboard = Object.entries(
        JSON.parse(readFileSync(DASHBOARD_MANIFEST, 'utf8')) as Record<string, string>,
      ).find(([, doc]) => doc.startsWith('query DashboardViewer'));
      expect((await post(t, { documentId: dashboard![0] })).json.data.viewer.role).toBe('OPERATOR');
      expect((await post(t, { query: VIEWER })).json.errors[0].extensions.code).toBe('PERSISTED_OPERATIONS_ONLY');
      expect((await post(t, { documentId: sha(COUNTRIES) })).json.errors[0].extensions.code).toBe(
        'PERSISTED_OPERATION_NOT_FOUND',
      );
    } finally {
      await t.close();
    }
  });
});
