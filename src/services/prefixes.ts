import { randomUUID } from 'node:crypto';
import { and, eq, gte, lte, ne, sql } from 'drizzle-orm';
import type { DB } from '../db/client.js';
import { inTransaction } from '../db/client.js';
import { partnerPrefixRegistrations, partners, peeringServices, prefixes } from '../db/schema.js';
import { isAsn, MAX_ASN } from '../domain/bgp.js';
import { type Cidr, contains, parseCidr, specialUseOverlap } from '../domain/cidr.js';
import { fail, ok, type Result, type UserError, userError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import { NAME_PATTERN } from './identity.js';
import { canSeeService, type Viewer } from './viewer.js';

export const MAX_PREFIXES_PER_SERVICE = 200;
export const MAX_ORIGIN_ASNS = 16;
export const MAX_UPSTREAM_ASNS = 64;

export interface PrefixInput {
  name: string;
  prefix: string;
  prefixKey: string;
  originAsns?: number[] | null;
  expectedUpstreamAsns?: number[] | null;
}

export type NewPrefixRow = typeof prefixes.$inferInsert;

/**
 * Checks applied to one ASN list (each an integer 1..4294967295, RFC 6793); returns the de-duplicated list or
 * errors, each at its index in the list as given.
 */
function checkAsns(
  list: number[] | null | undefined,
  max: number,
  field: string[],
): { asns: number[]; errors: UserError[] } {
  const given = list ?? [];
  const asns = [...new Set(given)];
  const errors: UserError[] = [];
  if (asns.length > max) errors.push(userError('LIMIT_EXCEEDED', field, `At most ${max} ASNs`));
  given.forEach((asn, i) => {
    if (!isAsn(asn) || asn === 0) {
      errors.push(userError('INVALID_INPUT', [...field, String(i)], `${asn} is not an ASN (an integer 1-${MAX_ASN})`));
    }
  });
  return { asns, errors };
}

/** Parses a prefix for registration: valid CIDR, no host bits, not special-use. */
export function checkRegistrablePrefix(text: string, field: string[]): { cidr?: Cidr; error?: UserError } {
  const parsed = parseCidr(text);
  if (!parsed.ok) return { error: userError('INVALID_PREFIX', field, parsed.message) };
  const special = specialUseOverlap(parsed.cidr);
  if (special) {
    return { error: userError('PRIVATE_PREFIX', field, `${parsed.cidr.text} overlaps special-use space ${special}`) };
  }
  return { cidr: parsed.cidr };
}

/** The registered prefix (on any peering service) that equals, contains or is contained by `cidr`. */
export function findOverlappingPrefix(db: DB, cidr: Cidr) {
  return db
    .select({ id: prefixes.id, prefix: prefixes.prefix, peeringServiceId: prefixes.peeringServiceId })
    .from(prefixes)
    .where(
      and(eq(prefixes.family, cidr.family), lte(prefixes.rangeStart, cidr.end), gte(prefixes.rangeEnd, cidr.start)),
    )
    .get();
}

/**
 * Validates one prefix input for a peering service (of `partnerId`), against the database and against
 * `planned` (prefixes of the same request). Returns the row to insert, or the errors. Writes nothing.
 */
export function validatePrefixInput(
  db: DB,
  service: { id: number | null; partnerId: number; customerId: number },
  input: PrefixInput,
  path: string[],
  planned: NewPrefixRow[],
): { row?: NewPrefixRow; errors: UserError[] } {
  const errors: UserError[] = [];
  if (!NAME_PATTERN.test(input.name)) {
    errors.push(userError('INVALID_INPUT', [...path, 'name'], 'name must match [A-Za-z0-9_.-]{1,63}'));
  } else if (
    planned.some((p) => p.name.toLowerCase() === input.name.toLowerCase()) ||
    (service.id != null &&
      db
        .select({ id: prefixes.id })
        .from(prefixes)
        .where(and(eq(prefixes.peeringServiceId, service.id), sql`lower(${prefixes.name}) = lower(${input.name})`))
        .get())
  ) {
    errors.push(
      userError('NAME_TAKEN', [...path, 'name'], `This peering service already has a prefix named "${input.name}"`),
    );
  }

  const { cidr, error } = checkRegistrablePrefix(input.prefix, [...path, 'prefix']);
  if (error) errors.push(error);
  if (cidr) {
    const clash = planned.find((p) => p.family === cidr.family && p.rangeStart <= cidr.end && cidr.start <= p.rangeEnd);
    const existing = clash ? null : findOverlappingPrefix(db, cidr);
    if (clash) {
      errors.push(
        userError('PREFIX_OVERLAP', [...path, 'prefix'], `${cidr.text} overlaps ${clash.prefix} in the same request`),
      );
    } else if (existing) {
      const own = existing.peeringServiceId === service.id;
      errors.push(
        userError(
          'PREFIX_OVERLAP',
          [...path, 'prefix'],
          own
            ? `${cidr.text} overlaps ${existing.prefix}, already registered on this peering service`
            : `${cidr.text} overlaps a prefix already registered on a peering service; contact your Peering Service provider`,
        ),
      );
    }
    const registration = db
      .select()
      .from(partnerPrefixRegistrations)
      .where(
        and(
          eq(partnerPrefixRegistrations.prefixKey, input.prefixKey),
          eq(partnerPrefixRegistrations.partnerId, service.partnerId),
        ),
      )
      .get();
    const covering = registration ? parseCidr(registration.prefix) : null;
    if (!covering?.ok || !contains(covering.cidr, cidr)) {
      errors.push(
        userError(
          'PREFIX_KEY_MISMATCH',
          [...path, 'prefixKey'],
          `The prefix key was not issued by this peering service's partner for ${cidr.text} or a prefix covering it`,
        ),
      );
    }
  }
  const origins = checkAsns(input.originAsns, MAX_ORIGIN_ASNS, [...path, 'originAsns']);
  const upstreams = checkAsns(input.expectedUpstreamAsns, MAX_UPSTREAM_ASNS, [...path, 'expectedUpstreamAsns']);
  errors.push(...origins.errors, ...upstreams.errors);
  if (errors.length || !cidr) return { errors };
  return {
    errors,
    row: {
      peeringServiceId: service.id ?? 0,
      name: input.name,
      prefix: cidr.text,
      family: cidr.family,
      rangeStart: cidr.start,
      rangeEnd: cidr.end,
      prefixKey: input.prefixKey,
      validationState: 'PENDING',
      learnedType: 'NONE',
      expectedOriginAsns: origins.asns,
      expectedUpstreamAsns: upstreams.asns,
    },
  };
}

/** Loads a peering service the viewer may change (its customer or an operator), or the user error why not. */
export function loadWritableService(
  db: DB,
  viewer: Viewer,
  serviceId: number | null,
  field: string[],
): { service?: typeof peeringServices.$inferSelect; error?: UserError } {
  const notFound = { error: userError('NOT_FOUND', field, 'No such peering service') };
  if (viewer.role === 'COLLECTOR' || viewer.role === 'ANONYMOUS') {
    return { error: userError('FORBIDDEN', null, `A ${viewer.role} caller cannot change peering services`) };
  }
  if (serviceId == null) return notFound;
  const service = db.select().from(peeringServices).where(eq(peeringServices.id, serviceId)).get();
  if (!service || !canSeeService(viewer, service)) return notFound;
  if (viewer.role === 'PARTNER') {
    return { error: userError('FORBIDDEN', null, "A partner can read, not change, its customers' peering services") };
  }
  return { service };
}

export function addPrefix(
  deps: ServiceDeps,
  viewer: Viewer,
  input: PrefixInput & { peeringServiceId: number | null },
): Result<typeof prefixes.$inferSelect> {
  const result = inTransaction(deps.db, (tx): Result<typeof prefixes.$inferSelect> => {
    const { service, error } = loadWritableService(tx, viewer, input.peeringServiceId, ['input', 'peeringServiceId']);
    if (!service) return fail(error!);
    const count = tx
      .select({ n: sql<number>`count(*)` })
      .from(prefixes)
      .where(eq(prefixes.peeringServiceId, service.id))
      .get()!.n;
    if (count >= MAX_PREFIXES_PER_SERVICE) {
      return fail(
        userError('LIMIT_EXCEEDED', ['input'], `A peering service holds at most ${MAX_PREFIXES_PER_SERVICE} prefixes`),
      );
    }
    const { row, errors } = validatePrefixInput(tx, service, input, ['input'], []);
    if (!row) return fail(...errors);
    return ok(
      tx
        .insert(prefixes)
        .values({ ...row, createdAt: new Date(deps.clock.now()) })
        .returning()
        .get(),
    );
  });
  if (!result.ok) return result;
  deps.pubsub.publish('registration:prefixes-changed', { added: [result.value.prefix], removed: [] });
  // Validation runs at once against routes already known: answer with the prefix as it is now.
  deps.telemetry.prefixesRegistered([result.value.id]);
  return ok(deps.db.select().from(prefixes).where(eq(prefixes.id, result.value.id)).get()!);
}

/** Prefixes are immutable: to change one, remove it and add it again. Its events go with it. */
export function removePrefix(
  deps: ServiceDeps,
  viewer: Viewer,
  input: { prefixId: number | null },
): Result<{ id: number }> {
  const result = inTransaction(deps.db, (tx): Result<{ id: number; prefix: string }> => {
    const notFound = fail<{ id: number; prefix: string }>(
      userError('NOT_FOUND', ['input', 'prefixId'], 'No such prefix'),
    );
    // Role first, so that a caller who may change nothing cannot probe which prefix ids exist.
    const refused = loadWritableService(tx, viewer, null, ['input', 'prefixId']).error;
    if (refused?.code === 'FORBIDDEN') return fail(refused);
    if (input.prefixId == null) return notFound;
    const prefix = tx.select().from(prefixes).where(eq(prefixes.id, input.prefixId)).get();
    if (!prefix) return notFound;
    const { service, error } = loadWritableService(tx, viewer, prefix.peeringServiceId, ['input', 'prefixId']);
    if (!service) return fail(error!);
    tx.delete(prefixes).where(eq(prefixes.id, prefix.id)).run();
    return ok({ id: prefix.id, prefix: prefix.prefix });
  });
  if (!result.ok) return result;
  deps.pubsub.publish('registration:prefixes-changed', { added: [], removed: [result.value.prefix] });
  return ok({ id: result.value.id });
}

/**
 * A partner (for itself) or an operator registers a customer prefix and receives the key to hand over.
 * A prefix is registered under one partner only; registering it again for the same partner returns
 * the existing registration (so a lost key can be looked up), for another partner it is PREFIX_OVERLAP.
 */
export function registerPartnerPrefix(
  deps: ServiceDeps,
  viewer: Viewer,
  input: { partnerId: number | null; prefix: string },
): Result<typeof partnerPrefixRegistrations.$inferSelect> {
  type R = Result<typeof partnerPrefixRegistrations.$inferSelect>;
  return inTransaction(deps.db, (tx): R => {
    if (viewer.role !== 'OPERATOR' && viewer.role !== 'PARTNER') {
      return fail(
        userError('FORBIDDEN', null, 'Only a PARTNER (for itself) or an OPERATOR can register partner prefixes'),
      );
    }
    if (viewer.role === 'PARTNER' && viewer.partnerId !== input.partnerId) {
      return fail(userError('FORBIDDEN', ['input', 'partnerId'], 'A partner can register prefixes for itself only'));
    }
    const partner =
      input.partnerId == null ? undefined : tx.select().from(partners).where(eq(partners.id, input.partnerId)).get();
    if (!partner) return fail(userError('NOT_FOUND', ['input', 'partnerId'], 'No such partner'));
    const { cidr, error } = checkRegistrablePrefix(input.prefix, ['input', 'prefix']);
    if (!cidr) return fail(error!);
    const existing = tx
      .select()
      .from(partnerPrefixRegistrations)
      .where(eq(partnerPrefixRegistrations.prefix, cidr.text))
      .get();
    if (existing?.partnerId === partner.id) return ok(existing);
    // A prefix belongs to one partner: no other partner may hold it, a covering prefix or a more-specific.
    const clash = tx
      .select({ prefix: partnerPrefixRegistrations.prefix })
      .from(partnerPrefixRegistrations)
      .where(
        and(
          eq(partnerPrefixRegistrations.family, cidr.family),
          lte(partnerPrefixRegistrations.rangeStart, cidr.end),
          gte(partnerPrefixRegistrations.rangeEnd, cidr.start),
          ne(partnerPrefixRegistrations.partnerId, partner.id),
        ),
      )
      .get();
    if (clash) {
      return fail(
        userError(
          'PREFIX_OVERLAP',
          ['input', 'prefix'],
          `${cidr.text} overlaps ${clash.prefix}, registered by another partner`,
        ),
      );
    }
    return ok(
      tx
        .insert(partnerPrefixRegistrations)
        .values({
          partnerId: partner.id,
          prefix: cidr.text,
          family: cidr.family,
          rangeStart: cidr.start,
          rangeEnd: cidr.end,
          prefixKey: randomUUID(),
          createdAt: new Date(deps.clock.now()),
        })
        .returning()
        .get(),
    );
  });
}
