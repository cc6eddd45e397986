import { userError } from '../../errors.js';
import type { IngestResult } from '../../telemetry/engine.js';
import { builder } from '../builder.js';
import { AsnScalar, UserErrorRef } from '../common.js';

const RouteAnnouncementInput = builder.inputType('RouteAnnouncementInput', {
  description: 'Prefixes announced with one next hop (RIS Live announcements[]).',
  fields: (t) => ({
    nextHop: t.string({ required: true, description: 'IPv4 or IPv6 address of the next hop.' }),
    prefixes: t.stringList({
      required: true,
      description: 'Announced CIDRs (no host bits set); at most 5,000 prefixes per update, withdrawals included.',
    }),
  }),
});

const RouteUpdateInput = builder.inputType('RouteUpdateInput', {
  description: "One BGP UPDATE as seen by a collector peer; the shape follows RIS Live's ris_message data.",
  fields: (t) => ({
    timestamp: t.float({ required: true, description: 'Seconds since the epoch (fractions allowed), positive.' }),
    host: t.string({ required: true, description: 'Collector name, 1-64 characters, e.g. rrc00 or edge-ams.' }),
    peer: t.string({
      required: true,
      description:
        "Address of the BGP peer the update came from. Updates from a partner session's peerAddress count as that " +
        'session; an IPv4-mapped IPv6 address (::ffff:192.0.2.83) is the same peer as its IPv4 address.',
    }),
    peerAsn: t.field({ type: AsnScalar, required: true, description: 'ASN of the BGP peer, 1..4294967295.' }),
    path: t.field({
      type: [AsnScalar],
      description:
        'AS path, nearest AS first, origin last; ASNs 1..4294967295 (RFC 6793), at most 255. Required (non-empty) ' +
        'when the update announces anything.',
    }),
    community: t.field({
      type: t.listRef(t.listRef('Int')),
      description:
        'Standard BGP communities (RFC 1997) as [asn, value] pairs of 16-bit halves (0..65535 each), e.g. ' +
        '[[8075, 8007]]. Large communities (RFC 8092) are not accepted here.',
    }),
    announcements: t.field({ type: [RouteAnnouncementInput], description: 'Prefixes announced by this update.' }),
    withdrawals: t.stringList({ description: 'CIDRs withdrawn by this update.' }),
  }),
});

const IngestRouteUpdatesInput = builder.inputType('IngestRouteUpdatesInput', {
  description: 'A batch of BGP updates from one or more collectors.',
  fields: (t) => ({
    updates: t.field({
      type: [RouteUpdateInput],
      required: true,
      description: 'At most 10,000 (more: one LIMIT_EXCEEDED error and nothing is written), applied in order.',
    }),
  }),
});

const LatencySampleInput = builder.inputType('LatencySampleInput', {
  description: 'One round-trip time measurement from a client to Microsoft.',
  fields: (t) => ({
    source: t.string({
      required: true,
      description:
        'Client address or prefix the sample was measured from; counted for its /24 (IPv4) or /48 (IPv6), or for the ' +
        'prefix itself when that is shorter.',
    }),
    peeringLocation: t.string({
      description: "Peering location (metro name) where the sample entered Microsoft's network (informational).",
    }),
    timestamp: t.field({
      type: 'DateTime',
      required: true,
      description:
        'When it was measured: at most 5 minutes in the future and within LATENCY_RETENTION_DAYS (default 35) of now.',
    }),
    rttMs: t.float({ required: true, description: 'Round-trip time in milliseconds, 0..600000.' }),
  }),
});

const IngestLatencySamplesInput = builder.inputType('IngestLatencySamplesInput', {
  description: 'A batch of latency samples.',
  fields: (t) => ({
    samples: t.field({
      type: [LatencySampleInput],
      required: true,
      description: 'At most 10,000 (more: one LIMIT_EXCEEDED error and nothing is written).',
    }),
  }),
});

const IngestPayload = builder.objectRef<IngestResult>('IngestPayload').implement({
  description: 'Good items are kept even when others in the batch are rejected; each rejected item has a user error.',
  fields: (t) => ({
    accepted: t.exposeInt('accepted', {
      description: 'Items that were well-formed and recorded (ignored ones included).',
    }),
    rejected: t.exposeInt('rejected', {
      description:
        'Items refused, each with a user error (INVALID_INPUT at its index); all of them when the batch is refused.',
    }),
    ignored: t.exposeInt('ignored', {
      description:
        'Accepted items that concern nothing watched and were dropped: latency samples from outside every registered ' +
        'prefix, route updates from peers that are not partner sessions about prefixes nobody registered.',
    }),
    userErrors: t.expose('userErrors', {
      type: [UserErrorRef],
      description:
        'One per rejected item, or a single FORBIDDEN (not COLLECTOR or OPERATOR) or LIMIT_EXCEEDED (batch over 10,000) ' +
        'for the whole batch.',
    }),
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
    description:
      'COLLECTOR or OPERATOR (others: userError FORBIDDEN). One transaction per batch; malformed items are counted in ' +
      '`rejected`, the rest are applied and analysed at once.',
    args: { input: t.arg({ type: IngestRouteUpdatesInput, required: true, description: 'The updates.' }) },
    resolve: (_root, { input }, ctx) =>
      canIngest(ctx.viewer.role) ? ctx.telemetry.ingestRouteUpdates(input.updates) : forbidden(input.updates.length),
  }),
  ingestLatencySamples: t.field({
    type: IngestPayload,
    description:
      'COLLECTOR or OPERATOR (others: userError FORBIDDEN). Samples land in 5-minute and 1-hour buckets of their /24 ' +
      '(IPv4) or /48 (IPv6); malformed ones are counted in `rejected`.',
    args: { input: t.arg({ type: IngestLatencySamplesInput, required: true, description: 'The samples.' }) },
    resolve: (_root, { input }, ctx) =>
      canIngest(ctx.viewer.role) ? ctx.telemetry.ingestLatencySamples(input.samples) : forbidden(input.samples.length),
  }),
}));
