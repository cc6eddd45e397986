/**
 * Domain errors and user-error values. No GraphQL imports: the schema layer maps these to
 * `extensions.code` (thrown errors) or to `userErrors` entries (expected failures in mutations).
 */

export const USER_ERROR_CODES = [
  'INVALID_INPUT',
  'INVALID_PREFIX',
  'PRIVATE_PREFIX',
  'PREFIX_OVERLAP',
  'PREFIX_KEY_MISMATCH',
  'NOT_FOUND',
  'PEERING_LOCATION_NOT_SERVED',
  'INSUFFICIENT_SESSIONS',
  'SAME_PRIMARY_AND_BACKUP',
  'LOCATION_UNKNOWN',
  'PROVIDER_UNAVAILABLE',
  'NAME_TAKEN',
  'FORBIDDEN',
  'LIMIT_EXCEEDED',
] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

/** An expected failure of a mutation, returned as data. `field` is the path to the offending input. */
export interface UserError {
  code: UserErrorCode;
  field: string[] | null;
  message: string;
}

export const userError = (code: UserErrorCode, field: (string | number)[] | null, message: string): UserError => ({
  code,
  field: field ? field.map(String) : null,
  message,
});

/** Result of a service call: either the value, or the user errors (and then nothing was written). */
export type Result<T> = { ok: true; value: T } | { ok: false; errors: UserError[] };
export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(...errors: UserError[]): Result<T> => ({ ok: false, errors });

/** Base of the errors that may be shown to clients as they are (everything else is masked). */
export class DomainError extends Error {
  constructor(
    message: string,
    public readonly code:
      | 'BAD_USER_INPUT'
      | 'NOT_FOUND'
      | 'FORBIDDEN'
      | 'UNAUTHENTICATED'
      | 'SUBSCRIPTION_OVERFLOW'
      | 'QUERY_TOO_COMPLEX',
    public readonly httpStatus = 200,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Malformed arguments to a query or subscription (bad cursor, page size out of range, unknown enum...). */
export class InputError extends DomainError {
  constructor(message: string) {
    super(message, 'BAD_USER_INPUT');
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string) {
    super(message, 'NOT_FOUND');
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super(message, 'FORBIDDEN');
  }
}

/** A bad or missing credential where one is required. */
export class AuthenticationError extends DomainError {
  constructor(message: string) {
    super(message, 'UNAUTHENTICATED', 401);
  }
}
