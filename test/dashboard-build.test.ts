import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { buildSchema, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../codegen.js';
import { DASHBOARD_CSP, DASHBOARD_MANIFEST } from '../src/http/dashboard.js';
import { createTestApp, type TestApp } from './helpers/app.js';

/** Issue 10: the dashboard's generated operations stay in step with the schema, and the server serves the page. */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('dashboard typed operations (GraphQL Code Generator)', () => {
  it('the committed web/dashboard/gql/ is what codegen.ts generates from schema/schema.graphql (npm run dashboard:codegen)', async () => {
    const outputs = await generate({ ...config, cwd: ROOT, silent: true, verbose: false }, false);
    expect(outputs.length).toBeGreaterThan(2);
    for (const { filename, content } of outputs) {
      expect(readFileSync(join(ROOT, filename), 'utf8'), `${filename} drifted: run npm run dashboard:codegen`).toBe(
        content,
      );
    }
  }, 60_000);

  it('the manifest holds each operation by its sha256, valid against the schema', () => {
    const schema = buildSchema(readFileSync(join(ROOT, 'schema/schema.graphql'), 'utf8'));
    const manifest = JSON.parse(readFileSync(DASHBOARD_MANIFEST, 'utf8')) as Record<string, string>;
    const names = Object.values(manifest).map((doc) => /^(query|subscription) (\w+)/.exec(doc)?.[2]);
    expect(names.sort()).toEqual(['DashboardState', 'DashboardViewer', 'LatencyState', 'LiveEvents', 'LiveLatency']);
    for (const [hash, doc] of Object.entries(manifest)) {
      expect(hash).toBe(`sha256:${createHash('sha256').update(doc).digest('hex')}`);
      expect(validate(schema, parse(doc))).toEqual([]);
    }
  });
});

describe('GET /dashboard', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp();
    base = (await t.listen()).base;
  });
  afterAll(() => t.close());

  it('serves the page and its bundle from this origin, compressed, under a strict CSP', async () => {
    const page = await fetch(`${base}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    const html = await page.text();
    expect(html).toContain('src="/dashboard/app.js"');
    expect(html).not.toMatch(/https?:\/\//); // nothing from elsewhere

    const js = await fetch(`${base}/dashboard/app.js`, { headers: { 'accept-encoding': 'br' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('content-encoding')).toBe('br');
    const raw = await fetch(`${base}/dashboard/app.js`, { headers: { 'accept-encoding': 'identity' } });
    const text = await raw.text();
    expect(text.length).toBeGreaterThan(10_000);
    expect(Buffer.byteLength(text)).toBe(Number(raw.headers.get('content-length')));
    expect(await js.text()).toBe(text); // fetch decodes br
    expect((await fetch(`${base}/dashboard/app.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(`${base}/dashboard/nope.js`)).status).toBe(404);
    expect((await fetch(`${base}/dashboard`, { method: 'POST', body: 'x' })).status).toBe(405);
  });
});
