import type { Context } from '../../context.js';
import { LEARNED_TYPES, PROVISIONING_STATES, VALIDATION_STATES } from '../../db/schema.js';
import type { PrefixRow } from '../../loaders.js';
import { PREFIX_CURSOR_KIND } from '../../loaders.js';
import { type ColumnSet, type Connection, pageRequest } from '../../services/pagination.js';
import type { PeeringServiceRow, Tag } from '../../services/peering-services.js';
import { builder } from '../builder.js';
import { CustomerLocationRef, PartnerRef, PeeringLocationRef } from '../catalogue/types.js';
import { AsnScalar, connectionColumns, loadNodes, required } from '../common.js';
import { CustomerRef } from '../identity/types.js';

/** Said of the enum values kept from Azure's Peering Service model that peerwatch never produces. */
const NEVER_PRODUCED = "Never produced by peerwatch: kept from Azure's Peering Service model so clients can share one";

const PROVISIONING_STATE_DESCRIPTIONS: Record<(typeof PROVISIONING_STATES)[number], string> = {
  SUCCEEDED: 'The peering service is provisioned. Every peering service peerwatch serves is in this state.',
  UPDATING: `Azure's "Updating", while an ARM update is in flight. ${NEVER_PRODUCED}; peerwatch writes synchronously.`,
  DELETING: `Azure's "Deleting", while an ARM delete is in flight. ${NEVER_PRODUCED}; deletePeeringService is immediate.`,
  FAILED: `Azure's "Failed" provisioning. ${NEVER_PRODUCED}; a refused create returns userErrors and writes nothing.`,
};
export const ProvisioningStateEnum = builder.enumType('ProvisioningState', {
  description:
    "Azure's ARM provisioning state of a peering service. peerwatch writes synchronously, so only SUCCEEDED appears; " +
    'the other values exist for compatibility with Azure clients.',
  values: Object.fromEntries(
    PROVISIONING_STATES.map((state) => [state, { value: state, description: PROVISIONING_STATE_DESCRIPTIONS[state] }]),
  ) as Record<
    (typeof PROVISIONING_STATES)[number],
    { value: (typeof PROVISIONING_STATES)[number]; description: string }
  >,
});

const VALIDATION_STATE_DESCRIPTIONS: Record<(typeof VALIDATION_STATES)[number], string> = {
  NONE: `Azure's "None". ${NEVER_PRODUCED}.`,
  INVALID: `Azure's "Invalid". ${NEVER_PRODUCED}; a malformed prefix is refused at registration (INVALID_PREFIX) instead.`,
  VERIFIED:
    "Announced correctly on every required session (the partner's sessions at the primary and backup locations): " +
    'community 8075:8007, AS path of at most 3 ASNs, no private ASN, no prepending, an expected origin.',
  FAILED:
    'Never verified within the validation timeout (VALIDATION_TIMEOUT_SECONDS, default 15 minutes), announced breaking ' +
    'a rule, lost on every required session, or the partner has no session there; errorMessage says why. Becomes ' +
    'VERIFIED again once announced correctly.',
  PENDING:
    'Just registered: waiting for the partner to announce it on its required sessions, until the validation timeout.',
  WARNING: 'Was verified; now some (not all) required sessions lost it or break a rule. errorMessage says which.',
  UNKNOWN: `Azure's "Unknown". ${NEVER_PRODUCED}.`,
};
export const PrefixValidationStateEnum = builder.enumType('PrefixValidationState', {
  description:
    "Azure's prefix validation state. peerwatch produces PENDING, VERIFIED, WARNING and FAILED; NONE, INVALID and " +
    'UNKNOWN are kept from the Azure model and never appear.',
  values: Object.fromEntries(
    VALIDATION_STATES.map((state) => [state, { value: state, description: VALIDATION_STATE_DESCRIPTIONS[state] }]),
  ) as Record<(typeof VALIDATION_STATES)[number], { value: (typeof VALIDATION_STATES)[number]; description: string }>,
});

const LEARNED_TYPE_DESCRIPTIONS: Record<(typeof LEARNED_TYPES)[number], string> = {
  NONE: 'Not learned from the partner: the prefix is PENDING or FAILED.',
  VIA_SERVICE_PROVIDER: 'Learned from the Peering Service partner on its sessions with Microsoft: VERIFIED or WARNING.',
  VIA_SESSION: `Azure's "ViaSession" (learned on a direct peering session). ${NEVER_PRODUCED}.`,
};
export const LearnedTypeEnum = builder.enumType('LearnedType', {
  description:
    "How Microsoft learned the prefix (Azure's learnedType). peerwatch produces NONE and VIA_SERVICE_PROVIDER only.",
  values: Object.fromEntries(
    LEARNED_TYPES.map((type) => [type, { value: type, description: LEARNED_TYPE_DESCRIPTIONS[type] }]),
  ) as Record<(typeof LEARNED_TYPES)[number], { value: (typeof LEARNED_TYPES)[number]; description: string }>,
});

