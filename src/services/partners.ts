import { and, eq, inArray, sql } from 'drizzle-orm';
import { inTransaction } from '../db/client.js';
import { partnerPeeringLocations, partners, peeringLocations, peeringSessions } from '../db/schema.js';
import { isAsn, MAX_ASN } from '../domain/bgp.js';
import { normaliseAddress } from '../domain/cidr.js';
import { fail, ok, type Result, type UserError, userError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import type { Viewer } from './viewer.js';

export type PartnerRow = typeof partners.$inferSelect;
export type SessionRow = typeof peeringSessions.$inferSelect;

const ROUTER_PATTERN = /^[A-Za-z0-9_.-]{1,63}$/;

export interface CreatePartnerInput {
  name: string;
  kind: 'ISP' | 'IXP';
  asn: number;
  markets?: string[] | null;
  /** Decoded ids; null where the id could not be decoded. */
  peeringLocationIds: (number | null)[];
}

/** OPERATOR only: extends the seeded partner catalogue. */
export function createPartner(deps: ServiceDeps, viewer: Viewer, input: CreatePartnerInput): Result<PartnerRow> {
  if (viewer.role !== 'OPERATOR') return fail(userError('FORBIDDEN', null, 'Only an OPERATOR can create partners'));
  return inTransaction(deps.db, (tx): Result<PartnerRow> => {
    const errors: UserError[] = [];
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) {
      errors.push(userError('INVALID_INPUT', ['input', 'name'], 'name is 1-100 characters'));
    } else if (
      tx.select({ id: partners.id }).from(partners).where(sql`lower(${partners.name}) = lower(${name})`).get()
    ) {
      errors.push(userError('NAME_TAKEN', ['input', 'name'], `A partner named "${name}" exists`));
    }
    if (!isAsn(input.asn) || input.asn === 0) {
      errors.push(userError('INVALID_INPUT', ['input', 'asn'], `asn must be an ASN, an integer 1-${MAX_ASN}`));
    }
    const markets = [...new Set((input.markets ?? []).map((m) => m.trim()))];
    if (markets.length > 20) errors.push(userError('LIMIT_EXCEEDED', ['input', 'markets'], 'At most 20 markets'));
    markets.forEach((m, i) => {
      if (m.length < 1 || m.length > 50) {
        errors.push(userError('INVALID_INPUT', ['input', 'markets', String(i)], 'Markets are 1-50 characters'));
      }
    });
    if (input.peeringLocationIds.length < 1) {
      errors.push(
        userError('INVALID_INPUT', ['input', 'peeringLocationIds'], 'A partner peers at one location at least'),
      );
    }
    if (input.peeringLocationIds.length > 200) {
      errors.push(userError('LIMIT_EXCEEDED', ['input', 'peeringLocationIds'], 'At most 200 peering locations'));
    }
    const known = new Set(
      tx
        .select({ id: peeringLocations.id })
        .from(peeringLocations)
        .where(
          inArray(
            peeringLocations.id,
            input.peeringLocationIds.filter((id): id is number => id != null),
          ),
        )
        .all()
        .map((r) => r.id),
    );
    input.peeringLocationIds.forEach((id, i) => {
      if (id == null || !known.has(id)) {
        errors.push(userError('NOT_FOUND', ['input', 'peeringLocationIds', String(i)], 'No such peering location'));
      }
    });
    if (errors.length) return fail(...errors);
    const partner = tx.insert(partners).values({ name, kind: input.kind, asn: input.asn, markets }).returning().get();
    tx.insert(partnerPeeringLocations)
      .values([...known].map((peeringLocationId) => ({ partnerId: partner.id, peeringLocationId })))
      .run();
    return ok(partner);
  });
}

export interface CreatePeeringSessionInput {
  partnerId: number | null;
  peeringLocationId: number | null;
  routerName: string;
  peerAddress: string;
}

/** OPERATOR, or the PARTNER itself: adds a BGP session with Microsoft at one of the partner's locations. */
export function createPeeringSession(
  deps: ServiceDeps,
  viewer: Viewer,
  input: CreatePeeringSessionInput,
): Result<SessionRow> {
  if (viewer.role !== 'OPERATOR' && !(viewer.role === 'PARTNER' && viewer.partnerId === input.partnerId)) {
    return fail(userError('FORBIDDEN', null, 'Only an OPERATOR or the partner itself can add sessions'));
  }
  const result = inTransaction(deps.db, (tx): Result<SessionRow> => {
    const errors: UserError[] = [];
    const partner =
      input.partnerId == null ? undefined : tx.select().from(partners).where(eq(partners.id, input.partnerId)).get();
    if (!partner) errors.push(userError('NOT_FOUND', ['input', 'partnerId'], 'No such partner'));
    const location =
      input.peeringLocationId == null
        ? undefined
        : tx.select().from(peeringLocations).where(eq(peeringLocations.id, input.peeringLocationId)).get();
    if (!location) {
      errors.push(userError('NOT_FOUND', ['input', 'peeringLocationId'], 'No such peering location'));
    } else if (
      partner &&
      !tx
        .select()
        .from(partnerPeeringLocations)
        .where(
          and(
            eq(partnerPeeringLocations.partnerId, partner.id),
            eq(partnerPeeringLocations.peeringLocationId, location.id),
          ),
        )
        .get()
    ) {
      errors.push(
        userError(
          'PEERING_LOCATION_NOT_SERVED',
          ['input', 'peeringLocationId'],
          `${partner.name} does not peer at ${location.name}`,
        ),
      );
    }
    if (!ROUTER_PATTERN.test(input.routerName)) {
      errors.push(userError('INVALID_INPUT', ['input', 'routerName'], 'routerName must match [A-Za-z0-9_.-]{1,63}'));
    }
    const peerAddress = normaliseAddress(input.peerAddress);
    if (!peerAddress) {
      errors.push(
        userError('INVALID_INPUT', ['input', 'peerAddress'], `"${input.peerAddress}" is not an IPv4 or IPv6 address`),
      );
    } else if (
      tx
        .select({ id: peeringSessions.id })
        .from(peeringSessions)
        .where(eq(peeringSessions.peerAddress, peerAddress))
        .get()
    ) {
      errors.push(
        userError('INVALID_INPUT', ['input', 'peerAddress'], `${peerAddress} is already the address of a session`),
      );
    }
    if (errors.length || !partner || !location || !peerAddress) return fail(...errors);
    return ok(
      tx
        .insert(peeringSessions)
        .values({ partnerId: partner.id, peeringLocationId: location.id, routerName: input.routerName, peerAddress })
        .returning()
        .get(),
    );
  });
  if (result.ok) deps.telemetry.sessionsChanged(result.value.partnerId);
  return result;
}
