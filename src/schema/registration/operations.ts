import { encodeGlobalID } from '@pothos/plugin-relay';
import { NotFoundError } from '../../errors.js';
import { PREFIX_CURSOR_KIND, type PrefixRow } from '../../loaders.js';
import { pageRequest } from '../../services/pagination.js';
import { listPeeringServices, SERVICE_CURSOR_KIND } from '../../services/peering-service-reads.js';
import {
  createPeeringService,
  deletePeeringService,
  type PeeringServiceRow,
  updatePeeringServiceTags,
} from '../../services/peering-services.js';
import { listPrefixes } from '../../services/prefix-reads.js';
import { addPrefix, registerPartnerPrefix, removePrefix } from '../../services/prefixes.js';
import { requireReader } from '../../services/viewer.js';
import { builder } from '../builder.js';
import { AsnScalar, decodeId, orderInput, payloadType, toPayload, UserErrorRef } from '../common.js';
import { PeeringServiceRef, PrefixConnectionRef, PrefixRef, PrefixValidationStateEnum } from './types.js';

const PeeringServiceOrder = orderInput(
  'PeeringServiceOrder',
  'PeeringServiceOrderField',
  { CREATED_AT: 'When the peering service was created (its registration order).' },
  'CREATED_AT',
  'How Query.peeringServices is ordered.',
);
const PrefixOrder = orderInput(
  'PrefixOrder',
  'PrefixOrderField',
  { CREATED_AT: 'When the prefix was registered (its registration order).' },
  'CREATED_AT',
  'How Query.prefixes is ordered.',
);

const ASN_LIST_DESCRIPTION = 'ASNs 1..4294967295 (RFC 6793).';

const TagInput = builder.inputType('TagInput', {
  fields: (t) => ({
    key: t.string({ required: true, description: '1-128 characters, unique per service.' }),
    value: t.string({ required: true, description: 'At most 256 characters.' }),
  }),
});

const PrefixInput = builder.inputType('PrefixInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '[A-Za-z0-9_.-]{1,63}, unique per peering service.' }),
    prefix: t.string({ required: true, description: 'IPv4 or IPv6 CIDR with no host bits set, public address space.' }),
    prefixKey: t.string({
      required: true,
      description: 'The key the partner issued (registerPartnerPrefix) for this prefix or one covering it.',
    }),
    originAsns: t.field({
      type: [AsnScalar],
      description: `Expected origin ASNs. When omitted, the origin seen when the prefix is first VERIFIED becomes the expected one. ${ASN_LIST_DESCRIPTION}`,
    }),
    expectedUpstreamAsns: t.field({
      type: [AsnScalar],
      description: `ASNs allowed next to the origin besides the partner's. When given, any other neighbour raises ROUTE_LEAK. ${ASN_LIST_DESCRIPTION}`,
    }),
  }),
});

const CreatePeeringServiceInput = builder.inputType('CreatePeeringServiceInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '[A-Za-z0-9_.-]{1,63}, unique per customer.' }),
    partnerId: t.id({ required: true }),
    country: t.string({ required: true }),
    state: t.string({ required: true }),
    primaryPeeringLocationId: t.id({ required: true }),
    backupPeeringLocationId: t.id({ description: 'Omit or null for None.' }),
    customerId: t.id({ description: 'OPERATOR only: the customer to create it for. A CUSTOMER creates for itself.' }),
    tags: t.field({ type: [TagInput], description: 'At most 50.' }),
    prefixes: t.field({ type: [PrefixInput], description: 'Validated as addPrefix; all or nothing.' }),
  }),
});
const CreatePeeringServicePayload = payloadType<PeeringServiceRow>(
  'CreatePeeringServicePayload',
  'peeringService',
  PeeringServiceRef,
);

const AddPrefixInput = builder.inputType('AddPrefixInput', {
  fields: (t) => ({
    peeringServiceId: t.id({ required: true }),
    name: t.string({ required: true }),
    prefix: t.string({ required: true }),
    prefixKey: t.string({ required: true }),
    originAsns: t.field({
      type: [AsnScalar],
      description: `Expected origin ASNs, as in PrefixInput. ${ASN_LIST_DESCRIPTION}`,
    }),
    expectedUpstreamAsns: t.field({
      type: [AsnScalar],
      description: `ASNs allowed next to the origin besides the partner's, as in PrefixInput. ${ASN_LIST_DESCRIPTION}`,
    }),
  }),
});
const AddPrefixPayload = payloadType<PrefixRow>('AddPrefixPayload', 'prefix', PrefixRef);

