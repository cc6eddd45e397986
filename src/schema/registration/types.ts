import { LEARNED_TYPES, PROVISIONING_STATES, VALIDATION_STATES } from '../../db/schema.js';
import type { PrefixRow } from '../../loaders.js';
import { PREFIX_CURSOR_KIND } from '../../loaders.js';
import { pageRequest } from '../../services/pagination.js';
import type { PeeringServiceRow, Tag } from '../../services/peering-services.js';
import { builder } from '../builder.js';
import { CustomerLocationRef, PartnerRef, PeeringLocationRef } from '../catalogue/types.js';
import { AsnScalar, loadNodes } from '../common.js';
import { CustomerRef } from '../identity/types.js';

export const ProvisioningStateEnum = builder.enumType('ProvisioningState', { values: PROVISIONING_STATES });
export const PrefixValidationStateEnum = builder.enumType('PrefixValidationState', {
  description:
    'PENDING: waiting for the partner to announce the prefix. VERIFIED: announced correctly on every required session. ' +
    'WARNING: was verified, now some required session lost it or breaks a rule. FAILED: see errorMessage.',
  values: VALIDATION_STATES,
});
export const LearnedTypeEnum = builder.enumType('LearnedType', { values: LEARNED_TYPES });

export const TagRef = builder.objectRef<Tag>('Tag').implement({
  fields: (t) => ({ key: t.exposeString('key'), value: t.exposeString('value') }),
});

export const PeeringServiceRef = builder.objectRef<PeeringServiceRow>('PeeringService');
export const PrefixRef = builder.objectRef<PrefixRow>('Prefix');

/** Shared by PeeringService.prefixes and Query.prefixes. */
export const PrefixConnectionRef = builder.connectionObject(
  {
    type: PrefixRef,
    name: 'PrefixConnection',
    fields: (c) => ({
      totalCount: c.int({ resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount }),
    }),
  },
  { name: 'PrefixEdge' },
);

builder.node(PeeringServiceRef, {
  description:
    "A registered Peering Service connection: a customer site, its partner, the partner's primary and optional backup " +
    'peering locations, and the prefixes the site sends traffic from.',
  id: { resolve: (s) => s.id },
  loadMany: async (ids, ctx) => loadNodes(ctx.loaders.peeringService, ids),
  fields: (t) => ({
    name: t.exposeString('name'),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: 'The owning customer (visible to OPERATOR and the customer itself).',
      resolve: (s, _a, ctx) => ctx.loaders.customer.load(s.customerId),
    }),
    customerLocation: t.field({
      type: CustomerLocationRef,
      resolve: async (s, _a, ctx) => (await ctx.loaders.customerLocation.load(s.customerLocationId))!,
    }),
    azureRegion: t.string({
      description: 'The Azure region of the customer location.',
      resolve: async (s, _a, ctx) => (await ctx.loaders.customerLocation.load(s.customerLocationId))!.azureRegion,
    }),
    partner: t.field({
      type: PartnerRef,
      resolve: async (s, _a, ctx) => (await ctx.loaders.partner.load(s.partnerId))!,
    }),
    primaryPeeringLocation: t.field({
      type: PeeringLocationRef,
      resolve: async (s, _a, ctx) => (await ctx.loaders.peeringLocation.load(s.primaryPeeringLocationId))!,
    }),
    backupPeeringLocation: t.field({
      type: PeeringLocationRef,
      nullable: true,
      description: 'null means None: the public internet is the failover route.',
      resolve: (s, _a, ctx) =>
        s.backupPeeringLocationId == null ? null : ctx.loaders.peeringLocation.load(s.backupPeeringLocationId),
    }),
    provisioningState: t.field({ type: ProvisioningStateEnum, resolve: (s) => s.provisioningState }),
    tags: t.field({ type: [TagRef], resolve: (s) => s.tags }),
    createdAt: t.field({ type: 'DateTime', resolve: (s) => s.createdAt }),
    prefixes: t.connection(
      {
        type: PrefixRef,
        description: 'The registered prefixes, oldest first. `first`/`last` are 1..100 (default 20).',
        resolve: (s, args, ctx) =>
          ctx.loaders.servicePrefixes.load({ parentId: s.id, request: pageRequest(PREFIX_CURSOR_KIND, args) }),
      },
      PrefixConnectionRef,
    ),
  }),
});

builder.node(PrefixRef, {
  description: 'A registered IP prefix of a peering service. Immutable: to change it, remove it and add it again.',
  id: { resolve: (p) => p.id },
  loadMany: async (ids, ctx) => loadNodes(ctx.loaders.prefix, ids),
  fields: (t) => ({
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'Normalised CIDR, e.g. 203.0.113.0/24.' }),
    prefixKey: t.exposeString('prefixKey'),
    validationState: t.field({ type: PrefixValidationStateEnum, resolve: (p) => p.validationState }),
    learnedType: t.field({ type: LearnedTypeEnum, resolve: (p) => p.learnedType }),
    errorMessage: t.exposeString('errorMessage', {
      nullable: true,
      description: 'Why the prefix is not VERIFIED (null when it is).',
    }),
    validatedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the validation state last changed.',
      resolve: (p) => p.validatedAt,
    }),
    expectedOriginAsns: t.field({
      type: [AsnScalar],
      description:
        'Expected origin ASNs. When none were given, the origin seen at first verification is recorded here.',
      resolve: (p) => p.expectedOriginAsns,
    }),
    expectedUpstreamAsns: t.field({
      type: [AsnScalar],
      description: 'ASNs allowed next to the origin besides the partner. Empty: no route-leak check.',
      resolve: (p) => p.expectedUpstreamAsns,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (p) => p.createdAt }),
    peeringService: t.field({
      type: PeeringServiceRef,
      resolve: async (p, _a, ctx) => (await ctx.loaders.peeringService.load(p.peeringServiceId))!,
    }),
  }),
});
