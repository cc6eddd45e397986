import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import { preparedOnce } from '../db/prepared.js';
import { apiTokens, customers, partners, type Role } from '../db/schema.js';
import { AuthenticationError, ForbiddenError, fail, ok, type Result, userError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import { type Connection, keysetPage, type PageArgs, pageRequest } from './pagination.js';
import type { Viewer } from './viewer.js';

const TOKEN_PREFIX = 'pw_';

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function hashToken(token: string): string {
  return sha256(token).toString('hex');
}

/** The configured OPERATOR_TOKEN's digest, kept while the setting stays the same (it is read per request). */
let operatorDigest: { token: string; digest: Buffer } | undefined;

/** Whether a presented token's digest is the operator token's, compared in constant time. */
function isOperatorToken(digest: Buffer, operatorToken: string): boolean {
  if (operatorDigest?.token !== operatorToken) operatorDigest = { token: operatorToken, digest: sha256(operatorToken) };
  return timingSafeEqual(digest, operatorDigest.digest);
}

/** A token's record as clients may see it: every column but the hash. */
export type ApiTokenRecord = Omit<typeof apiTokens.$inferSelect, 'tokenHash'>;

/** The columns of ApiTokenRecord (never `token_hash`). */
const RECORD_COLUMNS = {
  id: apiTokens.id,
  role: apiTokens.role,
  customerId: apiTokens.customerId,
  partnerId: apiTokens.partnerId,
  description: apiTokens.description,
  createdAt: apiTokens.createdAt,
  expiresAt: apiTokens.expiresAt,
  revokedAt: apiTokens.revokedAt,
  lastUsedAt: apiTokens.lastUsedAt,
};

/** Cursor kind of the apiTokens connection. */
export const TOKEN_CURSOR_KIND = 'tok';

/**
 * `last_used_at` is written at most this often per token: an authentication whose stored value is younger skips
 * the write, so a busy token costs one UPDATE a minute, not one per request. The stored value read to authenticate
 * is the memory, which also holds across processes sharing the database.
 */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Why a stored token is refused; null when it may be used at `now`. */
export type TokenRefusal = { kind: 'revoked' | 'expired' | 'unknown'; message: string };

export function tokenRefusal(
  row: Pick<ApiTokenRecord, 'revokedAt' | 'expiresAt'> | null | undefined,
  now: number,
): TokenRefusal | null {
  if (!row) return { kind: 'unknown', message: 'Invalid or revoked token' };
  if (row.revokedAt != null) {
    return {
      kind: 'revoked',
      message: `This API token was revoked at ${row.revokedAt.toISOString()}; ask an operator for a new one`,
    };
  }
  if (row.expiresAt != null && row.expiresAt.getTime() <= now) {
    return {
      kind: 'expired',
      message: `This API token expired at ${row.expiresAt.toISOString()}; ask an operator for a new one`,
    };
  }
  return null;
}

/**
 * Which of the given token ids may no longer be used (revoked, expired at the clock's now, or deleted), with why.
 * One statement whatever the number of ids: the ids travel as one JSON parameter.
 */
export function refusedTokens(
  deps: Pick<ServiceDeps, 'db' | 'clock'>,
  ids: Iterable<number>,
): Map<number, TokenRefusal> {
  const wanted = [...new Set(ids)];
  const refused = new Map<number, TokenRefusal>();
  if (!wanted.length) return refused;
  const rows = deps.db
    .select({ id: apiTokens.id, revokedAt: apiTokens.revokedAt, expiresAt: apiTokens.expiresAt })
    .from(apiTokens)
    .where(sql`${apiTokens.id} in (select value from json_each(${JSON.stringify(wanted)}))`)
    .all();
  const byId = new Map(rows.map((row) => [row.id, row]));
  const now = deps.clock.now();
  for (const id of wanted) {
    const refusal = tokenRefusal(byId.get(id), now);
    if (refusal) refused.set(id, refusal);
  }
  return refused;
}

/**
 * Resolves an `Authorization` value (HTTP header, or the graphql-ws connection_init payload) to a viewer.
 * No credential is the anonymous viewer; a malformed, unknown, revoked or expired one is an AuthenticationError.
 * A successful use of a stored token refreshes its `last_used_at` (at most once per LAST_USED_RESOLUTION_MS).
 */
export function viewerFromAuthorization(
  deps: Pick<ServiceDeps, 'db' | 'env' | 'clock'>,
  authorization: string | null | undefined,
): Viewer {
  if (authorization == null || authorization === '') return { role: 'ANONYMOUS' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) throw new AuthenticationError('Malformed Authorization: expected "Bearer <token>"');
  // One digest per request: compared with the operator token's, and its hex is the stored hash (hashToken).
  const digest = sha256(match[1]);
  if (deps.env.OPERATOR_TOKEN && isOperatorToken(digest, deps.env.OPERATOR_TOKEN)) {
    return { role: 'OPERATOR', tokenId: null };
  }
  const byHash = preparedOnce(deps.db, 'apiTokenByHash', () =>
    deps.db
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.tokenHash, sql.placeholder('hash')))
      .prepare(),
  );
  const row = byHash.get({ hash: digest.toString('hex') });
  const now = deps.clock.now();
  const refusal = tokenRefusal(row, now);
  if (refusal || !row) throw new AuthenticationError(refusal?.message ?? 'Invalid or revoked token');
  if (row.lastUsedAt == null || now - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    deps.db
      .update(apiTokens)
      .set({ lastUsedAt: new Date(now) })
      .where(eq(apiTokens.id, row.id))
      .run();
  }
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
  /** Refused from this instant on; must be in the future. null: never expires. */
  expiresAt?: Date | null;
}