const RemovePrefixInput = builder.inputType('RemovePrefixInput', {
  fields: (t) => ({ prefixId: t.id({ required: true }) }),
});
const UpdatePeeringServiceTagsInput = builder.inputType('UpdatePeeringServiceTagsInput', {
  description: 'Replaces all tags.',
  fields: (t) => ({
    peeringServiceId: t.id({ required: true }),
    tags: t.field({ type: [TagInput], required: true }),
  }),
});
const UpdatePeeringServiceTagsPayload = payloadType<PeeringServiceRow>(
  'UpdatePeeringServiceTagsPayload',
  'peeringService',
  PeeringServiceRef,
);
const DeletePeeringServiceInput = builder.inputType('DeletePeeringServiceInput', {
  fields: (t) => ({ peeringServiceId: t.id({ required: true }) }),
});

type RemovedPayload = { id: string | null; userErrors: import('../../errors.js').UserError[] };
const removedPayload = (name: string, field: string) =>
  builder.objectRef<RemovedPayload>(name).implement({
    fields: (t) => ({
      [field]: t.id({ nullable: true, resolve: (p: RemovedPayload) => p.id }),
      userErrors: t.field({ type: [UserErrorRef], resolve: (p: RemovedPayload) => p.userErrors }),
    }),
  });
const RemovePrefixPayload = removedPayload('RemovePrefixPayload', 'removedPrefixId');
const DeletePeeringServicePayload = removedPayload('DeletePeeringServicePayload', 'deletedPeeringServiceId');

const RegisterPartnerPrefixInput = builder.inputType('RegisterPartnerPrefixInput', {
  description: "A partner registers a customer's prefix and receives the key it hands to the customer.",
  fields: (t) => ({ partnerId: t.id({ required: true }), prefix: t.string({ required: true }) }),
});
type Registration = { prefix: string; prefixKey: string; createdAt: Date };
const PartnerPrefixRegistrationRef = builder.objectRef<Registration>('PartnerPrefixRegistration').implement({
  fields: (t) => ({
    prefix: t.exposeString('prefix'),
    prefixKey: t.exposeString('prefixKey', { description: 'A UUID v4 to give to the customer.' }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.createdAt }),
  }),
});
const RegisterPartnerPrefixPayload = payloadType<Registration>(
  'RegisterPartnerPrefixPayload',
  'registration',
  PartnerPrefixRegistrationRef,
);

const PeeringServiceFilter = builder.inputType('PeeringServiceFilter', {
  fields: (t) => ({
    partnerId: t.id(),
    country: t.string(),
    state: t.string(),
    search: t.string({
      description:
        'Substring of the service name (case-insensitive), at most 200 characters (longer is BAD_USER_INPUT); `%` and `_` match themselves.',
    }),
  }),
});

const removed = (result: ReturnType<typeof removePrefix>, typename: string): RemovedPayload =>
  result.ok
    ? { id: encodeGlobalID(typename, result.value.id), userErrors: [] }
    : { id: null, userErrors: result.errors };

/** A given id that does not decode becomes -1, which no row has: the service answers NOT_FOUND. */
const idOrMissing = (id: string | null | undefined, typename: string) =>
  id == null ? null : (decodeId(id, typename) ?? -1);

builder.queryField('peeringServices', (t) =>
  t.connection(
    {
      type: PeeringServiceRef,
      nullable: true,
      description:
        'Peering services the caller may see (OPERATOR: all; CUSTOMER: its own; PARTNER: those using it), oldest first.',
      args: {
        filter: t.arg({ type: PeeringServiceFilter }),
        orderBy: t.arg({
          type: PeeringServiceOrder,
          description: 'Default: oldest first. `{ field: CREATED_AT, direction: DESC }` for the newest first.',
        }),
      },
      resolve: (_root, args, ctx) => {
        requireReader(ctx.viewer);
        const request = pageRequest(SERVICE_CURSOR_KIND, args, undefined, args.orderBy?.direction);
        const filter = args.filter ?? {};
        return listPeeringServices(
          ctx.deps.db,
          ctx.loaders.scope,
          { ...filter, partnerId: idOrMissing(filter.partnerId, 'Partner') },
          request,
        );
      },
    },
    {
      name: 'PeeringServiceConnection',
      fields: (c) => ({
        totalCount: c.int({ resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount }),
      }),
    },
    { name: 'PeeringServiceEdge' },
  ),
);

const PrefixFilter = builder.inputType('PrefixFilter', {
  description: "Narrows Query.prefixes; every given condition must hold. Only the caller's own prefixes are listed.",
  fields: (t) => ({
    validationStates: t.field({
      type: [PrefixValidationStateEnum],
      description: 'Any of these states, e.g. [FAILED, WARNING] for the prefixes that need attention.',
    }),
    peeringServiceId: t.id({
      description: 'Prefixes of this peering service (NOT_FOUND when the caller cannot see it).',
    }),
    partnerId: t.id({ description: 'Prefixes of peering services that use this partner.' }),
    search: t.string({
      description: 'Case-insensitive substring of the prefix name or CIDR text, at most 200 characters.',
    }),
  }),
});

