/**
 * The 31 Azure Peering Service connectivity partners. Pure data.
 *
 * Sources (each entry's `source` names the facts it relies on):
 * - Names and markets: Microsoft Learn, "Azure Peering Service locations and partners"
 *   (learn.microsoft.com/azure/peering-service/location-partners; MicrosoftDocs/azure-docs
 *   articles/peering-service/location-partners.md, ms.date 04/10/2025), as published (market values mix
 *   continents and countries: Africa, Asia, Europe, Indonesia, Japan, LATAM, North America, Oceania).
 * - Kind and peering locations: the same page's "ISPs by Metro" and "IXPs by Metro" tabs.
 * - Partners absent from the metro tabs: CCL and MainOne take their metros from the peeringServiceProviders
 *   list (the Microsoft.Peering REST API; its sample output is in Azure PowerShell's
 *   Get-AzPeeringServiceProvider help); BBIX, Dimension Data, NEC, PCCW, Telstra International and Vodacom
 *   appear in neither, so their kind and metros are an inference (well-known metros inside their published markets).
 * - ASN: the partner's own AS, or the route-server AS for IXPs. Where no ASN could be established a
 *   documentation ASN from RFC 5398 (64496-64511) is used and `source` says so.
 */
import type { SeedPartner } from './types.js';

