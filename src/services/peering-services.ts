import { and, eq, sql } from 'drizzle-orm';
import { inTransaction } from '../db/client.js';
import {
  countries,
  customerLocations,
  customers,
  partnerPeeringLocations,
  partners,
  peeringLocations,
  peeringServices,
  peeringSessions,
  prefixes,
} from '../db/schema.js';
import { isWithinAvailabilityRadius } from '../domain/geo.js';
import { fail, ok, type Result, type UserError, userError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import { NAME_PATTERN } from './identity.js';
import {
  loadWritableService,
  MAX_PREFIXES_PER_SERVICE,
  type NewPrefixRow,
  type PrefixInput,
  validatePrefixInput,
} from './prefixes.js';
import type { Viewer } from './viewer.js';

export const MAX_TAGS = 50;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;

export type PeeringServiceRow = typeof peeringServices.$inferSelect;
export type Tag = { key: string; value: string };

export function checkTags(tags: Tag[], path: string[]): UserError[] {
  const errors: UserError[] = [];
  if (tags.length > MAX_TAGS) errors.push(userError('LIMIT_EXCEEDED', path, `At most ${MAX_TAGS} tags`));
  const seen = new Set<string>();
  tags.forEach((tag, i) => {
    if (tag.key.length < 1 || tag.key.length > MAX_TAG_KEY) {
      errors.push(userError('INVALID_INPUT', [...path, String(i), 'key'], `Tag keys are 1-${MAX_TAG_KEY} characters`));
    } else if (seen.has(tag.key.toLowerCase())) {
      errors.push(
        userError(
          'INVALID_INPUT',
          [...path, String(i), 'key'],
          `Duplicate tag key "${tag.key}" (keys are case-insensitive)`,
        ),
      );
    }
    if (tag.value.length > MAX_TAG_VALUE) {
      errors.push(
        userError('INVALID_INPUT', [...path, String(i), 'value'], `Tag values are at most ${MAX_TAG_VALUE} characters`),
      );
    }
    seen.add(tag.key.toLowerCase());
  });
  return errors;
}

/** The customer location (country, state), matched case-insensitively. */
export function findCustomerLocation(deps: Pick<ServiceDeps, 'db'>, country: string, state: string) {
  return deps.db
    .select({
      id: customerLocations.id,
      lat: customerLocations.lat,
      lon: customerLocations.lon,
      state: customerLocations.state,
      country: countries.name,
    })
    .from(customerLocations)
    .innerJoin(countries, eq(countries.id, customerLocations.countryId))
    .where(
      and(
        sql`lower(${countries.name}) = lower(${country.trim()})`,
        sql`lower(${customerLocations.state}) = lower(${state.trim()})`,
      ),
    )
    .get();
}

/** Peering locations (with coordinates) where a partner peers. */
export function partnerLocations(deps: Pick<ServiceDeps, 'db'>, partnerId: number) {
  return deps.db
    .select({
      id: peeringLocations.id,
      name: peeringLocations.name,
      lat: peeringLocations.lat,
      lon: peeringLocations.lon,
    })
    .from(partnerPeeringLocations)
    .innerJoin(peeringLocations, eq(peeringLocations.id, partnerPeeringLocations.peeringLocationId))
    .where(eq(partnerPeeringLocations.partnerId, partnerId))
    .all();
}

export interface CreatePeeringServiceInput {
  name: string;
  partnerId: number | null;
  country: string;
  state: string;
  primaryPeeringLocationId: number | null;
  backupPeeringLocationId?: number | null;
  /** Set by an OPERATOR creating a service on a customer's behalf; a CUSTOMER creates for itself. */
  customerId?: number | null;
  tags?: Tag[] | null;
  prefixes?: PrefixInput[] | null;
  /** True when the caller sent a backup id that could not be decoded (so it is NOT_FOUND, not None). */
  backupIdInvalid?: boolean;
}

/**
 * Registers a Peering Service connection. Every rule is checked before anything is written; the service
 * and its prefixes are inserted in one transaction.
 */
export function createPeeringService(
  deps: ServiceDeps,
  viewer: Viewer,
  input: CreatePeeringServiceInput,
): Result<PeeringServiceRow> {
  const result = inTransaction(
    deps.db,
    (tx): Result<{ service: PeeringServiceRow; prefixIds: number[]; added: string[] }> => {
      const errors: UserError[] = [];
      let customerId: number | null = null;
      if (viewer.role === 'CUSTOMER') {
        customerId = viewer.customerId;
        if (input.customerId != null && input.customerId !== viewer.customerId) {
          return fail(
            userError('FORBIDDEN', ['input', 'customerId'], 'A customer creates peering services for itself only'),
          );
        }
      } else if (viewer.role === 'OPERATOR') {
        if (input.customerId == null) {
          errors.push(
            userError('INVALID_INPUT', ['input', 'customerId'], 'An operator must name the customer (customerId)'),
          );
        } else if (!tx.select({ id: customers.id }).from(customers).where(eq(customers.id, input.customerId)).get()) {
          errors.push(userError('NOT_FOUND', ['input', 'customerId'], 'No such customer'));
        } else {
          customerId = input.customerId;
        }
      } else {
        return fail(userError('FORBIDDEN', null, 'Only a CUSTOMER or an OPERATOR can create peering services'));
      }

      if (!NAME_PATTERN.test(input.name)) {
        errors.push(userError('INVALID_INPUT', ['input', 'name'], 'name must match [A-Za-z0-9_.-]{1,63}'));
      } else if (
        customerId != null &&
        tx
          .select({ id: peeringServices.id })
          .from(peeringServices)
          .where(
            and(eq(peeringServices.customerId, customerId), sql`lower(${peeringServices.name}) = lower(${input.name})`),
          )
          .get()
      ) {
        errors.push(userError('NAME_TAKEN', ['input', 'name'], `A peering service named "${input.name}" exists`));
      }

      const partner =
        input.partnerId == null ? undefined : tx.select().from(partners).where(eq(partners.id, input.partnerId)).get();
      if (!partner) errors.push(userError('NOT_FOUND', ['input', 'partnerId'], 'No such partner'));

      const location = findCustomerLocation({ db: tx }, input.country, input.state);
      if (!location) {
        errors.push(
          userError(
            'LOCATION_UNKNOWN',
            ['input', 'state'],
            `"${input.state}, ${input.country}" is not a known customer location`,
          ),
        );
      }

      const served = partner ? partnerLocations({ db: tx }, partner.id) : [];
      if (partner && location && !isWithinAvailabilityRadius(location, served)) {
        errors.push(
          userError(
            'PROVIDER_UNAVAILABLE',
            ['input', 'partnerId'],
            `${partner.name} has no peering location within 1000 miles of ${location.state}, ${location.country}`,
          ),
        );
      }

      const checkLocation = (id: number | null | undefined, field: string, invalid: boolean) => {
        if (id == null && !invalid) return null;
        const loc =
          id == null ? undefined : tx.select().from(peeringLocations).where(eq(peeringLocations.id, id)).get();
        if (!loc) {
          errors.push(userError('NOT_FOUND', ['input', field], 'No such peering location'));
          return null;
        }
        if (partner && !served.some((s) => s.id === loc.id)) {
          errors.push(
            userError(
              'PEERING_LOCATION_NOT_SERVED',
              ['input', field],
              `${partner.name} does not peer with Microsoft at ${loc.name}`,
            ),
          );
          return null;
        }
        return loc;
      };
      const primary = checkLocation(input.primaryPeeringLocationId, 'primaryPeeringLocationId', true);
      const backup = checkLocation(
        input.backupPeeringLocationId,
        'backupPeeringLocationId',
        input.backupIdInvalid ?? false,
      );
      if (primary && backup && primary.id === backup.id) {
        errors.push(
          userError(
            'SAME_PRIMARY_AND_BACKUP',
            ['input', 'backupPeeringLocationId'],
            'The backup location must differ from the primary',
          ),
        );
      } else if (partner) {
        const routers = (locationId: number) =>
          new Set(
            tx
              .select({ router: peeringSessions.routerName })
              .from(peeringSessions)
              .where(and(eq(peeringSessions.partnerId, partner.id), eq(peeringSessions.peeringLocationId, locationId)))
              .all()
              .map((s) => s.router.toLowerCase()),
          ).size;
        if (primary && routers(primary.id) < 2) {
          errors.push(
            userError(
              'INSUFFICIENT_SESSIONS',
              ['input', 'primaryPeeringLocationId'],
              `Provider has fewer than two sessions in its primary location (${primary.name}); two distinct routers are required`,
            ),
          );
        }
        if (backup && routers(backup.id) < 1) {
          errors.push(
            userError(
              'INSUFFICIENT_SESSIONS',
              ['input', 'backupPeeringLocationId'],
              `Provider has no sessions in its backup location (${backup.name})`,
            ),
          );
        }
      }

      const tags = input.tags ?? [];
      errors.push(...checkTags(tags, ['input', 'tags']));

      const prefixInputs = input.prefixes ?? [];
      const planned: NewPrefixRow[] = [];
      if (prefixInputs.length > MAX_PREFIXES_PER_SERVICE) {
        errors.push(
          userError(
            'LIMIT_EXCEEDED',
            ['input', 'prefixes'],
            `A peering service holds at most ${MAX_PREFIXES_PER_SERVICE} prefixes`,
          ),
        );
      } else if (partner && customerId != null) {
        prefixInputs.forEach((prefixInput, i) => {
          const checked = validatePrefixInput(
            tx,
            { id: null, partnerId: partner.id, customerId },
            prefixInput,
            ['input', 'prefixes', String(i)],
            planned,
          );
          errors.push(...checked.errors);
          if (checked.row) planned.push(checked.row);
        });
      }

      if (errors.length || !partner || !location || !primary || customerId == null) return fail(...errors);
      const createdAt = new Date(deps.clock.now());
      const service = tx
        .insert(peeringServices)
        .values({
          customerId,
          name: input.name,
          partnerId: partner.id,
          customerLocationId: location.id,
          primaryPeeringLocationId: primary.id,
          backupPeeringLocationId: backup?.id ?? null,
          tags,
          createdAt,
        })
        .returning()
        .get();
      const prefixIds = planned.length
        ? tx
            .insert(prefixes)
            .values(planned.map((row) => ({ ...row, peeringServiceId: service.id, createdAt })))
            .returning({ id: prefixes.id })
            .all()
            .map((r) => r.id)
        : [];
      return ok({ service, prefixIds, added: planned.map((row) => row.prefix) });
    },
  );
  if (!result.ok) return result;
  if (result.value.prefixIds.length) {
    deps.pubsub.publish('registration:prefixes-changed', { added: result.value.added, removed: [] });
    deps.telemetry.prefixesRegistered(result.value.prefixIds);
  }
  deps.logger.info({ peeringServiceId: result.value.service.id }, 'peering service created');
  return ok(result.value.service);
}

export function updatePeeringServiceTags(
  deps: ServiceDeps,
  viewer: Viewer,
  input: { peeringServiceId: number | null; tags: Tag[] },
): Result<PeeringServiceRow> {
  return inTransaction(deps.db, (tx): Result<PeeringServiceRow> => {
    const { service, error } = loadWritableService(tx, viewer, input.peeringServiceId, ['input', 'peeringServiceId']);
    if (!service) return fail(error!);
    const errors = checkTags(input.tags, ['input', 'tags']);
    if (errors.length) return fail(...errors);
    return ok(
      tx.update(peeringServices).set({ tags: input.tags }).where(eq(peeringServices.id, service.id)).returning().get(),
    );
  });
}

/** Deletes the service; its prefixes, their events and open conditions go with it (foreign-key cascade). */
export function deletePeeringService(
  deps: ServiceDeps,
  viewer: Viewer,
  input: { peeringServiceId: number | null },
): Result<{ id: number }> {
  const result = inTransaction(deps.db, (tx): Result<{ id: number; removed: string[] }> => {
    const { service, error } = loadWritableService(tx, viewer, input.peeringServiceId, ['input', 'peeringServiceId']);
    if (!service) return fail(error!);
    const removed = tx
      .select({ prefix: prefixes.prefix })
      .from(prefixes)
      .where(eq(prefixes.peeringServiceId, service.id))
      .all()
      .map((r) => r.prefix);
    tx.delete(peeringServices).where(eq(peeringServices.id, service.id)).run();
    deps.logger.info({ peeringServiceId: service.id }, 'peering service deleted');
    return ok({ id: service.id, removed });
  });
  if (!result.ok) return result;
  if (result.value.removed.length) {
    deps.pubsub.publish('registration:prefixes-changed', { added: [], removed: result.value.removed });
  }
  return ok({ id: result.value.id });
}

/** Azure's availability rule for one partner and one customer location. */
export function providerAvailability(
  deps: Pick<ServiceDeps, 'db'>,
  partnerId: number,
  country: string,
  state: string,
): 'AVAILABLE' | 'UNAVAILABLE' | 'UNKNOWN_LOCATION' | 'UNKNOWN_PARTNER' {
  if (!deps.db.select({ id: partners.id }).from(partners).where(eq(partners.id, partnerId)).get())
    return 'UNKNOWN_PARTNER';
  const location = findCustomerLocation(deps, country, state);
  if (!location) return 'UNKNOWN_LOCATION';
  return isWithinAvailabilityRadius(location, partnerLocations(deps, partnerId)) ? 'AVAILABLE' : 'UNAVAILABLE';
}