export const TagRef = builder.objectRef<Tag>('Tag').implement({
  description: 'A free-form key/value label on a peering service (like an Azure resource tag).',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'Tag key, 1-128 characters, unique per service (case-insensitive).' }),
    value: t.exposeString('value', { description: 'Tag value, at most 256 characters (may be empty).' }),
  }),
});

export const PeeringServiceRef = builder.objectRef<PeeringServiceRow>('PeeringService');
export const PrefixRef = builder.objectRef<PrefixRow>('Prefix');

/**
 * The row columns each PeeringService field reads. A list page reads only the columns of the fields asked for; a
 * field missing here (add it with its fields) makes the page read whole rows.
 */
export const PEERING_SERVICE_COLUMNS: Readonly<Record<string, readonly (keyof PeeringServiceRow)[]>> = {
  id: ['id'],
  name: ['name'],
  customer: ['customerId'],
  customerLocation: ['customerLocationId'],
  azureRegion: ['customerLocationId'],
  partner: ['partnerId'],
  primaryPeeringLocation: ['primaryPeeringLocationId'],
  backupPeeringLocation: ['backupPeeringLocationId'],
  provisioningState: ['provisioningState'],
  tags: ['tags'],
  createdAt: ['createdAt'],
  prefixes: ['id'],
};

/**
 * Reads now, one statement each, the partners and peering locations that the services of a page read for those fields
 * (`columns` names their id columns) will ask for, so that each service's `partner`, `primaryPeeringLocation` and
 * `backupPeeringLocation` answer at once instead of through a promise and a batch. A page of whole rows (null
 * `columns`: the fields asked for are not known) reads nothing ahead.
 */
export function readReferencesNow(ctx: Context, page: Connection<PeeringServiceRow>, columns: ColumnSet | null): void {
  if (!columns || page.edges.length === 0) return;
  const partners: number[] = [];
  const locations: (number | null)[] = [];
  for (const { node } of page.edges) {
    // A column not read (its field not asked for) is undefined, and skipped.
    partners.push(node.partnerId);
    locations.push(node.primaryPeeringLocationId, node.backupPeeringLocationId);
  }
  if (columns.names.includes('partnerId')) ctx.loaders.partner.readNow(partners);
  if (columns.names.includes('primaryPeeringLocationId') || columns.names.includes('backupPeeringLocationId')) {
    ctx.loaders.peeringLocation.readNow(locations);
  }
}

/** The row columns each Prefix field reads, as PEERING_SERVICE_COLUMNS. */
export const PREFIX_COLUMNS: Readonly<Record<string, readonly (keyof PrefixRow)[]>> = {
  id: ['id'],
  name: ['name'],
  prefix: ['prefix'],
  prefixKey: ['prefixKey'],
  validationState: ['validationState'],
  learnedType: ['learnedType'],
  errorMessage: ['errorMessage'],
  validatedAt: ['validatedAt'],
  expectedOriginAsns: ['expectedOriginAsns'],
  expectedUpstreamAsns: ['expectedUpstreamAsns'],
  createdAt: ['createdAt'],
  peeringService: ['peeringServiceId'],
};

/** Shared by PeeringService.prefixes and Query.prefixes. */
export const PrefixConnectionRef = builder.connectionObject(
  {
    type: PrefixRef,
    name: 'PrefixConnection',
    description: 'A page of prefixes.',
    fields: (c) => ({
      totalCount: c.int({
        description: 'How many prefixes the list has in all (not just this page), with its filter applied.',
        resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount,
      }),
    }),
  },
  { name: 'PrefixEdge', description: 'A prefix in a page, with its cursor.' },
);

