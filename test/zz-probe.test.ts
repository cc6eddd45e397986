import { afterAll, beforeAll, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(() => t.close());

it('probe', async () => {
  const r2 = await t.fetch('/graphql', { headers: { accept: 'text/html' } });
  const html = await r2.text();
  for (const w of ['unpkg', 'jsdelivr', 'cdnjs', 'googleapis', 'https://']) {
    const i = html.indexOf(w); console.log(w, i, i >= 0 ? html.slice(i - 100, i + 100) : '');
  }
  console.log([...html.matchAll(/<script[^>]*src=["']([^"']+)/g)].map(m => m[1]));
  console.log([...html.matchAll(/<link[^>]*href=["'](http[^"']+)/g)].map(m => m[1]));
});
