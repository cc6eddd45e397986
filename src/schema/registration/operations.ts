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
import { builder, type PothosTypes } from '../builder.js';
import {
  AsnScalar,
  connectionColumns,
  decodeId,
  orderInput,
  payloadType,
  toPayload,
  USER_ERRORS_DESCRIPTION,
  UserErrorRef,
} from '../common.js';
import {
  PEERING_SERVICE_COLUMNS,
  PeeringServiceRef,
  PrefixConnectionRef,
  PrefixRef,
  PrefixValidationStateEnum,
  readReferencesNow,
} from './types.js';

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

const ASN_LIST_DESCRIPTION = 'ASNs 1..4294967295 (RFC 6793); duplicates are dropped.';

const TagInput = builder.inputType('TagInput', {
  description: 'A key/value label for a peering service.',
  fields: (t) => ({
    key: t.string({
      required: true,
      description: '1-128 characters, unique per service (case-insensitive); INVALID_INPUT otherwise.',
    }),
    value: t.string({ required: true, description: 'At most 256 characters (INVALID_INPUT otherwise); may be empty.' }),
  }),
});

/** The fields a prefix is registered with, shared by PrefixInput and AddPrefixInput (the same rules apply). */
function prefixFields(
  t: PothosSchemaTypes.InputFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<PothosTypes>, 'InputObject'>,
) {
  return {
    name: t.string({
      required: true,
      description: '[A-Za-z0-9_.-]{1,63} (INVALID_INPUT), unique per peering service, case-insensitive (NAME_TAKEN).',
    }),
    prefix: t.string({
      required: true,
      description:
        'IPv4 or IPv6 CIDR with no host bits set (INVALID_PREFIX), outside private and special-use space ' +
        '(PRIVATE_PREFIX), overlapping no registered prefix (PREFIX_OVERLAP).',
    }),
    prefixKey: t.string({
      required: true,
      description:
        "The key the service's partner issued (registerPartnerPrefix) for this prefix or one covering it " +
        '(PREFIX_KEY_MISMATCH otherwise).',
    }),
    originAsns: t.field({
      type: [AsnScalar],
      description: `Expected origin ASNs, at most 16. When omitted, the origin seen when the prefix is first VERIFIED becomes the expected one. ${ASN_LIST_DESCRIPTION}`,
    }),
    expectedUpstreamAsns: t.field({
      type: [AsnScalar],
      description: `ASNs allowed next to the origin besides the partner's, at most 64. When given, any other neighbour raises ROUTE_LEAK. ${ASN_LIST_DESCRIPTION}`,
    }),
  };
}

const PrefixInput = builder.inputType('PrefixInput', {
  description: 'A prefix to register with a new peering service (createPeeringService); the same rules as addPrefix.',
  fields: (t) => prefixFields(t),
});

const CreatePeeringServiceInput = builder.inputType('CreatePeeringServiceInput', {
  description:
    'A new Peering Service connection. Every rule is checked and every error reported before anything is written.',
  fields: (t) => ({
    name: t.string({
      required: true,
      description: '[A-Za-z0-9_.-]{1,63} (INVALID_INPUT), unique per customer, case-insensitive (NAME_TAKEN).',
    }),
    partnerId: t.id({
      required: true,
      description:
        'The Partner to connect through; it must have a peering location within 1000 miles of the customer location ' +
        '(PROVIDER_UNAVAILABLE otherwise).',
    }),
    country: t.string({
      required: true,
      description:
        'Country of the customer site (case-insensitive), as in customerLocations (LOCATION_UNKNOWN otherwise).',
    }),
    state: t.string({
      required: true,
      description: 'State or province of the customer site (case-insensitive), as in customerLocations.',
    }),
    primaryPeeringLocationId: t.id({
      required: true,
      description:
        "A PeeringLocation of the partner's (PEERING_LOCATION_NOT_SERVED otherwise) where it has sessions on at least " +
        '2 distinct routers (INSUFFICIENT_SESSIONS otherwise).',
    }),
    backupPeeringLocationId: t.id({
      description:
        "Omit or null for None (the internet is the failover). Otherwise another of the partner's locations with at " +
        'least 1 session; the same as the primary is SAME_PRIMARY_AND_BACKUP.',
    }),
    customerId: t.id({
      description:
        'OPERATOR only, and required then: the Customer to create it for. A CUSTOMER creates for itself (another ' +
        'customer is FORBIDDEN).',
    }),
    tags: t.field({ type: [TagInput], description: 'At most 50 (LIMIT_EXCEEDED).' }),
    prefixes: t.field({
      type: [PrefixInput],
      description: 'At most 200 (LIMIT_EXCEEDED), validated as addPrefix; all or nothing.',
    }),
  }),
});
const CreatePeeringServicePayload = payloadType<PeeringServiceRow>(
  'CreatePeeringServicePayload',
  'peeringService',
  PeeringServiceRef,
  'The result of createPeeringService.',
  'The new peering service, its prefixes PENDING.',
);

