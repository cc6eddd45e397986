/** Shapes of the static catalogue that is seeded at first start. Pure data, no I/O. */

export type PartnerKind = 'ISP' | 'IXP';

/** A Microsoft edge metro where partners peer with AS8075. */
export interface SeedPeeringLocation {
  /** Metro name as published, e.g. "Amsterdam", "Hong Kong SAR". Unique. */
  name: string;
  /** Country name, spelled exactly as in SeedCountry.name. */
  country: string;
  lat: number;
  lon: number;
}

export interface SeedPartner {
  name: string;
  kind: PartnerKind;
  /** Real ASN (IXP: route-server ASN). Documentation ASN 64496-64511 only when none is known (say so in `source`). */
  asn: number;
  markets: string[];
  /** Names of SeedPeeringLocation entries. */
  peeringLocations: string[];
  /** Where each fact came from (the public page or API list, and any inference). */
  source: string;
}

export interface SeedCustomerLocation {
  /** State, province or region name. Unique within its country. */
  state: string;
  /** Azure region display name, e.g. "East US", "West Europe". */
  azureRegion: string;
  /** Approximate geographic centre, used for the 1000-mile availability rule. */
  lat: number;
  lon: number;
}

export interface SeedCountry {
  name: string;
  locations: SeedCustomerLocation[];
}
