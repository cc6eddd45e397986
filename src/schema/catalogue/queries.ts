import { InputError, NotFoundError } from '../../errors.js';
import {
  listCountries,
  listCustomerLocations,
  listPartners,
  listPeeringLocations,
  PARTNER_CURSOR_KIND,
} from '../../services/catalogue.js';
import { pageRequest } from '../../services/pagination.js';
import { providerAvailability } from '../../services/peering-services.js';
import { builder } from '../builder.js';
import { decodeId } from '../common.js';
import {
  AvailabilityEnum,
  CountryRef,
  CustomerLocationRef,
  PartnerKindEnum,
  PartnerRef,
  PeeringLocationRef,
} from './types.js';

const PartnerFilter = builder.inputType('PartnerFilter', {
  description: 'All given conditions must hold. Text matches are case-insensitive.',
  fields: (t) => ({
    kind: t.field({ type: PartnerKindEnum, description: 'Only partners of this kind.' }),
    market: t.string({ description: 'A published market, e.g. "Europe" (exact name, case-insensitive).' }),
    peeringLocation: t.string({
      description:
        'Only partners that peer at this peering location (metro) name, e.g. "Amsterdam" (exact, case-insensitive).',
    }),
    search: t.string({
      description:
        'Substring of the partner name, at most 200 characters (longer is BAD_USER_INPUT); `%` and `_` match themselves.',
    }),
  }),
});

builder.queryFields((t) => ({
  partners: t.connection(
    {
      type: PartnerRef,
      description: 'The partner catalogue (public), ordered by creation. `first`/`last` are 1..100 (default 20).',
      args: { filter: t.arg({ type: PartnerFilter, description: 'Narrows the list; omit for every partner.' }) },
      resolve: (_root, args, ctx) =>
        listPartners(ctx.deps.db, args.filter ?? {}, pageRequest(PARTNER_CURSOR_KIND, args)),
    },
    {
      name: 'PartnerConnection',
      description: 'A page of partners.',
      fields: (c) => ({
        totalCount: c.int({
          description: 'How many partners match the filter in all (not just this page).',
          resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount,
        }),
      }),
    },
    { name: 'PartnerEdge', description: 'A partner in a page, with its cursor.' },
  ),
  peeringLocations: t.field({
    type: [PeeringLocationRef],
    description: 'Microsoft edge metros where partners peer, ordered by name (public).',
    args: { country: t.arg.string({ description: 'Only metros in this country (exact name, case-insensitive).' }) },
    resolve: (_root, args, ctx) => listPeeringLocations(ctx.deps.db, args.country),
  }),
  countries: t.field({
    type: [CountryRef],
    description: 'Countries with their customer locations, ordered by name (public).',
    resolve: (_root, _args, ctx) => listCountries(ctx.deps.db),
  }),
  customerLocations: t.field({
    type: [CustomerLocationRef],
    description:
      'State/province-level customer locations with their Azure region, ordered by country then state (public).',
    args: { country: t.arg.string({ description: 'Only this country (exact name, case-insensitive).' }) },
    resolve: (_root, args, ctx) => listCustomerLocations(ctx.deps.db, args.country),
  }),
  providerAvailability: t.field({
    type: AvailabilityEnum,
    description:
      "Is the partner present within 1000 miles (great-circle) of the customer location's centre (Azure's rule)? " +
      'Public. An unknown partner is a GraphQL error with extensions.code NOT_FOUND, an unknown location BAD_USER_INPUT.',
    args: {
      partnerId: t.arg.id({ required: true, description: 'The Partner global id.' }),
      country: t.arg.string({ required: true, description: 'Country of the customer location (case-insensitive).' }),
      state: t.arg.string({
        required: true,
        description: 'State or province of the customer location (case-insensitive), as in customerLocations.',
      }),
    },
    resolve: (_root, args, ctx) => {
      const partnerId = decodeId(args.partnerId, 'Partner');
      if (partnerId == null) throw new NotFoundError('No such partner');
      const answer = providerAvailability(ctx.deps, partnerId, args.country, args.state);
      if (answer === 'UNKNOWN_PARTNER') throw new NotFoundError('No such partner');
      if (answer === 'UNKNOWN_LOCATION') {
        throw new InputError(`"${args.state}, ${args.country}" is not a known customer location`);
      }
      return answer;
    },
  }),
}));
