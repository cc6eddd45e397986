import { decodeGlobalID } from '@pothos/plugin-relay';
import type DataLoader from 'dataloader';
import { type FieldNode, GraphQLError, type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import { isAsn } from '../domain/bgp.js';
import { USER_ERROR_CODES, type UserError } from '../errors.js';
import { type ColumnSet, columnSet } from '../services/pagination.js';
import { builder } from './builder.js';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

export const DateTimeScalar = builder.scalarType('DateTime', {
  description:
    'An instant as an ISO-8601 UTC string with milliseconds, e.g. 2026-11-28T05:21:01.000Z. As input: ISO-8601 date ' +
    'and time with `Z` or an offset (e.g. 2026-11-28T05:21:01Z, 2026-11-28T06:21:01+01:00); anything else, a time ' +
    'without a zone included, is a GraphQL error (BAD_USER_INPUT).',
  serialize: (value) => new Date(value).toISOString(),
  parseValue: (value) => {
    // A zone is required: without one, Date.parse would read the time in the server's own time zone.
    if (typeof value !== 'string' || !ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
      throw new GraphQLError(
        'DateTime must be an ISO-8601 date and time with Z or an offset, e.g. 2026-11-28T05:21:01Z',
        { extensions: { code: 'BAD_USER_INPUT' } },
      );
    }
    return new Date(value);
  },
});

/**
 * ASNs are 4 octets (RFC 6793), beyond GraphQL Int's 32-bit signed range. Input coercion lets every JSON number
 * through, so that a mutation can answer an out-of-range or fractional value with a user error for that item
 * (INVALID_INPUT) instead of failing the whole request; only a non-number is a GraphQL error (BAD_USER_INPUT).
 */
export const AsnScalar = builder.scalarType('ASN', {
  description:
    'An autonomous system number, 0..4294967295 (RFC 6793), serialized as a JSON number. 4-byte ASNs above ' +
    '2147483647 (e.g. the private range 4200000000-4294967294, RFC 6996) are valid values and round-trip exactly. ' +
    'As input, a number that is not an integer in range is answered with a userError (INVALID_INPUT) on that item; ' +
    'a value that is not a number at all is a GraphQL error (BAD_USER_INPUT).',
  serialize: (value) => {
    if (!isAsn(value)) throw new TypeError(`ASN cannot represent ${String(value)}`);
    return value;
  },
  parseValue: (value) => {
    if (typeof value !== 'number') {
      throw new GraphQLError(`ASN must be a JSON number, got ${JSON.stringify(value)}`, {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return value;
  },
  parseLiteral: (node) => {
    if (node.kind !== Kind.INT && node.kind !== Kind.FLOAT) {
      throw new GraphQLError('ASN must be a number literal', { nodes: node, extensions: { code: 'BAD_USER_INPUT' } });
    }
    return Number(node.value);
  },
});

/** What each user error code means, as the docs pane shows it. */
const USER_ERROR_CODE_DESCRIPTIONS: Record<(typeof USER_ERROR_CODES)[number], string> = {
  INVALID_INPUT:
    'A malformed value: a name that breaks its pattern, a tag or text too long, an ASN out of range, a bad address, ' +
    'a timestamp out of range, or a field missing or not applicable for the case (e.g. customerId for a token role).',
  INVALID_PREFIX: 'Not a valid IPv4/IPv6 CIDR, host bits set, or a wrong prefix length.',
  PRIVATE_PREFIX:
    'The prefix overlaps private or special-use address space (RFC 1918, RFC 6598, loopback, link-local, multicast, ' +
    'reserved, unique local (ULA), IPv4-mapped...).',
  PREFIX_OVERLAP:
    'The prefix equals, contains or is inside a prefix already registered on any peering service (or in the same ' +
    'request), or, for registerPartnerPrefix, one registered by another partner.',
  PREFIX_KEY_MISMATCH:
    "The prefix key is unknown, or was not issued by the peering service's partner for this prefix or one covering it.",
  NOT_FOUND: 'A referenced id does not exist, is malformed, or names something the caller may not see.',
  PEERING_LOCATION_NOT_SERVED: 'The partner does not peer with Microsoft at that peering location.',
  INSUFFICIENT_SESSIONS:
    'The partner has fewer than 2 sessions on distinct routers at the primary location, or none at the backup location.',
  SAME_PRIMARY_AND_BACKUP: 'The backup peering location is the same as the primary one.',
  LOCATION_UNKNOWN: 'The country/state pair is not in the customer location catalogue (see customerLocations).',
  PROVIDER_UNAVAILABLE:
    'The partner has no peering location within 1000 miles of the customer location (see providerAvailability).',
  NAME_TAKEN:
    'The name is already used (case-insensitive): by another peering service of the customer, another prefix of ' +
    'the service, another customer or another partner.',
  FORBIDDEN: "The caller's role may not do this, or not for this customer or partner.",
  LIMIT_EXCEEDED:
    'Too many items: a batch over 10,000, more than 200 prefixes per service, 50 tags, 16 origin or 64 upstream ' +
    'ASNs, 20 markets or 200 peering locations.',
};

export const UserErrorCodeEnum = builder.enumType('UserErrorCode', {
  description:
    'Why a mutation refused its input (UserError.code). Nothing is written when any user error is returned, except ' +
    'by the ingest mutations, which keep the good items of a batch.',
  values: Object.fromEntries(
    USER_ERROR_CODES.map((code) => [code, { value: code, description: USER_ERROR_CODE_DESCRIPTIONS[code] }]),
  ) as Record<(typeof USER_ERROR_CODES)[number], { value: (typeof USER_ERROR_CODES)[number]; description: string }>,
});

export const UserErrorRef = builder.objectRef<UserError>('UserError').implement({
  description:
    "An expected failure of a mutation, returned as data in the payload's `userErrors` (HTTP 200, no GraphQL error).",
  fields: (t) => ({
    code: t.expose('code', {
      type: UserErrorCodeEnum,
      description: 'What kind of failure, for programs.',
    }),
    field: t.stringList({
      nullable: true,
      description:
        'Path to the offending input field, e.g. ["input", "prefixes", "0", "prefix"]; null when the error is about ' +
        'the whole request (e.g. FORBIDDEN).',
      resolve: (e) => e.field,
    }),
    message: t.exposeString('message', { description: 'What went wrong, in English, for people.' }),
  }),
});

/**
 * Decodes a global id of the given type(s) to its numeric key; null when it is malformed or of another type
 * (mutations then answer NOT_FOUND; a bad id never throws).
 */
export function decodeId(globalId: string | null | undefined, ...typenames: string[]): number | null {
  if (globalId == null) return null;
  try {
    const { typename, id } = decodeGlobalID(globalId);
    if (!typenames.includes(typename) || !/^\d{1,15}$/.test(id)) return null;
    return Number(id);
  } catch {
    return null;
  }
}

/** Standard payload fields: userErrors plus one nullable result field. */
export interface Payload<T> {
  result: T | null;
  userErrors: UserError[];
}

import type { Result } from '../errors.js';

export function toPayload<T>(result: Result<T>): Payload<T> {
  return result.ok ? { result: result.value, userErrors: [] } : { result: null, userErrors: result.errors };
}

export const USER_ERRORS_DESCRIPTION =
  'Why the input was refused; empty on success. When it is not empty, nothing was written.';

/** Defines `<Name>Payload { <field>: <type> (nullable), userErrors: [UserError!]! }`, with descriptions. */
export function payloadType<T>(
  name: string,
  field: string,
  // biome-ignore lint/suspicious/noExplicitAny: Pothos output refs are generic over their shape.
  type: any,
  description: string,
  fieldDescription: string,
) {
  return builder.objectRef<Payload<T>>(name).implement({
    description,
    fields: (t) => ({
      [field]: t.field({
        type,
        nullable: true,
        description: `${fieldDescription} null when there are userErrors.`,
        resolve: (p: Payload<T>) => p.result as never,
      }),
      userErrors: t.field({ type: [UserErrorRef], description: USER_ERRORS_DESCRIPTION, resolve: (p) => p.userErrors }),
    }),
  });
}

/** Node loading for `node`/`nodes`: rows the viewer may not see (and failed loads) resolve to null. */
export async function loadNodes<T>(loader: DataLoader<number, T | null>, ids: readonly (string | number)[]) {
  return (await loader.loadMany(ids.map(Number))).map((row) => (row instanceof Error ? null : row));
}

/**
 * A loaded row for a field the schema declares non-null, handed on as the loader's promise (no async wrapper around
 * it: one promise and one microtask less per object). A missing row still fails that field, as graphql-js refuses null
 * for a non-null field.
 */
export function required<T>(row: T | null | Promise<T | null>): T | Promise<T> {
  return row as T | Promise<T>;
}

export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  description: 'Sort direction of a list.',
  values: {
    ASC: { value: 'ASC', description: 'Oldest (lowest) first.' },
    DESC: { value: 'DESC', description: 'Newest (highest) first.' },
  } as const,
});

/**
 * An `orderBy` input of a list, GitHub style: `{ field, direction }`. Every field orders by a key that only grows
 * (creation order), so cursors stay valid in both directions.
 */
export function orderInput<const F extends string>(
  name: string,
  fieldEnumName: string,
  fields: Record<F, string>,
  defaultField: F,
  description: string,
) {
  const fieldEnum = builder.enumType(fieldEnumName, {
    description: `What ${name.replace(/Order$/, '')} lists can be ordered by.`,
    values: Object.fromEntries(
      Object.entries(fields).map(([value, text]) => [value, { value, description: text as string }]),
    ) as Record<F, { value: F; description: string }>,
  });
  return builder.inputType(name, {
    description,
    fields: (t) => ({
      field: t.field({
        type: fieldEnum,
        required: true,
        defaultValue: defaultField as never,
        description: 'The key to order by.',
      }),
      direction: t.field({
        type: OrderDirectionEnum,
        required: true,
        defaultValue: 'ASC',
        description: 'ASC (oldest first, the default) or DESC (newest first).',
      }),
    }),
  });
}

/** Names of the fields a selection set asks for, fragments followed. */
function selectedFieldNames(
  selections: SelectionSetNode | undefined,
  info: GraphQLResolveInfo,
  names: Set<string>,
  seen: Set<string>,
): void {
  for (const selection of selections?.selections ?? []) {
    if (selection.kind === Kind.FIELD) names.add(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) selectedFieldNames(selection.selectionSet, info, names, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      selectedFieldNames(info.fragments[selection.name.value]?.selectionSet, info, names, seen);
    }
  }
}

/** The selection sets of the fields named `name` in `selections` (fragments followed). */
function subSelections(
  selections: SelectionSetNode | undefined,
  name: string,
  info: GraphQLResolveInfo,
  out: SelectionSetNode[],
  seen: Set<string>,
): void {
  for (const selection of selections?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === name && selection.selectionSet) out.push(selection.selectionSet);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) subSelections(selection.selectionSet, name, info, out, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      subSelections(info.fragments[selection.name.value]?.selectionSet, name, info, out, seen);
    }
  }
}