const AddPrefixInput = builder.inputType('AddPrefixInput', {
  description: 'A prefix to register on an existing peering service; the same rules as PrefixInput.',
  fields: (t) => ({
    peeringServiceId: t.id({
      required: true,
      description: 'The PeeringService to add it to; it holds at most 200 prefixes (LIMIT_EXCEEDED).',
    }),
    ...prefixFields(t),
  }),
});
const AddPrefixPayload = payloadType<PrefixRow>(
  'AddPrefixPayload',
  'prefix',
  PrefixRef,
  'The result of addPrefix.',
  'The new prefix, PENDING until the partner announces it.',
);

const RemovePrefixInput = builder.inputType('RemovePrefixInput', {
  description: 'Which prefix to remove.',
  fields: (t) => ({ prefixId: t.id({ required: true, description: 'The Prefix to remove.' }) }),
});
const UpdatePeeringServiceTagsInput = builder.inputType('UpdatePeeringServiceTagsInput', {
  description: 'Replaces all tags.',
  fields: (t) => ({
    peeringServiceId: t.id({ required: true, description: 'The PeeringService whose tags to replace.' }),
    tags: t.field({
      type: [TagInput],
      required: true,
      description: 'The new tags, at most 50 (LIMIT_EXCEEDED); an empty list removes them all.',
    }),
  }),
});
const UpdatePeeringServiceTagsPayload = payloadType<PeeringServiceRow>(
  'UpdatePeeringServiceTagsPayload',
  'peeringService',
  PeeringServiceRef,
  'The result of updatePeeringServiceTags.',
  'The peering service with its new tags.',
);
const DeletePeeringServiceInput = builder.inputType('DeletePeeringServiceInput', {
  description: 'Which peering service to delete.',
  fields: (t) => ({ peeringServiceId: t.id({ required: true, description: 'The PeeringService to delete.' }) }),
});

type RemovedPayload = { id: string | null; userErrors: import('../../errors.js').UserError[] };
const removedPayload = (name: string, field: string, description: string, fieldDescription: string) =>
  builder.objectRef<RemovedPayload>(name).implement({
    description,
    fields: (t) => ({
      [field]: t.id({
        nullable: true,
        description: `${fieldDescription} null when there are userErrors.`,
        resolve: (p: RemovedPayload) => p.id,
      }),
      userErrors: t.field({
        type: [UserErrorRef],
        description: USER_ERRORS_DESCRIPTION,
        resolve: (p: RemovedPayload) => p.userErrors,
      }),
    }),
  });
const RemovePrefixPayload = removedPayload(
  'RemovePrefixPayload',
  'removedPrefixId',
  'The result of removePrefix.',
  'The global id of the removed prefix (it no longer resolves), to drop it from client caches.',
);
const DeletePeeringServicePayload = removedPayload(
  'DeletePeeringServicePayload',
  'deletedPeeringServiceId',
  'The result of deletePeeringService.',
  'The global id of the deleted peering service (it no longer resolves), to drop it from client caches.',
);

const RegisterPartnerPrefixInput = builder.inputType('RegisterPartnerPrefixInput', {
  description: "A partner registers a customer's prefix and receives the key it hands to the customer.",
  fields: (t) => ({
    partnerId: t.id({
      required: true,
      description: 'The Partner registering it; a PARTNER token may name only itself (FORBIDDEN otherwise).',
    }),
    prefix: t.string({
      required: true,
      description:
        "The customer's prefix: IPv4 or IPv6 CIDR with no host bits set (INVALID_PREFIX), outside private and " +
        'special-use space (PRIVATE_PREFIX), not overlapping a registration of another partner (PREFIX_OVERLAP).',
    }),
  }),
});
type Registration = { prefix: string; prefixKey: string; createdAt: Date };
const PartnerPrefixRegistrationRef = builder.objectRef<Registration>('PartnerPrefixRegistration').implement({
  description:
    "A partner's registration of a customer prefix: the key a customer needs to add that prefix, or any more-specific " +
    'of it, to a peering service with this partner.',
  fields: (t) => ({
    prefix: t.exposeString('prefix', { description: 'The registered prefix, normalised CIDR.' }),
    prefixKey: t.exposeString('prefixKey', { description: 'A UUID v4 to give to the customer.' }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When the prefix was first registered (kept when it is registered again).',
    }),
  }),
});
const RegisterPartnerPrefixPayload = payloadType<Registration>(
  'RegisterPartnerPrefixPayload',
  'registration',
  PartnerPrefixRegistrationRef,
  'The result of registerPartnerPrefix.',
  'The registration with its key (the existing one when the partner registered this prefix before).',
);

