import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { apiTokens, customers, partners, type Role } from '../db/schema.js';
import { AuthenticationError, fail, ok, type Result, userError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import type { Viewer } from './viewer.js';

const TOKEN_PREFIX = 'pw_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Resolves an `Authorization` value (HTTP header, or the graphql-ws connection_init payload) to a viewer.
 * No credential is the anonymous viewer; a malformed or unknown one is an AuthenticationError.
 */
export function viewerFromAuthorization(
  deps: Pick<ServiceDeps, 'db' | 'env'>,
  authorization: string | null | undefined,
): Viewer {
  if (authorization == null || authorization === '') return { role: 'ANONYMOUS' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) throw new AuthenticationError('Malformed Authorization: expected "Bearer <token>"');
  const token = match[1];
  if (deps.env.OPERATOR_TOKEN && sameSecret(token, deps.env.OPERATOR_TOKEN)) return { role: 'OPERATOR', tokenId: null };
  const row = deps.db
    .select()
    .from(apiTokens)
    .where(eq(apiTokens.tokenHash, hashToken(token)))
    .get();
  if (!row) throw new AuthenticationError('Invalid or revoked token');
  switch (row.role) {
    case 'OPERATOR':
      return { role: 'OPERATOR', tokenId: row.id };
    case 'COLLECTOR':
      return { role: 'COLLECTOR', tokenId: row.id };
    case 'PARTNER':
      return { role: 'PARTNER', tokenId: row.id, partnerId: row.partnerId! };
    case 'CUSTOMER':
      return { role: 'CUSTOMER', tokenId: row.id, customerId: row.customerId! };
  }
}

export interface CreateApiTokenInput {
  role: Role;
  customerId?: number | null;
  partnerId?: number | null;
  description?: string | null;
}

/** OPERATOR only. Returns the token once; only its hash is stored. */
export function createApiToken(
  deps: ServiceDeps,
  viewer: Viewer,
  input: CreateApiTokenInput,
): Result<{ token: string; id: number }> {
  if (viewer.role !== 'OPERATOR') return fail(userError('FORBIDDEN', null, 'Only an OPERATOR can create API tokens'));
  const { role } = input;
  const errors = [];
  if (role === 'CUSTOMER' && input.customerId == null) {
    errors.push(userError('INVALID_INPUT', ['input', 'customerId'], 'A CUSTOMER token needs customerId'));
  }
  if (role === 'PARTNER' && input.partnerId == null) {
    errors.push(userError('INVALID_INPUT', ['input', 'partnerId'], 'A PARTNER token needs partnerId'));
  }
  if (role !== 'CUSTOMER' && input.customerId != null) {
    errors.push(userError('INVALID_INPUT', ['input', 'customerId'], `customerId does not apply to a ${role} token`));
  }
  if (role !== 'PARTNER' && input.partnerId != null) {
    errors.push(userError('INVALID_INPUT', ['input', 'partnerId'], `partnerId does not apply to a ${role} token`));
  }
  if ((input.description ?? '').length > 200) {
    errors.push(userError('INVALID_INPUT', ['input', 'description'], 'description is at most 200 characters'));
  }
  if (
    input.customerId != null &&
    !deps.db.select({ id: customers.id }).from(customers).where(eq(customers.id, input.customerId)).get()
  ) {
    errors.push(userError('NOT_FOUND', ['input', 'customerId'], 'No such customer'));
  }
  if (
    input.partnerId != null &&
    !deps.db.select({ id: partners.id }).from(partners).where(eq(partners.id, input.partnerId)).get()
  ) {
    errors.push(userError('NOT_FOUND', ['input', 'partnerId'], 'No such partner'));
  }
  if (errors.length) return fail(...errors);
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const row = deps.db
    .insert(apiTokens)
    .values({
      tokenHash: hashToken(token),
      role,
      customerId: input.customerId ?? null,
      partnerId: input.partnerId ?? null,
      description: input.description ?? null,
    })
    .returning({ id: apiTokens.id })
    .get();
  deps.logger.info({ tokenId: row.id, role }, 'api token created');
  return ok({ token, id: row.id });
}

export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,63}$/;

/** OPERATOR only. Customer names follow the Azure resource-name rule and are unique (case-insensitive). */
export function createCustomer(
  deps: ServiceDeps,
  viewer: Viewer,
  input: { name: string },
): Result<typeof customers.$inferSelect> {
  if (viewer.role !== 'OPERATOR') return fail(userError('FORBIDDEN', null, 'Only an OPERATOR can create customers'));
  if (!NAME_PATTERN.test(input.name)) {
    return fail(userError('INVALID_INPUT', ['input', 'name'], 'name must match [A-Za-z0-9_.-]{1,63}'));
  }
  const taken = deps.db
    .select({ id: customers.id })
    .from(customers)
    .where(sql`lower(${customers.name}) = lower(${input.name})`)
    .get();
  if (taken) return fail(userError('NAME_TAKEN', ['input', 'name'], `A customer named "${input.name}" exists`));
  return ok(deps.db.insert(customers).values({ name: input.name }).returning().get());
}