builder.node(PeeringServiceRef, {
  description:
    "A registered Peering Service connection: a customer site, its partner, the partner's primary and optional backup " +
    'peering locations, and the prefixes the site sends traffic from.',
  id: { resolve: (s) => s.id },
  loadMany: async (ids, ctx) => loadNodes(ctx.loaders.peeringService, ids),
  fields: (t) => ({
    name: t.exposeString('name', {
      description: 'Name, [A-Za-z0-9_.-]{1,63}, unique per customer (case-insensitive).',
    }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: 'The owning customer: visible to OPERATOR and the customer itself, null for a PARTNER.',
      resolve: (s, _a, ctx) => ctx.loaders.customer.load(s.customerId),
    }),
    customerLocation: t.field({
      type: CustomerLocationRef,
      description: "Where the customer's site is (country and state/province).",
      resolve: (s, _a, ctx) => required(ctx.loaders.customerLocation.load(s.customerLocationId)),
    }),
    azureRegion: t.string({
      description: 'The Azure region of the customer location.',
      resolve: async (s, _a, ctx) => (await ctx.loaders.customerLocation.load(s.customerLocationId))!.azureRegion,
    }),
    partner: t.field({
      type: PartnerRef,
      description: 'The connectivity partner (ISP or IXP) that carries the traffic to Microsoft.',
      resolve: (s, _a, ctx) => required(ctx.loaders.partner.load(s.partnerId)),
    }),
    primaryPeeringLocation: t.field({
      type: PeeringLocationRef,
      description: "The partner's peering location that carries the traffic (at least 2 sessions on distinct routers).",
      resolve: (s, _a, ctx) => required(ctx.loaders.peeringLocation.load(s.primaryPeeringLocationId)),
    }),
    backupPeeringLocation: t.field({
      type: PeeringLocationRef,
      nullable: true,
      description:
        'Where traffic goes when the primary location fails (at least 1 session). null means None: the public internet ' +
        'is the failover route.',
      resolve: (s, _a, ctx) =>
        s.backupPeeringLocationId == null ? null : ctx.loaders.peeringLocation.load(s.backupPeeringLocationId),
    }),
    provisioningState: t.expose('provisioningState', {
      type: ProvisioningStateEnum,
      description: 'Always SUCCEEDED in peerwatch (writes are synchronous).',
    }),
    tags: t.expose('tags', { type: [TagRef], description: 'Labels, in the order given (at most 50).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the service was created.' }),
    prefixes: t.connection(
      {
        type: PrefixRef,
        description: 'The registered prefixes, oldest first. `first`/`last` are 1..100 (default 20).',
        resolve: (s, args, ctx, info) =>
          ctx.loaders.servicePrefixes.load({
            parentId: s.id,
            request: pageRequest(PREFIX_CURSOR_KIND, args),
            columns: connectionColumns(info, PREFIX_COLUMNS, ['id']),
          }),
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
    name: t.exposeString('name', {
      description: 'Name, [A-Za-z0-9_.-]{1,63}, unique within its peering service (case-insensitive).',
    }),
    prefix: t.exposeString('prefix', { description: 'Normalised CIDR, e.g. 203.0.113.0/24.' }),
    prefixKey: t.exposeString('prefixKey', {
      description:
        'The key (UUID v4) the partner issued with registerPartnerPrefix, as given when the prefix was added.',
    }),
    validationState: t.expose('validationState', {
      type: PrefixValidationStateEnum,
      description:
        'Whether the partner announces the prefix to Microsoft as Peering Service requires. Starts PENDING; ' +
        'changes are pushed by the prefixValidationChanged subscription.',
    }),
    learnedType: t.expose('learnedType', {
      type: LearnedTypeEnum,
      description: 'VIA_SERVICE_PROVIDER while VERIFIED or WARNING, otherwise NONE.',
    }),
    errorMessage: t.exposeString('errorMessage', {
      nullable: true,
      description:
        "Why the prefix is not VERIFIED, in Azure's wording plus the session and detail; null when it is VERIFIED or PENDING.",
    }),
    validatedAt: t.expose('validatedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the validation state last changed; null until it first leaves PENDING.',
    }),
    expectedOriginAsns: t.expose('expectedOriginAsns', {
      type: [AsnScalar],
      description:
        'Expected origin ASNs. When none were given, the origin seen at first verification is recorded here.',
    }),
    expectedUpstreamAsns: t.expose('expectedUpstreamAsns', {
      type: [AsnScalar],
      description: 'ASNs allowed next to the origin besides the partner. Empty: no route-leak check.',
    }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When the prefix was registered.',
    }),
    peeringService: t.field({
      type: PeeringServiceRef,
      description: 'The peering service the prefix belongs to.',
      resolve: (p, _a, ctx) => required(ctx.loaders.peeringService.load(p.peeringServiceId)),
    }),
  }),
});