const connectionColumnsCache = new WeakMap<readonly FieldNode[], ColumnSet | null>();

/**
 * The row columns the items of a connection field need: the columns (`columnsOf`) of every field asked for on its
 * items (`edges { node }` and `nodes`), plus `always`; null (the whole row) when a field asked for is not in
 * `columnsOf`. @skip and @include are not evaluated (a skipped field still counts), so the answer depends on the
 * document only and is kept per field node list.
 */
export function connectionColumns(
  info: GraphQLResolveInfo,
  columnsOf: Readonly<Record<string, readonly string[]>>,
  always: readonly string[],
): ColumnSet | null {
  const cached = connectionColumnsCache.get(info.fieldNodes);
  if (cached !== undefined) return cached;
  const items: SelectionSetNode[] = [];
  for (const field of info.fieldNodes) {
    const edges: SelectionSetNode[] = [];
    subSelections(field.selectionSet, 'edges', info, edges, new Set());
    for (const edge of edges) subSelections(edge, 'node', info, items, new Set());
    subSelections(field.selectionSet, 'nodes', info, items, new Set());
  }
  const fields = new Set<string>();
  for (const item of items) selectedFieldNames(item, info, fields, new Set());
  const columns = new Set(always);
  let result: ColumnSet | null = null;
  let known = true;
  for (const field of fields) {
    const needs = field === '__typename' ? [] : Object.hasOwn(columnsOf, field) ? columnsOf[field] : undefined;
    if (!needs) {
      known = false;
      break;
    }
    for (const column of needs) columns.add(column);
  }
  if (known) result = columnSet(columns);
  connectionColumnsCache.set(info.fieldNodes, result);
  return result;
}
