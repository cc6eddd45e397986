import { createPartner, createPeeringSession, type PartnerRow, type SessionRow } from '../../services/partners.js';
import { builder } from '../builder.js';
import { AsnScalar, decodeId, payloadType, toPayload } from '../common.js';
import { PartnerKindEnum, PartnerRef, PeeringSessionRef } from './types.js';

const CreatePartnerInput = builder.inputType('CreatePartnerInput', {
  description: 'OPERATOR only: the partner catalogue is seeded from the published partner list and can be extended.',
  fields: (t) => ({
    name: t.string({
      required: true,
      description: '1-100 characters after trimming, unique (case-insensitive; NAME_TAKEN otherwise).',
    }),
    kind: t.field({ type: PartnerKindEnum, required: true, description: 'ISP or IXP.' }),
    asn: t.field({
      type: AsnScalar,
      required: true,
      description: "The partner's ASN (for an IXP: its route server ASN), 1..4294967295.",
    }),
    markets: t.stringList({
      description: 'Published markets, e.g. Europe: at most 20, each 1-50 characters; duplicates are dropped.',
    }),
    peeringLocationIds: t.idList({
      required: true,
      description: 'PeeringLocation ids where the partner peers with Microsoft: 1..200, each must exist (NOT_FOUND).',
    }),
  }),
});

const CreatePartnerPayload = payloadType<PartnerRow>(
  'CreatePartnerPayload',
  'partner',
  PartnerRef,
  'The result of createPartner.',
  'The new partner.',
);

const CreatePeeringSessionInput = builder.inputType('CreatePeeringSessionInput', {
  description: 'OPERATOR, or the PARTNER itself (anyone else: FORBIDDEN). Adds one BGP session with Microsoft.',
  fields: (t) => ({
    partnerId: t.id({ required: true, description: 'The Partner whose session it is.' }),
    peeringLocationId: t.id({
      required: true,
      description: 'A PeeringLocation where the partner peers (PEERING_LOCATION_NOT_SERVED otherwise).',
    }),
    routerName: t.string({
      required: true,
      description: 'The Microsoft edge router, [A-Za-z0-9_.-]{1,63} (INVALID_INPUT otherwise).',
    }),
    peerAddress: t.string({
      required: true,
      description:
        'IPv4 or IPv6 address; unique across sessions (INVALID_INPUT otherwise). Stored normalised: an IPv4-mapped ' +
        'IPv6 address (::ffff:192.0.2.83, RFC 4291) is stored as the IPv4 address (192.0.2.83).',
    }),
  }),
});

const CreatePeeringSessionPayload = payloadType<SessionRow>(
  'CreatePeeringSessionPayload',
  'session',
  PeeringSessionRef,
  'The result of createPeeringSession.',
  'The new session. Prefixes of peering services using the partner are validated again at once.',
);

builder.mutationFields((t) => ({
  createPartner: t.field({
    type: CreatePartnerPayload,
    description: 'OPERATOR only (others: userError FORBIDDEN). Adds a partner to the public catalogue.',
    args: { input: t.arg({ type: CreatePartnerInput, required: true, description: 'The new partner.' }) },
    resolve: (_root, { input }, ctx) =>
      toPayload(
        createPartner(ctx.deps, ctx.viewer, {
          ...input,
          peeringLocationIds: input.peeringLocationIds.map((id) => decodeId(id, 'PeeringLocation')),
        }),
      ),
  }),
  createPeeringSession: t.field({
    type: CreatePeeringSessionPayload,
    description:
      "OPERATOR, or the PARTNER itself (others: userError FORBIDDEN). Adds one of the partner's BGP sessions; route " +
      "updates from its peerAddress then count as that session's.",
    args: { input: t.arg({ type: CreatePeeringSessionInput, required: true, description: 'The new session.' }) },
    resolve: (_root, { input }, ctx) =>
      toPayload(
        createPeeringSession(ctx.deps, ctx.viewer, {
          ...input,
          partnerId: decodeId(input.partnerId, 'Partner'),
          peeringLocationId: decodeId(input.peeringLocationId, 'PeeringLocation'),
        }),
      ),
  }),
}));