builder.queryField('prefixes', (t) =>
  t.connection(
    {
      type: PrefixRef,
      nullable: true,
      description:
        'Registered prefixes across the peering services the caller may see (OPERATOR: all; CUSTOMER: its own; ' +
        'PARTNER: those of services using it), oldest first unless `orderBy` says otherwise.',
      args: {
        filter: t.arg({ type: PrefixFilter }),
        orderBy: t.arg({
          type: PrefixOrder,
          description: 'Default: oldest first. `{ field: CREATED_AT, direction: DESC }` for the newest first.',
        }),
      },
      resolve: async (_root, args, ctx) => {
        requireReader(ctx.viewer);
        const request = pageRequest(PREFIX_CURSOR_KIND, args, undefined, args.orderBy?.direction);
        const filter = args.filter ?? {};
        let peeringServiceId: number | null = null;
        if (filter.peeringServiceId != null) {
          peeringServiceId = decodeId(filter.peeringServiceId, 'PeeringService');
          if (peeringServiceId == null || !(await ctx.loaders.peeringService.load(peeringServiceId))) {
            throw new NotFoundError('No such peering service');
          }
        }
        return listPrefixes(
          ctx.deps.db,
          ctx.loaders.scope,
          {
            validationStates: filter.validationStates ?? null,
            peeringServiceId,
            partnerId: idOrMissing(filter.partnerId, 'Partner'),
            search: filter.search ?? null,
          },
          request,
        );
      },
    },
    PrefixConnectionRef,
  ),
);

builder.mutationFields((t) => ({
  createPeeringService: t.field({
    type: CreatePeeringServicePayload,
    description:
      'CUSTOMER (for itself) or OPERATOR (with customerId). All rules are checked before anything is written.',
    args: { input: t.arg({ type: CreatePeeringServiceInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      toPayload(
        createPeeringService(ctx.deps, ctx.viewer, {
          ...input,
          partnerId: decodeId(input.partnerId, 'Partner'),
          primaryPeeringLocationId: decodeId(input.primaryPeeringLocationId, 'PeeringLocation'),
          backupPeeringLocationId: decodeId(input.backupPeeringLocationId, 'PeeringLocation'),
          backupIdInvalid:
            input.backupPeeringLocationId != null && decodeId(input.backupPeeringLocationId, 'PeeringLocation') == null,
          customerId: idOrMissing(input.customerId, 'Customer'),
        }),
      ),
  }),
  addPrefix: t.field({
    type: AddPrefixPayload,
    args: { input: t.arg({ type: AddPrefixInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      toPayload(
        addPrefix(ctx.deps, ctx.viewer, {
          ...input,
          peeringServiceId: decodeId(input.peeringServiceId, 'PeeringService'),
        }),
      ),
  }),
  removePrefix: t.field({
    type: RemovePrefixPayload,
    args: { input: t.arg({ type: RemovePrefixInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      removed(removePrefix(ctx.deps, ctx.viewer, { prefixId: decodeId(input.prefixId, 'Prefix') }), 'Prefix'),
  }),
  updatePeeringServiceTags: t.field({
    type: UpdatePeeringServiceTagsPayload,
    args: { input: t.arg({ type: UpdatePeeringServiceTagsInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      toPayload(
        updatePeeringServiceTags(ctx.deps, ctx.viewer, {
          peeringServiceId: decodeId(input.peeringServiceId, 'PeeringService'),
          tags: input.tags,
        }),
      ),
  }),
  deletePeeringService: t.field({
    type: DeletePeeringServicePayload,
    description: 'Deletes the service with its prefixes and their events.',
    args: { input: t.arg({ type: DeletePeeringServiceInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      removed(
        deletePeeringService(ctx.deps, ctx.viewer, {
          peeringServiceId: decodeId(input.peeringServiceId, 'PeeringService'),
        }),
        'PeeringService',
      ),
  }),
  registerPartnerPrefix: t.field({
    type: RegisterPartnerPrefixPayload,
    description: 'PARTNER (for itself) or OPERATOR. Returns a fresh random key (UUID v4) for a new registration.',
    args: { input: t.arg({ type: RegisterPartnerPrefixInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      toPayload(
        registerPartnerPrefix(ctx.deps, ctx.viewer, { ...input, partnerId: decodeId(input.partnerId, 'Partner') }),
      ),
  }),
}));
