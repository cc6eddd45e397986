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

/** The error of an operation over MAX_COST (thrown by its root fields, see src/schema/cost.ts). */
export const costError = (kind: string, result: { complexity: number; maxComplexity: number }) =>
  new DomainError(
    `Query ${kind.toLowerCase()} ${result.complexity} exceeds the limit of ${result.maxComplexity}; ask for smaller pages or fewer fields`,
    'QUERY_TOO_COMPLEX',
  );

export const builder = new SchemaBuilder<PothosTypes>({
  plugins: [ComplexityPlugin, RelayPlugin],
  defaultFieldNullability: false,
  complexity: {
    /**
     * Cost = each field 1, times the page size for connections (first/last, default 20), times 10 for other
     * lists; `edges`/`nodes` inside a connection are already counted by the connection's multiplier.
     * Checked before any root field runs, on every transport (it is part of the schema), by src/schema/cost.ts:
     * plugin-complexity's own check, which computes the cost again on every request, is off.
     */
    disabled: true,
    fieldComplexity: (args, _ctx, field) => {
      const size = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : null;
      if (field.args.some((a) => a.name === 'first')) return { field: 1, multiplier: Math.max(1, size ?? 20) };
      if (field.name === 'edges' || field.name === 'nodes') {
        return { field: 0, multiplier: Array.isArray(args.ids) ? args.ids.length : 1 };
      }
      return isListType(getNullableType(field.type)) ? { field: 1, multiplier: 10 } : 1;
    },
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesOnConnection: {
      description:
        'The items of this page, in order: a shortcut for `edges { node }` when no cursor per item is needed.',
    },
    brandLoadedObjects: true,
    // Descriptions of the Relay plumbing (Node, node/nodes, PageInfo, edges, paging arguments) shown in GraphiQL.
    nodeTypeOptions: {
      description:
        'An object with a global id. Every entity implements it (Partner, PeeringLocation, PeeringSession, Customer, ' +
        'PeeringService, Prefix, PrefixEvent, ApiToken); `Query.node(id:)` fetches any of them by that id.',
    },
    idFieldOptions: {
      description:
        'Opaque global id, stable for the life of the object. Pass it as-is to `node(id:)` and to id arguments.',
    },
    nodeQueryOptions: {
      description:
        'Fetches any entity by its global id. null when the id is malformed, of another kind, unknown, or names ' +
        'something the caller may not see (never an error, so ids cannot be probed).',
      args: { id: { description: 'A global id, as returned in any `id` field.' } },
    },
    nodesQueryOptions: {
      description:
        'Fetches several entities by global id, in the order given; each id that `node(id:)` would answer with null ' +
        "gives a null entry. The selection's cost counts once per id against the query cost limit.",
      args: { ids: { description: 'Global ids, as returned in `id` fields.' } },
    },
    pageInfoTypeOptions: {
      description: 'Where a page sits in its list, and the cursors to ask for the next or previous page.',
    },
    hasNextPageFieldOptions: {
      description:
        'More items follow this page (when paging forward with `first`/`after`); always false when paging backward ' +
        '(`last`/`before`).',
    },
    hasPreviousPageFieldOptions: {
      description:
        'More items precede this page (when paging backward with `last`/`before`); always false when paging forward.',
    },
    startCursorFieldOptions: { description: 'Cursor of the first item of the page; null when the page is empty.' },
    endCursorFieldOptions: { description: 'Cursor of the last item of the page; null when the page is empty.' },
    pageInfoFieldOptions: { description: 'Paging state: whether more items exist and the cursors to fetch them.' },
    edgesFieldOptions: { description: 'The items of this page, in order, each with its cursor.' },
    nodeFieldOptions: { description: 'The item.' },
    cursorFieldOptions: {
      description: 'Opaque cursor of this item; pass it as `after` or `before` to page from here.',
    },
    firstArgOptions: {
      description:
        'Page size from the start (or from `after`): 1..100, default 20. Anything else, or `first` together with ' +
        '`last`, is a GraphQL error with extensions.code BAD_USER_INPUT.',
    },
    afterArgOptions: {
      description:
        'Returns the items after this cursor (an `endCursor` or `cursor` from this same list). A malformed cursor, ' +
        'or one from a list of another type, is BAD_USER_INPUT.',
    },
    lastArgOptions: {
      description:
        'Page size from the end (or before `before`): 1..100. Gives the newest items of a list ordered oldest first; ' +
        'out of range, or together with `first`, is BAD_USER_INPUT.',
    },
    beforeArgOptions: {
      description:
        'Returns the items before this cursor (a `startCursor` or `cursor` from this same list). A malformed cursor, ' +
        'or one from a list of another type, is BAD_USER_INPUT.',
    },
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
  description:
    'Writes. Each takes one `input` and returns `userErrors`; on any user error nothing is written (the ingest ' +
    "mutations excepted: they keep a batch's good items).",
});
builder.subscriptionType({ description: 'Live telemetry over graphql-ws or SSE (same auth and limits as HTTP).' });
