import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import RelayPlugin, { decodeGlobalID } from '@pothos/plugin-relay';
import { getNullableType, isListType } from 'graphql';
import type { Context } from '../context.js';
import { DomainError } from '../errors.js';

/** Configuration only: plugins, scalars' shapes, root types. Types live in the domain folders. */
export interface PothosTypes {
  Context: Context;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | number };
    /** Any JSON number comes in (the services range-check it and answer user errors); ASNs go out. */
    ASN: { Input: number; Output: number };
    ID: { Input: string; Output: string | number };
  };
}

/** Types that implement Node (their global ids are "<Type>:<integer>"). */
const NODE_TYPES = new Set([
  'Partner',
  'PeeringLocation',
  'PeeringSession',
  'Customer',
  'PeeringService',
  'Prefix',
  'PrefixEvent',
  'ApiToken',
]);

export const builder = new SchemaBuilder<PothosTypes>({
  plugins: [ComplexityPlugin, RelayPlugin],
  defaultFieldNullability: false,
  complexity: {
    /**
     * Cost = each field 1, times the page size for connections (first/last, default 20), times 10 for other
     * lists; `edges`/`nodes` inside a connection are already counted by the connection's multiplier.
     * Checked before any root field runs, on every transport (it is part of the schema).
     */
    fieldComplexity: (args, _ctx, field) => {
      const size = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : null;
      if (field.args.some((a) => a.name === 'first')) return { field: 1, multiplier: Math.max(1, size ?? 20) };
      if (field.name === 'edges' || field.name === 'nodes') {
        return { field: 0, multiplier: Array.isArray(args.ids) ? args.ids.length : 1 };
      }
      return isListType(getNullableType(field.type)) ? { field: 1, multiplier: 10 } : 1;
    },
    limit: (ctx) => ({ complexity: ctx.deps.env.MAX_COST }),
    complexityError: (kind, result) =>
      new DomainError(
        `Query ${kind.toLowerCase()} ${result.complexity} exceeds the limit of ${result.maxComplexity}; ask for smaller pages or fewer fields`,
        'QUERY_TOO_COMPLEX',
      ),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesOnConnection: true,
    brandLoadedObjects: true,
    // A malformed id, or one of a type that is not a node, resolves like an id that does not exist: to null
    // (node) or a null entry (nodes), never an error that tells ids apart.
    decodeGlobalID: (globalID) => {
      try {
        const decoded = decodeGlobalID(globalID);
        if (NODE_TYPES.has(decoded.typename) && /^\d{1,15}$/.test(decoded.id)) return decoded;
      } catch {}
      return { typename: 'Partner', id: '0' };
    },
  },
});

builder.queryType({ description: 'Reads. The partner catalogue is public; everything else needs a token.' });
builder.mutationType({
  description: 'Writes. Each takes one `input` and returns `userErrors`; on any error nothing is written.',
});
builder.subscriptionType({ description: 'Live telemetry over graphql-ws or SSE (same auth and limits as HTTP).' });
