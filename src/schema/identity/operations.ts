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
import { decodeId, payloadType, toPayload, UserErrorRef } from '../common.js';
import { ApiTokenRef, CustomerRef, RoleEnum, ViewerRef } from './types.js';

const CreateCustomerInput = builder.inputType('CreateCustomerInput', {
  description: 'OPERATOR only.',
  fields: (t) => ({ name: t.string({ required: true, description: '[A-Za-z0-9_.-]{1,63}, unique.' }) }),
});
const CreateCustomerPayload = payloadType<CustomerRow>('CreateCustomerPayload', 'customer', CustomerRef);

const CreateApiTokenInput = builder.inputType('CreateApiTokenInput', {
  description: 'OPERATOR only. The token is shown once; only its hash is stored.',
  fields: (t) => ({
    role: t.field({ type: RoleEnum, required: true }),
    customerId: t.id({ description: 'Required for CUSTOMER tokens.' }),
    partnerId: t.id({ description: 'Required for PARTNER tokens.' }),
    description: t.string({ description: 'Free text, at most 200 characters.' }),
    expiresAt: t.field({
      type: 'DateTime',
      description: 'Refused from this instant on; must be in the future. null: never expires.',
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
      apiToken: t.field({
        type: ApiTokenRef,
        nullable: true,
        description: "The token's record (its id revokes it).",
        resolve: (p) => p.apiToken,
      }),
      userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
    }),
  });

const RevokeApiTokenInput = builder.inputType('RevokeApiTokenInput', {
  description: 'OPERATOR only.',
  fields: (t) => ({ apiTokenId: t.id({ required: true, description: 'The ApiToken to revoke.' }) }),
});
const RevokeApiTokenPayload = payloadType<ApiTokenRecord>(
  'RevokeApiTokenPayload',
  'apiToken',
  ApiTokenRef,
  "The revoked token's record (revokedAt is the first revocation's time).",
);

/** A given id that does not decode becomes -1, which no row has: the service answers NOT_FOUND. */
const idOrMissing = (id: string | null | undefined, typename: string) =>
  id == null ? null : (decodeId(id, typename) ?? -1);

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    nullable: true,
    description: 'The caller; null when anonymous.',
    resolve: (_root, _args, ctx) => (ctx.viewer.role === 'ANONYMOUS' ? null : ctx.viewer),
  }),
);

builder.queryField('apiTokens', (t) =>
  t.connection(
    {
      type: ApiTokenRef,
      nullable: true,
      description:
        'OPERATOR only: every API token, oldest first (records, never secrets). Others get null with an error.',
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
    { name: 'ApiTokenEdge', description: 'An API token in a page.' },
  ),
);

builder.mutationFields((t) => ({
  createCustomer: t.field({
    type: CreateCustomerPayload,
    args: { input: t.arg({ type: CreateCustomerInput, required: true }) },
    resolve: (_root, { input }, ctx) => toPayload(createCustomer(ctx.deps, ctx.viewer, input)),
  }),
  createApiToken: t.field({
    type: CreateApiTokenPayload,
    args: { input: t.arg({ type: CreateApiTokenInput, required: true }) },
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
