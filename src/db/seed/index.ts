import { sql } from 'drizzle-orm';
import { type DB, inTransaction } from '../client.js';
import {
  countries as countriesTable,
  customerLocations,
  partnerPeeringLocations,
  partners as partnersTable,
  peeringLocations as peeringLocationsTable,
  peeringSessions,
} from '../schema.js';
import { countries } from './customer-locations.js';
import { partners } from './partners.js';
import { peeringLocations } from './peering-locations.js';

/**
 * Demo BGP sessions: two per (seeded partner, peering location), on distinct routers, with peer addresses
 * from the benchmarking range 198.18.0.0/15 (RFC 2544) so they can never be mistaken for a real network.
 * Marked `demo = true`. Address = 198.18.<partner index>.<location index * 4 + 1 + k>.
 */
export function demoSessions(): { partner: string; location: string; routerName: string; peerAddress: string }[] {
  const out: { partner: string; location: string; routerName: string; peerAddress: string }[] = [];
  partners.forEach((partner, p) => {
    partner.peeringLocations.forEach((location, l) => {
      const code = location
        .replace(/[^A-Za-z]/g, '')
        .slice(0, 3)
        .toLowerCase();
      const slug = partner.name
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, 8)
        .toLowerCase();
      for (const k of [0, 1]) {
        out.push({
          partner: partner.name,
          location,
          routerName: `${code}-${slug}-edge-0${k + 1}`,
          peerAddress: `198.${18 + Math.floor(p / 256)}.${p % 256}.${l * 4 + 1 + k}`,
        });
      }
    });
  });
  return out;
}

/**
 * Seeds the catalogue (peering locations, partners with their locations, countries with customer
 * locations, demo sessions). Idempotent: rows that exist (by name / address) are left as they are,
 * so operator edits survive restarts. One transaction.
 */
export function seedCatalogue(db: DB): void {
  inTransaction(db, (tx) => {
    for (const loc of peeringLocations) {
      tx.insert(peeringLocationsTable).values(loc).onConflictDoNothing().run();
    }
    const locationIds = new Map(
      tx
        .select({ id: peeringLocationsTable.id, name: peeringLocationsTable.name })
        .from(peeringLocationsTable)
        .all()
        .map((r) => [r.name.toLowerCase(), r.id]),
    );
    const locationId = (name: string) => {
      const id = locationIds.get(name.toLowerCase());
      if (id == null) throw new Error(`seed: unknown peering location ${name}`);
      return id;
    };

    for (const partner of partners) {
      tx.insert(partnersTable)
        .values({
          name: partner.name,
          kind: partner.kind,
          asn: partner.asn,
          markets: partner.markets,
          source: partner.source,
        })
        .onConflictDoNothing()
        .run();
    }
    const partnerIds = new Map(
      tx
        .select({ id: partnersTable.id, name: partnersTable.name })
        .from(partnersTable)
        .all()
        .map((r) => [r.name.toLowerCase(), r.id]),
    );
    const partnerId = (name: string) => partnerIds.get(name.toLowerCase())!;
    for (const partner of partners) {
      for (const location of partner.peeringLocations) {
        tx.insert(partnerPeeringLocations)
          .values({ partnerId: partnerId(partner.name), peeringLocationId: locationId(location) })
          .onConflictDoNothing()
          .run();
      }
    }

    for (const country of countries) {
      tx.insert(countriesTable).values({ name: country.name }).onConflictDoNothing().run();
      const countryId = tx
        .select({ id: countriesTable.id })
        .from(countriesTable)
        .where(sql`lower(${countriesTable.name}) = lower(${country.name})`)
        .get()!.id;
      for (const loc of country.locations) {
        tx.insert(customerLocations)
          .values({ countryId, state: loc.state, azureRegion: loc.azureRegion, lat: loc.lat, lon: loc.lon })
          .onConflictDoNothing()
          .run();
      }
    }

    for (const session of demoSessions()) {
      tx.insert(peeringSessions)
        .values({
          partnerId: partnerId(session.partner),
          peeringLocationId: locationId(session.location),
          routerName: session.routerName,
          peerAddress: session.peerAddress,
          demo: true,
        })
        .onConflictDoNothing()
        .run();
    }
  });
}
