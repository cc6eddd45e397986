import { ROLES } from '../../db/schema.js';
import type { CustomerRow } from '../../loaders.js';
import type { Viewer } from '../../services/viewer.js';
import { builder } from '../builder.js';
import { PartnerRef } from '../catalogue/types.js';
import { loadNodes } from '../common.js';

export const RoleEnum = builder.enumType('Role', {
  description:
    'OPERATOR: everything. PARTNER: its own partner record, prefix registrations, and the peering services that use it. ' +
    'CUSTOMER: its own peering services only. COLLECTOR: ingest only.',
  values: ROLES,
});

export const CustomerRef = builder.objectRef<CustomerRow>('Customer');

builder.node(CustomerRef, {
  description: 'An enterprise that registers Peering Service connections.',
  id: { resolve: (c) => c.id },
  loadMany: async (ids, ctx) => loadNodes(ctx.loaders.customer, ids),
  fields: (t) => ({
    name: t.exposeString('name'),
    createdAt: t.field({ type: 'DateTime', resolve: (c) => c.createdAt }),
  }),
});

export const ViewerRef = builder.objectRef<Exclude<Viewer, { role: 'ANONYMOUS' }>>('Viewer').implement({
  description: 'The caller, as identified by its token.',
  fields: (t) => ({
    role: t.string({ description: 'OPERATOR, PARTNER, CUSTOMER or COLLECTOR.', resolve: (v) => v.role }),
    partner: t.field({
      type: PartnerRef,
      nullable: true,
      resolve: (v, _a, ctx) => (v.role === 'PARTNER' ? ctx.loaders.partner.load(v.partnerId) : null),
    }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      resolve: (v, _a, ctx) => (v.role === 'CUSTOMER' ? ctx.loaders.customer.load(v.customerId) : null),
    }),
    customerName: t.string({
      nullable: true,
      resolve: async (v, _a, ctx) =>
        v.role === 'CUSTOMER' ? ((await ctx.loaders.customer.load(v.customerId))?.name ?? null) : null,
    }),
  }),
});