export const partners: SeedPartner[] = [
  {
    name: 'AMS-IX',
    kind: 'IXP',
    asn: 6777,
    markets: ['Europe'],
    peeringLocations: ['Amsterdam'],
    source:
      'Peering Service locations and partners page: markets; IXPs by Metro tab (kind IXP, metros). ASN: AMS-IX route-server AS6777 ' +
      '(well-known RS ASN; not re-checked in a stored source).',
  },
  {
    name: 'Atman',
    kind: 'ISP',
    asn: 24748,
    markets: ['Europe'],
    peeringLocations: ['Warsaw'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN: AS24748, corroborated on atman.pl ' +
      "(Atman's own Thinx IX page uses AS 24748 for its route servers).",
  },
  {
    name: 'BBIX',
    kind: 'IXP',
    asn: 64496,
    markets: ['Japan'],
    peeringLocations: ['Tokyo', 'Osaka'],
    source:
      'Peering Service locations and partners page: markets. Not in the metro tabs nor the peeringServiceProviders list: kind IXP and metros (Tokyo, Osaka) ' +
      'are an inference (well-known metros within its markets). ASN unknown, documentation ASN used (BBIX ' +
      'route-server ASN could not be established).',
  },
  {
    name: 'CCL',
    kind: 'ISP',
    asn: 64497,
    markets: ['Oceania'],
    peeringLocations: ['Auckland'],
    source:
      'Peering Service locations and partners page: markets. Not in the metro tabs: kind ISP is an inference; metros from the peeringServiceProviders ' +
      "provider list ('Computer Concepts Limited' {Auckland}). ASN unknown, documentation ASN used (no ASN " +
      'found for Computer Concepts Limited).',
  },
  {
    name: 'CMC Networks',
    kind: 'ISP',
    asn: 64498,
    markets: ['Africa'],
    peeringLocations: ['Cape Town', 'Johannesburg'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN unknown, documentation ASN used (no ' +
      'ASN found for CMC Networks).',
  },
  {
    name: 'Colt',
    kind: 'ISP',
    asn: 8220,
    markets: ['Asia', 'Europe'],
    peeringLocations: ['Amsterdam', 'Frankfurt', 'Hong Kong SAR', 'London', 'Osaka', 'Singapore', 'Tokyo'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN: Colt Technology Services AS8220 ' +
      '(general knowledge; not re-checked in a stored source).',
  },
  {
    name: 'Converge ICT',
    kind: 'ISP',
    asn: 17639,
    markets: ['Asia'],
    peeringLocations: ['Manila'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN: Converge ICT Solutions AS17639 ' +
      '(general knowledge; not re-checked in a stored source).',
  },
  {
    name: 'Dimension Data',
    kind: 'ISP',
    asn: 64499,
    markets: ['Africa'],
    peeringLocations: ['Johannesburg', 'Cape Town'],
    source:
      'Peering Service locations and partners page: markets. Not in the metro tabs nor the peeringServiceProviders list: kind ISP and metros (Johannesburg, ' +
      'Cape Town) are an inference (well-known metros within its markets). ASN unknown, documentation ASN ' +
      'used (Internet Solutions AS3741 is a plausible but unverified candidate).',
  },
  {
    name: 'DE-CIX',
    kind: 'IXP',
    asn: 6695,
    markets: ['Asia', 'Europe', 'North America'],
    peeringLocations: [
      'Barcelona',
      'Chennai',
      'Dallas',
      'Dubai',
      'Frankfurt',
      'Kuala Lumpur',
      'Madrid',
      'Marseilles',
      'Mumbai',
      'New York',
    ],
    source:
      'Peering Service locations and partners page: markets; IXPs by Metro tab (kind IXP, metros). ASN: DE-CIX route-server AS6695, ' +
      "verified in a public RPSL aut-num object ('from AS6695 accept AS-DECIX').",
  },
  {
    name: 'Equinix IX',
    kind: 'IXP',
    asn: 24115,
    markets: ['Asia', 'North America'],
    peeringLocations: ['Ashburn', 'Atlanta', 'Chicago', 'Dallas', 'San Jose', 'Seattle', 'Singapore'],
    source:
      'Peering Service locations and partners page: markets; IXPs by Metro tab (kind IXP, metros). ASN: Equinix IX route-server AS24115 ' +
      '(well-known RS ASN; not re-checked in a stored source).',
  },
  {
    name: 'France-IX',
    kind: 'IXP',
    asn: 51706,
    markets: ['Europe'],
    peeringLocations: ['Paris'],
    source:
      'Peering Service locations and partners page: markets; IXPs by Metro tab (kind IXP, metros). ASN: France-IX route-server AS51706 ' +
      '(well-known RS ASN; not re-checked in a stored source).',
  },
  {
    name: 'IIJ',
    kind: 'ISP',
    asn: 2497,
    markets: ['Japan'],
    peeringLocations: ['Osaka', 'Tokyo'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN: Internet Initiative Japan AS2497, ' +
      'verified in terrykimura/isp-asn-quicklookup README (ISP-to-ASN table).',
  },
  {
    name: 'Intercloud',
    kind: 'ISP',
    asn: 64500,
    markets: ['Europe'],
    peeringLocations: ['Geneva', 'Zurich'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN unknown, documentation ASN used (no ' +
      'ASN found for InterCloud).',
  },
  {
    name: 'Kordia',
    kind: 'ISP',
    asn: 64501,
    markets: ['Oceania'],
    peeringLocations: ['Auckland', 'Sydney'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN unknown, documentation ASN used (no ' +
      'ASN found for Kordia Limited).',
  },
  {
    name: 'LINX',
    kind: 'IXP',
    asn: 8714,
    markets: ['Europe', 'North America'],
    peeringLocations: ['Ashburn', 'London', 'Manchester'],
    source:
      'Peering Service locations and partners page: markets; IXPs by Metro tab (kind IXP, metros). ASN: LINX route-server AS8714 ' +
      '(well-known RS ASN; not re-checked in a stored source).',
  },
  {
    name: 'Liquid Telecom',
    kind: 'ISP',
    asn: 30844,
    markets: ['Africa'],
    peeringLocations: ['Cape Town', 'Johannesburg', 'Nairobi'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN: Liquid Telecommunications AS30844 ' +
      '(general knowledge; not re-checked in a stored source).',
  },
  {
    name: 'Lumen Technologies',
    kind: 'ISP',
    asn: 3356,
    markets: ['Asia', 'Europe', 'North America'],
    peeringLocations: ['Los Angeles'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN: Lumen (ex-Level 3) AS3356 (general ' +
      'knowledge; also named as such in a public BGP blog post).',
  },
  {
    name: 'MainOne',
    kind: 'ISP',
    asn: 37282,
    markets: ['Africa'],
    peeringLocations: ['Lisbon', 'Lagos'],
    source:
      'Peering Service locations and partners page: markets. Not in the metro tabs: kind ISP is an inference; metros from the peeringServiceProviders ' +
      'list (MainOne {Lisbon, Lagos}). ASN: MainOne AS37282 (general knowledge; not re-checked in a ' +
      'stored source).',
  },
  {
    name: 'NAP Africa',
    kind: 'IXP',
    asn: 37195,
    markets: ['Africa'],
    peeringLocations: ['Cape Town', 'Johannesburg'],
    source:
      'Peering Service locations and partners page: markets; IXPs by Metro tab (kind IXP, metros). ASN: NAPAfrica route-server AS37195 ' +
      '(well-known RS ASN; not re-checked in a stored source).',
  },
  {
    name: 'NEC',
    kind: 'ISP',
    asn: 64502,
    markets: ['Japan'],
    peeringLocations: ['Tokyo', 'Osaka'],
    source:
      'Peering Service locations and partners page: markets. Not in the metro tabs nor the peeringServiceProviders list: kind ISP and metros (Tokyo, Osaka) ' +
      'are an inference (well-known metros within its markets). ASN unknown, documentation ASN used (no ASN ' +
      "found for NEC's Peering Service offering).",
  },
  {
    name: 'NTT Communications',
    kind: 'ISP',
    asn: 4713,
    markets: ['Japan', 'Indonesia'],
    peeringLocations: ['Jakarta', 'Osaka', 'Tokyo'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN: NTT Communications (OCN) AS4713, ' +
      'verified in terrykimura/isp-asn-quicklookup README.',
  },
  {
    name: 'PCCW',
    kind: 'ISP',
    asn: 3491,
    markets: ['Asia'],
    peeringLocations: ['Hong Kong SAR', 'Singapore'],
    source:
      'Peering Service locations and partners page: markets. Not in the metro tabs nor the peeringServiceProviders list: kind ISP and metros (Hong Kong ' +
      'SAR, Singapore) are an inference (well-known metros within its markets). ASN: PCCW Global AS3491 ' +
      "(general knowledge; a public BGP-community list for 'PCCW' uses 3491).",
  },
  {
    name: 'PIT Chile',
    kind: 'IXP',
    asn: 64503,
    markets: ['LATAM'],
    peeringLocations: ['Santiago'],
    source:
      'Peering Service locations and partners page: markets; IXPs by Metro tab (kind IXP, metros). ASN unknown, documentation ASN used ' +
      '(PIT Chile route-server ASN could not be established).',
  },
  {
    name: 'Sejong Telecom',
    kind: 'ISP',
    asn: 64504,
    markets: ['Asia'],
    peeringLocations: ['Seoul'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN unknown, documentation ASN used ' +
      '(AS4670, ex-Onse Telecom, is a plausible but unverified candidate).',
  },
  {
    name: 'Singtel',
    kind: 'ISP',
    asn: 3758,
    markets: ['Asia'],
    peeringLocations: ['Hong Kong SAR', 'Singapore'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN: SingNet AS3758 (general knowledge; ' +
      "the peeringServiceProviders list names this provider 'Singnet'; Singtel's AS7473 also exists).",
  },
  {
    name: 'Sunrise',
    kind: 'ISP',
    asn: 6730,
    markets: ['Europe'],
    peeringLocations: ['Geneva', 'Zurich'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN: Sunrise Communications AS6730 ' +
      '(general knowledge; not re-checked in a stored source).',
  },
  {
    name: 'Swisscom',
    kind: 'ISP',
    asn: 3303,
    markets: ['Europe'],
    peeringLocations: ['Geneva', 'Zurich'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN: Swisscom AS3303 (general ' +
      'knowledge; not re-checked in a stored source).',
  },
  {
    name: 'Telstra International',
    kind: 'ISP',
    asn: 4637,
    markets: ['Asia', 'Europe'],
    peeringLocations: ['Hong Kong SAR', 'Singapore', 'London'],
    source:
      'Peering Service locations and partners page: markets. Not in the metro tabs nor the peeringServiceProviders list: kind ISP and metros (Hong Kong ' +
      'SAR, Singapore, London) are an inference (well-known metros within its markets). ASN: Telstra ' +
      'International (ex-Reach) AS4637 (general knowledge; not re-checked in a stored source).',
  },
  {
    name: 'TOKAI-NETWORK',
    kind: 'ISP',
    asn: 10010,
    markets: ['Japan'],
    peeringLocations: ['Osaka', 'Tokyo'],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN: TOKAI Communications AS10010, ' +
      'verified in terrykimura/isp-asn-quicklookup README.',
  },
  {
    name: 'Vodacom',
    kind: 'ISP',
    asn: 29975,
    markets: ['Africa'],
    peeringLocations: ['Johannesburg', 'Cape Town'],
    source:
      'Peering Service locations and partners page: markets. Not in the metro tabs nor the peeringServiceProviders list: kind ISP and metros (Johannesburg, ' +
      'Cape Town) are an inference (well-known metros within its markets). ASN: Vodacom AS29975 (general ' +
      'knowledge; not re-checked in a stored source).',
  },
  {
    name: 'Vodafone',
    kind: 'ISP',
    asn: 1273,
    markets: ['Asia', 'Europe', 'North America'],
    peeringLocations: [
      'Amsterdam',
      'Ashburn',
      'Brussels',
      'Budapest',
      'Bucharest',
      'Dublin',
      'Frankfurt',
      'Hong Kong SAR',
      'London',
      'Madrid',
      'Marseilles',
      'Miami',
      'Milan',
      'Paris',
      'Prague',
      'Singapore',
      'Sofia',
      'Vienna',
    ],
    source:
      'Peering Service locations and partners page: markets; ISPs by Metro tab (kind ISP, metros). ASN: Vodafone Global Network AS1273 ' +
      '(general knowledge; not re-checked in a stored source).',
  },
];
