import { readFileSync, writeFileSync } from 'node:fs';
import { printedSchema } from '../src/schema/index.js';

/** Writes schema/schema.graphql from code; with --check, exits 1 when the committed file is stale. */
const file = new URL('../schema/schema.graphql', import.meta.url);
const sdl = printedSchema();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {}
  if (current !== sdl) {
    console.error('schema/schema.graphql is out of date: run `npm run schema:print`');
    process.exit(1);
  }
  console.log('schema/schema.graphql is up to date');
} else {
  writeFileSync(file, sdl);
  console.log('wrote schema/schema.graphql');
}
