import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, findBreakingChanges } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../src/schema/index.js';

const committedFile = new URL('../schema/schema.graphql', import.meta.url);
/** ../shared sits next to the repository in the workspace; a fresh clone has no such folder. */
const contractFile = new URL('../../shared/contract.graphql', import.meta.url);
const contractExists = existsSync(contractFile);
if (!contractExists) {
  console.warn(
    `schema.test.ts: ${fileURLToPath(contractFile)} is absent (fresh clone?); the contract compatibility test is skipped.`,
  );
}

describe('schema', () => {
  it('schema/schema.graphql is the schema printed from code', () => {
    const committed = readFileSync(committedFile, 'utf8');
    expect(committed === printedSchema(), 'schema/schema.graphql is out of date: run `npm run schema:print`').toBe(
      true,
    );
  });

  it.skipIf(!contractExists)('has no breaking change against ../shared/contract.graphql (no exemptions)', () => {
    const contract = buildSchema(readFileSync(contractFile, 'utf8'));
    const served = buildSchema(printedSchema());
    const breaking = findBreakingChanges(contract, served).map((c) => `${c.type}: ${c.description}`);
    expect(breaking).toEqual([]);
  });
});
