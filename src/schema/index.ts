import { encodeGlobalID } from '@pothos/plugin-relay';
import {
  type GraphQLFieldResolver,
  type GraphQLSchema,
  isEnumType,
  isObjectType,
  lexicographicSortSchema,
  printSchema,
  printType,
} from 'graphql';
import { builder, costError } from './builder.js';
import { checkCostAtRootFields } from './cost.js';
import './common.js';
import './catalogue/types.js';
import './catalogue/queries.js';
import './catalogue/mutations.js';
import './identity/types.js';
import './identity/operations.js';
import './registration/types.js';
import './registration/operations.js';
import './telemetry/types.js';
import './telemetry/queries.js';
import './telemetry/mutations.js';
import './telemetry/subscriptions.js';
import './feeds/types.js';
import './feeds/queries.js';

/** Global ids kept per type before the memo starts over (about 100 bytes each). */
const GLOBAL_IDS_KEPT = 20_000;

/**
 * A type's global ids by raw id: an id is the same string for ever, and a dashboard encodes the same 300 on every
 * request (a UTF-8 buffer and a base64 string each). Bounded: past GLOBAL_IDS_KEPT ids it starts over.
 */
class GlobalIds {
  private readonly known = new Map<string | number | bigint, string>();

  constructor(private readonly typename: string) {}

  of(id: string | number | bigint): string {
    let globalId = this.known.get(id);
    if (globalId === undefined) {
      globalId = encodeGlobalID(this.typename, String(id));
      if (this.known.size >= GLOBAL_IDS_KEPT) this.known.clear();
      this.known.set(id, globalId);
    }
    return globalId;
  }
}

/**
 * Served as defined: enum values keep their meaningful order in introspection (EventLevel from INFORMATION to
 * CRITICAL, LatencyRange from 6 hours to 30 days), where sorting would list CRITICAL first and 12h after 7d.
 */
export const schema = checkCostAtRootFields(
  readRelayPropertiesInline(encodeNodeIdsInPlace(builder.toSchema({ sortSchema: false }))),
  (ctx) => ctx.deps.env.MAX_COST,
  costError,
);

/**
 * plugin-relay resolves every `id` of a Node type through an async function, so each object with an `id` in an answer
 * costs a promise, a microtask and an asynchronous completion of the object around it (300 of them for a dashboard of
 * 50 services and 250 prefixes). Our id resolvers read a column, so the same global id (plugin-relay's
 * `encodeGlobalID`) is computed synchronously; a resolver that gave a promise would still go the original way.
 */
function encodeNodeIdsInPlace(built: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(built.getTypeMap())) {
    if (!isObjectType(type) || !type.getInterfaces().some((i) => i.name === 'Node')) continue;
    const rawId = (type.extensions.pothosOptions as { id?: { resolve?: GraphQLFieldResolver<unknown, unknown> } })?.id
      ?.resolve;
    const field = type.getFields().id;
    const original = field?.resolve;
    if (!field || !rawId || !original) continue;
    const globalIds = new GlobalIds(type.name);
    field.resolve = (parent, args, context, info) => {
      const id = rawId(parent, args, context, info);
      if (typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint') return globalIds.of(id);
      return original(parent, args, context, info);
    };
  }
  return built;
}

/**
 * plugin-relay gives every connection's `edges` and `pageInfo` and every edge's `node` a resolver that reads the
 * property of the same name (`(parent) => parent.node`), which is what a field without a resolver does. Without one,
 * graphql-jit reads the property inline instead of calling a function with a resolve-info object built for it: about
 * 350 calls and objects fewer for a dashboard of 50 services and 250 prefixes. A resolver that reads anything else
 * (checked by handing it a probe) is kept.
 */
function readRelayPropertiesInline(built: GraphQLSchema): GraphQLSchema {
  const relayFields: Record<string, string[]> = { Connection: ['edges', 'pageInfo'], Edge: ['node'] };
  for (const type of Object.values(built.getTypeMap())) {
    if (!isObjectType(type)) continue;
    const suffix = type.name.endsWith('Connection') ? 'Connection' : type.name.endsWith('Edge') ? 'Edge' : null;
    if (!suffix) continue;
    for (const name of relayFields[suffix]!) {
      const field = type.getFields()[name];
      if (!field?.resolve) continue;
      const probe = {};
      let readsProperty = false;
      try {
        readsProperty = field.resolve({ [name]: probe }, {}, undefined, undefined as never) === probe;
      } catch {}
      if (readsProperty) field.resolve = undefined;
    }
  }
  return built;
}

/**
 * The SDL committed as schema/schema.graphql: types and fields sorted by name so diffs stay small, enum values in
 * their defined order (sort types, not values).
 */
export function printedSchema(): string {
  let sdl = printSchema(lexicographicSortSchema(schema));
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isEnumType(type) || type.name.startsWith('__')) continue;
    const start = sdl.indexOf(`\nenum ${type.name} {\n`);
    if (start < 0) throw new Error(`printedSchema: enum ${type.name} not found in the printed SDL`);
    const end = sdl.indexOf('\n}\n', start) + 3;
    // printType prints the description too; keep the block's description as lexicographicSortSchema printed it
    const definition = printType(type);
    const body = definition.slice(definition.indexOf(`enum ${type.name} {`));
    sdl = `${sdl.slice(0, start + 1)}${body}${sdl.slice(end - 1)}`;
  }
  return `${sdl}\n`;
}
