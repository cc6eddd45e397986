import { ROLES } from '../../db/schema.js';
import type { CustomerRow } from '../../loaders.js';
import { type ApiTokenRecord, apiTokensByIds } from '../../services/identity.js';
import type { Viewer } from '../../services/viewer.js';
import { builder } from '../builder.js';
import { PartnerRef } from '../catalogue/types.js';
import { loadNodes } from '../common.js';

const ROLE_DESCRIPTIONS: Record<(typeof ROLES)[number], string> = {
  OPERATOR: 'Everything: reads all data, manages the catalogue, customers and tokens, and may ingest telemetry.',
  PARTNER:
    'A connectivity partner: its own partner record and sessions, its prefix registrations, and (read-only) the ' +
    'peering services that use it.',
  CUSTOMER: 'An enterprise: creates, changes and reads its own peering services only.',
  COLLECTOR:
    'A telemetry collector: ingests route updates and latency samples; reads only the public catalogue and viewer.',
};

export const RoleEnum = builder.enumType('Role', {
  description:
    'What an API token may do. OPERATOR: everything. PARTNER: its own partner record, prefix registrations, and the ' +
    'peering services that use it. CUSTOMER: its own peering services only. COLLECTOR: ingest only.',
  values: Object.fromEntries(
    ROLES.map((role) => [role, { value: role, description: ROLE_DESCRIPTIONS[role] }]),
  ) as Record<(typeof ROLES)[number], { value: (typeof ROLES)[number]; description: string }>,
});

export const CustomerRef = builder.objectRef<CustomerRow>('Customer');

builder.node(CustomerRef, {
  description:
    'An enterprise that registers Peering Service connections. Visible to OPERATOR and to the customer itself.',
  id: { resolve: (c) => c.id },
  loadMany: async (ids, ctx) => loadNodes(ctx.loaders.customer, ids),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique name (case-insensitive), [A-Za-z0-9_.-]{1,63}.' }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When the customer was created.',
    }),
  }),
});

export const ViewerRef = builder.objectRef<Exclude<Viewer, { role: 'ANONYMOUS' }>>('Viewer').implement({
  description: 'The caller, as identified by its token.',
  fields: (t) => ({
    role: t.string({
      description: "The token's role: OPERATOR, PARTNER, CUSTOMER or COLLECTOR (a String, with Role's values).",
      resolve: (v) => v.role,
    }),
    partner: t.field({
      type: PartnerRef,
      nullable: true,
      description: 'The partner a PARTNER token acts for; null for other roles.',
      resolve: (v, _a, ctx) => (v.role === 'PARTNER' ? ctx.loaders.partner.load(v.partnerId) : null),
    }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: 'The customer a CUSTOMER token acts for; null for other roles.',
      resolve: (v, _a, ctx) => (v.role === 'CUSTOMER' ? ctx.loaders.customer.load(v.customerId) : null),
    }),
    customerName: t.string({
      nullable: true,
      description: 'The name of the customer a CUSTOMER token acts for (same as customer.name); null for other roles.',
      resolve: async (v, _a, ctx) =>
        v.role === 'CUSTOMER' ? ((await ctx.loaders.customer.load(v.customerId))?.name ?? null) : null,
    }),
  }),
});

export const ApiTokenRef = builder.objectRef<ApiTokenRecord>('ApiToken');

builder.node(ApiTokenRef, {
  description:
    "An API token's record, never its secret. A revoked or expired token is refused on every transport, " +
    'including sockets and streams opened before (they are closed within seconds). OPERATOR only.',
  id: { resolve: (token) => token.id, description: 'Opaque global id; pass it to revokeApiToken.' },
  loadMany: async (ids, ctx) => apiTokensByIds(ctx.deps, ctx.viewer, ids.map(Number)),
  fields: (t) => ({
    role: t.field({ type: RoleEnum, description: 'What the token may do.', resolve: (token) => token.role }),
    description: t.exposeString('description', { nullable: true, description: 'Free text given at creation.' }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: 'The customer a CUSTOMER token acts for; null for other roles.',
      resolve: (token, _a, ctx) => (token.customerId == null ? null : ctx.loaders.customer.load(token.customerId)),
    }),
    partner: t.field({
      type: PartnerRef,
      nullable: true,
      description: 'The partner a PARTNER token acts for; null for other roles.',
      resolve: (token, _a, ctx) => (token.partnerId == null ? null : ctx.loaders.partner.load(token.partnerId)),
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the token was created.',
      resolve: (token) => token.createdAt,
    }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Refused from this instant on; null: never expires.',
      resolve: (token) => token.expiresAt,
    }),
    lastUsedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Last successful authentication, to the minute (recorded at most once a minute); null: never used.',
      resolve: (token) => token.lastUsedAt,
    }),
    revokedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When revokeApiToken first revoked it; null while it is not revoked.',
      resolve: (token) => token.revokedAt,
    }),
  }),
});
