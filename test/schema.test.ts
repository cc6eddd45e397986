import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, findBreakingChanges } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../src/schema/index.js';
import { createTestApp } from './helpers/app.js';

const committedFile = new URL('../schema/schema.graphql', import.meta.url);
/** ../shared sits next to the repository in the workspace; a fresh clone has no such folder. */
const contractFile = new URL('../../shared/contract.graphql', import.meta.url);
const contractExists = existsSync(contractFile);
if (!contractExists) {
  console.warn(
    `schema.test.ts: ${fileURLToPath(contractFile)} is absent (fresh clone?); the contract compatibility test is skipped.`,
  );
}

/**
 * Markers of names whose issue is still open. The contract may mark a name "(hardening)" or "(feeds)"; a marked name
 * is exempt only while its issue is open. Both issues are done: nothing is exempt, and the test covers every name.
 */
const EXEMPT_MARKERS: string[] = [];

/**
 * The contract without the lines that carry an exempt marker: a marked field line, a marked one-line type or enum,
 * or a marked `type X {` and its whole block.
 */
function withoutExempt(contract: string, markers: string[]): { sdl: string; exempted: string[] } {
  const out: string[] = [];
  const exempted: string[] = [];
  const lines = contract.split('\n');
  const marked = (line: string) => markers.some((m) => line.includes(`# ${m}`));
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!marked(line)) {
      out.push(line);
      continue;
    }
    exempted.push(line.replace(/#.*$/, '').trim());
    const opensBlock = /\{\s*(#.*)?$/.test(line) && !line.includes('}');
    if (opensBlock) {
      while (i < lines.length && !/^\}/.test(lines[i] as string)) i++;
    }
    // a description string right above a removed definition goes with it
    if (/^\s*"[^"]*"\s*$/.test(out.at(-1) ?? '')) out.pop();
  }
  return { sdl: out.join('\n'), exempted };
}

describe('schema', () => {
  it('schema/schema.graphql is the schema printed from code', () => {
    const committed = readFileSync(committedFile, 'utf8');
    expect(committed === printedSchema(), 'schema/schema.graphql is out of date: run `npm run schema:print`').toBe(
      true,
    );
  });

  it.skipIf(!contractExists)('has no breaking change against ../shared/contract.graphql (no name exempt)', () => {
    const { sdl, exempted } = withoutExempt(readFileSync(contractFile, 'utf8'), EXEMPT_MARKERS);
    // nothing is left out: the marked names are compared like every other
    expect(exempted).toEqual([]);
    for (const marked of ['scalar ASN', 'revokeApiToken', 'enum BgpSessionState', 'enum FeedKind', 'type Feed {']) {
      expect(sdl).toContain(marked);
    }
    expect(sdl).toMatch(/feeds: \[Feed!\]/);
    expect(sdl).toMatch(/state: BgpSessionState!/);
    const contract = buildSchema(sdl);
    const served = buildSchema(printedSchema());
    const breaking = findBreakingChanges(contract, served).map((c) => `${c.type}: ${c.description}`);
    expect(breaking).toEqual([]);
  });

  it.skipIf(!contractExists)('covers the "(hardening)" names: each is served', () => {
    const contract = readFileSync(contractFile, 'utf8');
    const served = buildSchema(printedSchema());
    expect(served.getType('ASN')).toBeDefined();
    expect(served.getType('ApiToken')).toBeDefined();
    expect(served.getQueryType()?.getFields().apiTokens).toBeDefined();
    expect(served.getMutationType()?.getFields().revokeApiToken).toBeDefined();
    const event = served.getType('PrefixEvent') as import('graphql').GraphQLObjectType;
    expect(event.getFields().recordedAt).toBeDefined();
    expect(contract.match(/\(hardening\)/g)?.length).toBeGreaterThan(0);
  });

  it('keeps enum values in their meaningful order, in introspection and in the printed SDL', async () => {
    const t = await createTestApp();
    try {
      const data = await t.ok(
        `{ level: __type(name: "EventLevel") { enumValues { name } } range: __type(name: "LatencyRange") { enumValues { name } } }`,
        {},
        null,
      );
      const names = (x: { enumValues: { name: string }[] }) => x.enumValues.map((v) => v.name);
      expect(names(data.level)).toEqual(['INFORMATION', 'WARNING', 'ERROR', 'CRITICAL']);
      expect(names(data.range)).toEqual(['LAST_6_HOURS', 'LAST_12_HOURS', 'LAST_1_DAY', 'LAST_7_DAYS', 'LAST_30_DAYS']);
      const sdl = printedSchema();
      const block = sdl.slice(sdl.indexOf('enum EventLevel {'), sdl.indexOf('}', sdl.indexOf('enum EventLevel {')));
      expect(block.match(/[A-Z]{4,}/g)).toEqual(['INFORMATION', 'WARNING', 'ERROR', 'CRITICAL']);
      // types stay sorted by name
      const typeNames = [...sdl.matchAll(/^(?:type|enum|input|interface|union|scalar) (\w+)/gm)].map((m) => m[1]!);
      expect(typeNames).toEqual([...typeNames].sort());
    } finally {
      await t.close();
    }
  });

  it.skipIf(!contractExists)('covers the "(feeds)" names: each is served as the contract types it', () => {
    const contract = readFileSync(contractFile, 'utf8');
    expect(contract.match(/\(feeds\)/g)?.length).toBeGreaterThan(0);
    const served = buildSchema(printedSchema());
    const enumValues = (name: string) =>
      (served.getType(name) as import('graphql').GraphQLEnumType).getValues().map((v) => v.name);
    expect([...enumValues('BgpSessionState')].sort()).toEqual(['DOWN', 'ESTABLISHED', 'UNKNOWN']);
    expect([...enumValues('FeedKind')].sort()).toEqual(['EXABGP', 'HTTP', 'RIS_LIVE']);
    const fields = (name: string) =>
      Object.fromEntries(
        Object.values((served.getType(name) as import('graphql').GraphQLObjectType).getFields()).map((f) => [
          f.name,
          String(f.type),
        ]),
      );
    expect(fields('PeeringSession')).toMatchObject({ state: 'BgpSessionState!', stateChangedAt: 'DateTime' });
    expect(fields('Feed')).toMatchObject({
      name: 'String!',
      kind: 'FeedKind!',
      connected: 'Boolean',
      lastMessageAt: 'DateTime',
      messagesReceived: 'Float!',
      reconnects: 'Int!',
    });
    expect(String(served.getQueryType()?.getFields().feeds?.type)).toBe('[Feed!]');
  });
});
