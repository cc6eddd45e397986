import { decodeGlobalID } from '@pothos/plugin-relay';
import type DataLoader from 'dataloader';
import { GraphQLError, Kind } from 'graphql';
import { isAsn } from '../domain/bgp.js';
import { USER_ERROR_CODES, type UserError } from '../errors.js';
import { builder } from './builder.js';

export const DateTimeScalar = builder.scalarType('DateTime', {
  description: 'An instant as an ISO-8601 UTC string, e.g. 2026-11-28T05:21:01.000Z.',
  serialize: (value) => new Date(value).toISOString(),
  parseValue: (value) => {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
      throw new TypeError('DateTime must be an ISO-8601 string');
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

export const UserErrorCodeEnum = builder.enumType('UserErrorCode', {
  description: 'Why a mutation refused its input. Nothing is written when any user error is returned.',
  values: Object.fromEntries(USER_ERROR_CODES.map((code) => [code, { value: code }])) as Record<
    (typeof USER_ERROR_CODES)[number],
    { value: (typeof USER_ERROR_CODES)[number] }
  >,
});

export const UserErrorRef = builder.objectRef<UserError>('UserError').implement({
  description: 'An expected failure, returned as data.',
  fields: (t) => ({
    code: t.field({ type: UserErrorCodeEnum, resolve: (e) => e.code }),
    field: t.stringList({
      nullable: true,
      description: 'Path to the offending input field, e.g. ["input", "prefixes", "0", "prefix"].',
      resolve: (e) => e.field,
    }),
    message: t.exposeString('message'),
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

/** Defines `<Name>Payload { <field>: <type> (nullable), userErrors: [UserError!]! }`. */
// biome-ignore lint/suspicious/noExplicitAny: Pothos output refs are generic over their shape.
export function payloadType<T>(name: string, field: string, type: any, description?: string) {
  return builder.objectRef<Payload<T>>(name).implement({
    description,
    fields: (t) => ({
      [field]: t.field({ type, nullable: true, resolve: (p: Payload<T>) => p.result as never }),
      userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
    }),
  });
}

/** Node loading for `node`/`nodes`: rows the viewer may not see (and failed loads) resolve to null. */
export async function loadNodes<T>(loader: DataLoader<number, T | null>, ids: readonly (string | number)[]) {
  return (await loader.loadMany(ids.map(Number))).map((row) => (row instanceof Error ? null : row));
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