const PeeringServiceFilter = builder.inputType('PeeringServiceFilter', {
  description: 'All given conditions must hold.',
  fields: (t) => ({
    partnerId: t.id({ description: 'Only services through this Partner (an unknown or malformed id matches none).' }),
    country: t.string({
      description: 'Only services whose customer location is in this country (exact, case-insensitive).',
    }),
    state: t.string({
      description: 'Only services whose customer location is this state/province (exact, case-insensitive).',
    }),
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
        'Peering services the caller may see (OPERATOR: all; CUSTOMER: its own; PARTNER: those using it), oldest first ' +
        'unless `orderBy` says otherwise. Without a token: null with UNAUTHENTICATED; a COLLECTOR: null with FORBIDDEN.',
      args: {
        filter: t.arg({ type: PeeringServiceFilter, description: 'Narrows the list; omit for all visible services.' }),
        orderBy: t.arg({
          type: PeeringServiceOrder,
          description: 'Default: oldest first. `{ field: CREATED_AT, direction: DESC }` for the newest first.',
        }),
      },
      resolve: (_root, args, ctx, info) => {
        requireReader(ctx.viewer);
        const request = pageRequest(SERVICE_CURSOR_KIND, args, undefined, args.orderBy?.direction);
        const filter = args.filter ?? {};
        const columns = connectionColumns(info, PEERING_SERVICE_COLUMNS, ['id']);
        const page = listPeeringServices(
          ctx.deps.db,
          ctx.loaders.scope,
          { ...filter, partnerId: idOrMissing(filter.partnerId, 'Partner') },
          request,
          columns,
        );
        readReferencesNow(ctx, page, columns);
        return page;
      },
    },
    {
      name: 'PeeringServiceConnection',
      description: 'A page of peering services.',
      fields: (c) => ({
        totalCount: c.int({
          description: 'How many visible services match the filter in all (not just this page).',
          resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount,
        }),
      }),
    },
    { name: 'PeeringServiceEdge', description: 'A peering service in a page, with its cursor.' },
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
        filter: t.arg({ type: PrefixFilter, description: 'Narrows the list; omit for every visible prefix.' }),
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
      'CUSTOMER (for itself) or OPERATOR (with customerId); others get userError FORBIDDEN. All rules are checked ' +
      'before anything is written; its prefixes start PENDING.',
    args: {
      input: t.arg({ type: CreatePeeringServiceInput, required: true, description: 'The new peering service.' }),
    },
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
    description:
      "The service's CUSTOMER or an OPERATOR (a PARTNER: FORBIDDEN). Registers one prefix; it starts PENDING and is " +
      'validated as the partner announces it.',
    args: { input: t.arg({ type: AddPrefixInput, required: true, description: 'The prefix to add.' }) },
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
    description:
      "The service's CUSTOMER or an OPERATOR (a PARTNER: FORBIDDEN). Removes the prefix with its events; prefixes are " +
      'immutable, so remove and add again to change one.',
    args: { input: t.arg({ type: RemovePrefixInput, required: true, description: 'The prefix to remove.' }) },
    resolve: (_root, { input }, ctx) =>
      removed(removePrefix(ctx.deps, ctx.viewer, { prefixId: decodeId(input.prefixId, 'Prefix') }), 'Prefix'),
  }),
  updatePeeringServiceTags: t.field({
    type: UpdatePeeringServiceTagsPayload,
    description: "The service's CUSTOMER or an OPERATOR (a PARTNER: FORBIDDEN). Replaces all its tags.",
    args: {
      input: t.arg({
        type: UpdatePeeringServiceTagsInput,
        required: true,
        description: 'The service and its new tags.',
      }),
    },
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
    description:
      "The service's CUSTOMER or an OPERATOR (a PARTNER: FORBIDDEN). Deletes the service with its prefixes and their " +
      'events, at once.',
    args: { input: t.arg({ type: DeletePeeringServiceInput, required: true, description: 'The service to delete.' }) },
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
    description:
      'PARTNER (for itself) or OPERATOR; others get userError FORBIDDEN. Returns a fresh random key (UUID v4) for a new ' +
      'registration, or the existing registration when the partner registered this prefix before (a lost key).',
    args: {
      input: t.arg({ type: RegisterPartnerPrefixInput, required: true, description: 'The partner and the prefix.' }),
    },
    resolve: (_root, { input }, ctx) =>
      toPayload(
        registerPartnerPrefix(ctx.deps, ctx.viewer, { ...input, partnerId: decodeId(input.partnerId, 'Partner') }),
      ),
  }),
}));
