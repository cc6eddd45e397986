import type { UserError } from '../../errors.js';
import type { CustomerRow } from '../../loaders.js';
import {
  type ApiTokenRecord,
  createApiToken,
  createCustomer,
  listApiTokens,
  revokeApiToken,
} from '../../services/identity.js';
import { builder } from '../builder.js';
import { decodeId, payloadType, toPayload, USER_ERRORS_DESCRIPTION, UserErrorRef } from '../common.js';
import { ApiTokenRef, CustomerRef, RoleEnum, ViewerRef } from './types.js';

const CreateCustomerInput = builder.inputType('CreateCustomerInput', {
  description: 'OPERATOR only.',
  fields: (t) => ({
    name: t.string({
      required: true,
      description: '[A-Za-z0-9_.-]{1,63} (INVALID_INPUT otherwise), unique case-insensitively (NAME_TAKEN otherwise).',
    }),
  }),
});
const CreateCustomerPayload = payloadType<CustomerRow>(
  'CreateCustomerPayload',
  'customer',
  CustomerRef,
  'The result of createCustomer.',
  'The new customer.',
);

const CreateApiTokenInput = builder.inputType('CreateApiTokenInput', {
  description: 'OPERATOR only. The token is shown once; only its hash is stored.',
  fields: (t) => ({
    role: t.field({ type: RoleEnum, required: true, description: 'What the token may do.' }),
    customerId: t.id({
      description:
        'The Customer a CUSTOMER token acts for: required for CUSTOMER tokens, refused (INVALID_INPUT) for others.',
    }),
    partnerId: t.id({
      description:
        'The Partner a PARTNER token acts for: required for PARTNER tokens, refused (INVALID_INPUT) for others.',
    }),
    description: t.string({ description: 'Free text, at most 200 characters (INVALID_INPUT otherwise).' }),
    expiresAt: t.field({
      type: 'DateTime',
      description:
        'The token is refused from this instant on; must be in the future (INVALID_INPUT otherwise). Omit or null: ' +
        'never expires.',
    }),
  }),
});
const CreateApiTokenPayload = builder
  .objectRef<{ token: string | null; apiToken: ApiTokenRecord | null; userErrors: UserError[] }>(
    'CreateApiTokenPayload',
  )
  .implement({
    description: 'The new token (shown once) and its record; both null when there are userErrors.',
    fields: (t) => ({
      token: t.exposeString('token', {
        nullable: true,
        description: 'Send as `Authorization: Bearer <token>`. Shown only here, once.',
      }),
      apiToken: t.expose('apiToken', {
        type: ApiTokenRef,
        nullable: true,
        description: "The token's record (its id revokes it).",
      }),
      userErrors: t.field({ type: [UserErrorRef], description: USER_ERRORS_DESCRIPTION, resolve: (p) => p.userErrors }),
    }),
  });

const RevokeApiTokenInput = builder.inputType('RevokeApiTokenInput', {
  description: 'OPERATOR only.',
  fields: (t) => ({
    apiTokenId: t.id({ required: true, description: 'The ApiToken to revoke (NOT_FOUND when it does not exist).' }),
  }),
});
const RevokeApiTokenPayload = payloadType<ApiTokenRecord>(
  'RevokeApiTokenPayload',
  'apiToken',
  ApiTokenRef,
  'The result of revokeApiToken.',
  "The revoked token's record (revokedAt is the first revocation's time).",
);

/** A given id that does not decode becomes -1, which no row has: the service answers NOT_FOUND. */
const idOrMissing = (id: string | null | undefined, typename: string) =>
  id == null ? null : (decodeId(id, typename) ?? -1);

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    nullable: true,
    description: 'The caller, as identified by its token; null when anonymous (no error).',
    resolve: (_root, _args, ctx) => (ctx.viewer.role === 'ANONYMOUS' ? null : ctx.viewer),
  }),
);

builder.queryField('apiTokens', (t) =>
  t.connection(
    {
      type: ApiTokenRef,
      nullable: true,
      description:
        'OPERATOR only: every API token, oldest first (records, never secrets), revoked and expired ones included. ' +
        'Anyone else gets null with an error (extensions.code UNAUTHENTICATED without a token, FORBIDDEN otherwise).',
      resolve: (_root, args, ctx) => listApiTokens(ctx.deps, ctx.viewer, args),
    },
    {
      name: 'ApiTokenConnection',
      description: 'A page of API tokens.',
      fields: (c) => ({
        totalCount: c.int({
          description: 'How many tokens there are in all.',
          resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount,
        }),
      }),
    },
    { name: 'ApiTokenEdge', description: 'An API token in a page, with its cursor.' },
  ),
);

builder.mutationFields((t) => ({
  createCustomer: t.field({
    type: CreateCustomerPayload,
    description: 'OPERATOR only (others: userError FORBIDDEN). Creates a customer; give it a CUSTOMER token next.',
    args: { input: t.arg({ type: CreateCustomerInput, required: true, description: 'The new customer.' }) },
    resolve: (_root, { input }, ctx) => toPayload(createCustomer(ctx.deps, ctx.viewer, input)),
  }),
  createApiToken: t.field({
    type: CreateApiTokenPayload,
    description:
      'OPERATOR only (others: userError FORBIDDEN). Issues a bearer token for one role; the secret is in the payload ' +
      'once and cannot be read again.',
    args: { input: t.arg({ type: CreateApiTokenInput, required: true, description: 'The new token.' }) },
    resolve: (_root, { input }, ctx) => {
      const result = createApiToken(ctx.deps, ctx.viewer, {
        ...input,
        customerId: idOrMissing(input.customerId, 'Customer'),
        partnerId: idOrMissing(input.partnerId, 'Partner'),
        expiresAt: input.expiresAt ?? null,
      });
      return result.ok
        ? { ...result.value, userErrors: [] }
        : { token: null, apiToken: null, userErrors: result.errors };
    },
  }),
  revokeApiToken: t.field({
    type: RevokeApiTokenPayload,
    description:
      'OPERATOR only. The token is refused from now on, and its open sockets (closed with 4403) and streams end. ' +
      'Revoking again keeps the first revokedAt.',
    args: { input: t.arg({ type: RevokeApiTokenInput, required: true, description: 'Which token to revoke.' }) },
    resolve: (_root, { input }, ctx) =>
      toPayload(revokeApiToken(ctx.deps, ctx.viewer, { apiTokenId: decodeId(input.apiTokenId, 'ApiToken') ?? -1 })),
  }),
}));
