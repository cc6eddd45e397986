import type { BGP_SESSION_STATES } from '../../db/schema.js';
import type { CustomerLocationView, PeeringLocationRow } from '../../services/catalogue.js';
import type { PartnerRow, SessionRow } from '../../services/partners.js';
import { canSeePartnerSessions } from '../../services/viewer.js';
import { builder } from '../builder.js';
import { AsnScalar, loadNodes, required } from '../common.js';

export const PartnerKindEnum = builder.enumType('PartnerKind', {
  description: 'What kind of connectivity partner it is.',
  values: {
    ISP: { description: 'An internet service provider: peers with Microsoft (AS8075) over its own BGP sessions.' },
    IXP: { description: 'An internet exchange: peers with Microsoft through its route servers.' },
  } as const,
});

export const BgpSessionStateEnum = builder.enumType('BgpSessionState', {
  description: 'BGP session state as last reported by a feed.',
  values: {
    UNKNOWN: { value: 'UNKNOWN', description: 'No feed has reported this session yet.' },
    ESTABLISHED: {
      value: 'ESTABLISHED',
      description: 'Reported up (RIS_PEER_STATE connected, ExaBGP up). It started from an empty table.',
    },
    DOWN: { value: 'DOWN', description: 'Reported down: every route learned on it was withdrawn.' },
  } satisfies Record<(typeof BGP_SESSION_STATES)[number], { value: string; description: string }>,
});

export const AvailabilityEnum = builder.enumType('Availability', {
  description: 'The answer of providerAvailability.',
  values: {
    AVAILABLE: {
      description: 'The partner has a peering location within 1000 miles of the customer location: it can be used.',
    },
    UNAVAILABLE: {
      description:
        'No peering location of the partner is that close; createPeeringService answers PROVIDER_UNAVAILABLE.',
    },
  } as const,
});

export const PartnerRef = builder.objectRef<PartnerRow>('Partner');
export const PeeringLocationRef = builder.objectRef<PeeringLocationRow>('PeeringLocation');
export const PeeringSessionRef = builder.objectRef<SessionRow>('PeeringSession');

builder.node(PartnerRef, {
  description: 'A connectivity partner (ISP or IXP) that peers with Microsoft (AS8075) for Peering Service.',
  id: { resolve: (p) => p.id },
  loadMany: async (ids, ctx) => loadNodes(ctx.loaders.partner.loader, ids),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Published name, unique (case-insensitive), e.g. AMS-IX.' }),
    kind: t.expose('kind', { type: PartnerKindEnum, description: 'ISP or IXP.' }),
    asn: t.expose('asn', {
      type: AsnScalar,
      description: "The partner's ASN (for an IXP: its route server ASN).",
    }),
    markets: t.exposeStringList('markets', { description: 'Markets as published, e.g. Europe, Japan, North America.' }),
    peeringLocations: t.field({
      type: [PeeringLocationRef],
      description: 'Metros where the partner peers with Microsoft, by name.',
      resolve: (p, _args, ctx) => ctx.loaders.partnerLocations.load(p.id),
    }),
    sessions: t.field({
      type: [PeeringSessionRef],
      nullable: true,
      description:
        "The partner's BGP sessions with Microsoft. Visible to OPERATOR and to the partner itself; null for " +
        'everyone else (no error).',
      resolve: (p, _args, ctx) =>
        canSeePartnerSessions(ctx.viewer, p.id) ? ctx.loaders.partnerSessions.load(p.id) : null,
    }),
  }),
});

builder.node(PeeringLocationRef, {
  description: 'A Microsoft edge metro where partners peer with AS8075.',
  id: { resolve: (l) => l.id },
  loadMany: async (ids, ctx) => loadNodes(ctx.loaders.peeringLocation.loader, ids),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Metro name, e.g. Amsterdam, Ashburn, Tokyo.' }),
    country: t.exposeString('country', { description: 'Country name in English, e.g. Netherlands.' }),
    latitude: t.exposeFloat('lat', {
      description: "Latitude of the metro's centre in decimal degrees (WGS 84); used for the 1000-mile rule.",
    }),
    longitude: t.exposeFloat('lon', {
      description: "Longitude of the metro's centre in decimal degrees (WGS 84), east positive.",
    }),
    partners: t.field({
      type: [PartnerRef],
      description: 'Partners that peer with Microsoft at this metro.',
      resolve: (l, _args, ctx) => ctx.loaders.locationPartners.load(l.id),
    }),
  }),
});

builder.node(PeeringSessionRef, {
  description:
    "One of a partner's BGP sessions with Microsoft (AS8075) at a peering location. Visible to OPERATOR and the " +
    'partner itself; `node(id:)` gives null to anyone else.',
  id: { resolve: (s) => s.id },
  loadMany: async (ids, ctx) => loadNodes(ctx.loaders.session, ids),
  fields: (t) => ({
    partner: t.field({
      type: PartnerRef,
      description: 'The partner on the other end of the session.',
      resolve: (s, _a, ctx) => required(ctx.loaders.partner.load(s.partnerId)),
    }),
    peeringLocation: t.field({
      type: PeeringLocationRef,
      description: 'The metro where the session is.',
      resolve: (s, _a, ctx) => required(ctx.loaders.peeringLocation.load(s.peeringLocationId)),
    }),
    routerName: t.exposeString('routerName', {
      description:
        'The Microsoft edge router of the session, [A-Za-z0-9_.-]{1,63}. Sessions on distinct routers (compared ' +
        'case-insensitively) count toward the two a primary location needs.',
    }),
    peerAddress: t.exposeString('peerAddress', {
      description: "The partner's address on the session, as it appears as `peer` in route updates.",
    }),
    demo: t.exposeBoolean('demo', { description: 'True for the synthetic sessions seeded with the demo catalogue.' }),
    state: t.expose('state', {
      type: BgpSessionStateEnum,
      description:
        'BGP session state as last reported by a feed (RIS_PEER_STATE, ExaBGP state messages). DOWN withdraws every ' +
        'route learned on it.',
    }),
    stateChangedAt: t.expose('stateChangedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the state last changed (the BGP time of the report). null while UNKNOWN.',
    }),
  }),
});

export const CustomerLocationRef = builder.objectRef<CustomerLocationView>('CustomerLocation').implement({
  description: 'Where a customer site is: country and state/province, with the Azure region that serves it.',
  fields: (t) => ({
    country: t.exposeString('country', { description: 'Country name in English, e.g. Australia.' }),
    state: t.exposeString('state', { description: 'State or province (state-level location of the customer site).' }),
    azureRegion: t.exposeString('azureRegion', {
      description: 'Display name of the Azure region that serves it, e.g. Australia East.',
    }),
  }),
});

export const CountryRef = builder.objectRef<{ name: string; locations: CustomerLocationView[] }>('Country').implement({
  description: 'A country of the customer location catalogue (public).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Country name in English, as createPeeringService expects it.' }),
    locations: t.expose('locations', {
      type: [CustomerLocationRef],
      description: 'Its customer locations (states/provinces), by state name.',
    }),
  }),
});
