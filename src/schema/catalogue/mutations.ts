import { createPartner, createPeeringSession, type PartnerRow, type SessionRow } from '../../services/partners.js';
import { builder } from '../builder.js';
import { AsnScalar, decodeId, payloadType, toPayload } from '../common.js';
import { PartnerKindEnum, PartnerRef, PeeringSessionRef } from './types.js';

const CreatePartnerInput = builder.inputType('CreatePartnerInput', {
  description: 'OPERATOR only: the partner catalogue is seeded from the published partner list and can be extended.',
  fields: (t) => ({
    name: t.string({ required: true }),
    kind: t.field({ type: PartnerKindEnum, required: true }),
    asn: t.field({
      type: AsnScalar,
      required: true,
      description: "The partner's ASN (for an IXP: its route server ASN), 1..4294967295.",
    }),
    markets: t.stringList(),
    peeringLocationIds: t.idList({ required: true }),
  }),
});

const CreatePartnerPayload = payloadType<PartnerRow>('CreatePartnerPayload', 'partner', PartnerRef);

const CreatePeeringSessionInput = builder.inputType('CreatePeeringSessionInput', {
  description: 'OPERATOR, or the PARTNER itself.',
  fields: (t) => ({
    partnerId: t.id({ required: true }),
    peeringLocationId: t.id({ required: true }),
    routerName: t.string({ required: true }),
    peerAddress: t.string({
      required: true,
      description:
        'IPv4 or IPv6 address; unique across sessions. Stored normalised: an IPv4-mapped IPv6 address ' +
        '(::ffff:192.0.2.83, RFC 4291) is stored as the IPv4 address (192.0.2.83).',
    }),
  }),
});

const CreatePeeringSessionPayload = payloadType<SessionRow>(
  'CreatePeeringSessionPayload',
  'session',
  PeeringSessionRef,
);

builder.mutationFields((t) => ({
  createPartner: t.field({
    type: CreatePartnerPayload,
    args: { input: t.arg({ type: CreatePartnerInput, required: true }) },
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
    args: { input: t.arg({ type: CreatePeeringSessionInput, required: true }) },
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
