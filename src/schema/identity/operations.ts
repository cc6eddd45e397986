import type { UserError } from '../../errors.js';
import type { CustomerRow } from '../../loaders.js';
import { createApiToken, createCustomer } from '../../services/identity.js';
import { builder } from '../builder.js';
import { decodeId, payloadType, toPayload, UserErrorRef } from '../common.js';
import { CustomerRef, RoleEnum, ViewerRef } from './types.js';

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
    description: t.string(),
  }),
});
const CreateApiTokenPayload = builder
  .objectRef<{ token: string | null; userErrors: UserError[] }>('CreateApiTokenPayload')
  .implement({
    fields: (t) => ({
      token: t.exposeString('token', {
        nullable: true,
        description: 'Send as `Authorization: Bearer <token>`. Shown only here, once.',
      }),
      userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
    }),
  });

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
      });
      return result.ok ? { token: result.value.token, userErrors: [] } : { token: null, userErrors: result.errors };
    },
  }),
}));
