import { userError } from '../../errors.js';
import type { IngestResult } from '../../telemetry/engine.js';
import { builder } from '../builder.js';
import { AsnScalar, UserErrorRef } from '../common.js';

const RouteAnnouncementInput = builder.inputType('RouteAnnouncementInput', {
  fields: (t) => ({ nextHop: t.string({ required: true }), prefixes: t.stringList({ required: true }) }),
});

const RouteUpdateInput = builder.inputType('RouteUpdateInput', {
  description: "One BGP UPDATE as seen by a collector peer; the shape follows RIS Live's ris_message data.",
  fields: (t) => ({
    timestamp: t.float({ required: true, description: 'Seconds since the epoch (fractions allowed).' }),
    host: t.string({ required: true, description: 'Collector name, e.g. rrc00 or edge-ams.' }),
    peer: t.string({
      required: true,
      description:
        "Address of the BGP peer the update came from. Updates from a partner session's peerAddress count as that " +
        'session; an IPv4-mapped IPv6 address (::ffff:192.0.2.83) is the same peer as its IPv4 address.',
    }),
    peerAsn: t.field({ type: AsnScalar, required: true, description: 'ASN of the BGP peer, 1..4294967295.' }),
    path: t.field({
      type: [AsnScalar],
      description: 'AS path, nearest AS first, origin last; ASNs 1..4294967295 (RFC 6793).',
    }),
    community: t.field({
      type: t.listRef(t.listRef('Int')),
      description:
        'Standard BGP communities (RFC 1997) as [asn, value] pairs of 16-bit halves (0..65535 each), e.g. ' +
        '[[8075, 8007]]. Large communities (RFC 8092) are not accepted here.',
    }),
    announcements: t.field({ type: [RouteAnnouncementInput] }),
    withdrawals: t.stringList(),
  }),
});

const IngestRouteUpdatesInput = builder.inputType('IngestRouteUpdatesInput', {
  fields: (t) => ({ updates: t.field({ type: [RouteUpdateInput], required: true, description: 'At most 10,000.' }) }),
});

const LatencySampleInput = builder.inputType('LatencySampleInput', {
  fields: (t) => ({
    source: t.string({ required: true, description: 'Client address or prefix the sample was measured from.' }),
    peeringLocation: t.string({
      description: "Peering location (metro name) where the sample entered Microsoft's network (informational).",
    }),
    timestamp: t.field({ type: 'DateTime', required: true }),
    rttMs: t.float({ required: true }),
  }),
});

const IngestLatencySamplesInput = builder.inputType('IngestLatencySamplesInput', {
  fields: (t) => ({ samples: t.field({ type: [LatencySampleInput], required: true, description: 'At most 10,000.' }) }),
});

const IngestPayload = builder.objectRef<IngestResult>('IngestPayload').implement({
  description: 'Good items are kept even when others in the batch are rejected; each rejected item has a user error.',
  fields: (t) => ({
    accepted: t.exposeInt('accepted'),
    rejected: t.exposeInt('rejected'),
    ignored: t.exposeInt('ignored', {
      description:
        'Accepted items that concern nothing watched and were dropped: latency samples from outside every registered ' +
        'prefix, route updates from peers that are not partner sessions about prefixes nobody registered.',
    }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

const forbidden = (count: number): IngestResult => ({
  accepted: 0,
  rejected: count,
  ignored: 0,
  userErrors: [userError('FORBIDDEN', null, 'Only COLLECTOR or OPERATOR tokens can ingest telemetry')],
});

const canIngest = (role: string) => role === 'COLLECTOR' || role === 'OPERATOR';

builder.mutationFields((t) => ({
  ingestRouteUpdates: t.field({
    type: IngestPayload,
    description: 'COLLECTOR or OPERATOR. One transaction per batch; malformed items are counted in `rejected`.',
    args: { input: t.arg({ type: IngestRouteUpdatesInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      canIngest(ctx.viewer.role) ? ctx.telemetry.ingestRouteUpdates(input.updates) : forbidden(input.updates.length),
  }),
  ingestLatencySamples: t.field({
    type: IngestPayload,
    description:
      'COLLECTOR or OPERATOR. Samples land in 5-minute and 1-hour buckets of their /24 (IPv4) or /48 (IPv6).',
    args: { input: t.arg({ type: IngestLatencySamplesInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      canIngest(ctx.viewer.role) ? ctx.telemetry.ingestLatencySamples(input.samples) : forbidden(input.samples.length),
  }),
}));