/** OPERATOR only. Returns the token once (only its hash is stored) with the token's record. */
export function createApiToken(
  deps: ServiceDeps,
  viewer: Viewer,
  input: CreateApiTokenInput,
): Result<{ token: string; apiToken: ApiTokenRecord }> {
  if (viewer.role !== 'OPERATOR') return fail(userError('FORBIDDEN', null, 'Only an OPERATOR can create API tokens'));
  const { role } = input;
  const now = deps.clock.now();
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
  if (input.expiresAt != null && input.expiresAt.getTime() <= now) {
    errors.push(
      userError(
        'INVALID_INPUT',
        ['input', 'expiresAt'],
        `expiresAt must be in the future (now is ${new Date(now).toISOString()}); omit it for a token that never expires`,
      ),
    );
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
  const apiToken = deps.db
    .insert(apiTokens)
    .values({
      tokenHash: hashToken(token),
      role,
      customerId: input.customerId ?? null,
      partnerId: input.partnerId ?? null,
      description: input.description ?? null,
      createdAt: new Date(now),
      expiresAt: input.expiresAt ?? null,
    })
    .returning(RECORD_COLUMNS)
    .get();
  deps.logger.info({ tokenId: apiToken.id, role, expiresAt: input.expiresAt ?? null }, 'api token created');
  return ok({ token, apiToken });
}

/** Token listing and lookup are OPERATOR only: anonymous callers are unauthenticated, others forbidden. */
function requireOperator(viewer: Viewer): void {
  if (viewer.role === 'ANONYMOUS') {
    throw new AuthenticationError('Authentication required: send Authorization: Bearer <token>');
  }
  if (viewer.role !== 'OPERATOR') throw new ForbiddenError('Only an OPERATOR can list API tokens');
}

/** OPERATOR only: every token's record (never its secret), oldest first, one keyset page. */
export function listApiTokens(
  deps: Pick<ServiceDeps, 'db'>,
  viewer: Viewer,
  page: PageArgs,
): Connection<ApiTokenRecord> {
  requireOperator(viewer);
  const request = pageRequest(TOKEN_CURSOR_KIND, page);
  const connection = keysetPage<typeof apiTokens.$inferSelect>(
    deps.db,
    { kind: TOKEN_CURSOR_KIND, table: apiTokens, key: apiTokens.id, keyOf: (row) => row.id, where: undefined },
    request,
  );
  return {
    ...connection,
    edges: connection.edges.map(({ cursor, node: { tokenHash: _secret, ...record } }) => ({ cursor, node: record })),
  };
}

/** Token records by id for node(id:)/nodes(ids:): OPERATOR only; anyone else (and unknown ids) gets nulls. */
export function apiTokensByIds(
  deps: Pick<ServiceDeps, 'db'>,
  viewer: Viewer,
  ids: readonly number[],
): (ApiTokenRecord | null)[] {
  if (viewer.role !== 'OPERATOR' || !ids.length) return ids.map(() => null);
  const rows = deps.db
    .select(RECORD_COLUMNS)
    .from(apiTokens)
    .where(inArray(apiTokens.id, [...ids]))
    .all();
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id) ?? null);
}

/**
 * OPERATOR only. Marks the token revoked (revoking again keeps the first `revokedAt`), then publishes
 * `identity:token-revoked` so that every open socket and stream authenticated with it is closed at once.
 * An unknown id (or -1 for a malformed one) is NOT_FOUND.
 */
export function revokeApiToken(
  deps: ServiceDeps,
  viewer: Viewer,
  input: { apiTokenId: number },
): Result<ApiTokenRecord> {
  if (viewer.role !== 'OPERATOR') return fail(userError('FORBIDDEN', null, 'Only an OPERATOR can revoke API tokens'));
  const apiToken = deps.db
    .update(apiTokens)
    .set({ revokedAt: sql`coalesce(${apiTokens.revokedAt}, ${deps.clock.now()})` })
    .where(eq(apiTokens.id, input.apiTokenId))
    .returning(RECORD_COLUMNS)
    .get();
  if (!apiToken) return fail(userError('NOT_FOUND', ['input', 'apiTokenId'], 'No such API token'));
  deps.logger.info({ tokenId: apiToken.id, revokedAt: apiToken.revokedAt }, 'api token revoked');
  deps.pubsub.publish('identity:token-revoked', { tokenIds: [apiToken.id] });
  return ok(apiToken);
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
