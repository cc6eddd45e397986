import { AuthenticationError, ForbiddenError } from '../errors.js';

/** Who is calling. Resolved once per request (HTTP) or per connection (graphql-ws). */
export type Viewer =
  | { role: 'ANONYMOUS' }
  | { role: 'OPERATOR'; tokenId: number | null }
  | { role: 'PARTNER'; tokenId: number; partnerId: number }
  | { role: 'CUSTOMER'; tokenId: number; customerId: number }
  | { role: 'COLLECTOR'; tokenId: number };

export const ANONYMOUS: Viewer = { role: 'ANONYMOUS' };

/**
 * Which peering services (and so prefixes and events) a viewer may see:
 * all (operator), those of one customer, those using one partner, or none.
 */
export type ServiceScope = { all: true } | { customerId: number } | { partnerId: number } | { none: true };

export function serviceScope(viewer: Viewer): ServiceScope {
  switch (viewer.role) {
    case 'OPERATOR':
      return { all: true };
    case 'CUSTOMER':
      return { customerId: viewer.customerId };
    case 'PARTNER':
      return { partnerId: viewer.partnerId };
    default:
      return { none: true };
  }
}

export function canSeeService(viewer: Viewer, service: { customerId: number; partnerId: number }): boolean {
  const scope = serviceScope(viewer);
  if ('all' in scope) return true;
  if ('customerId' in scope) return scope.customerId === service.customerId;
  if ('partnerId' in scope) return scope.partnerId === service.partnerId;
  return false;
}

/** Reading anything beyond the public catalogue needs a token of a role that reads (not a collector). */
export function requireReader(viewer: Viewer): void {
  if (viewer.role === 'ANONYMOUS')
    throw new AuthenticationError('Authentication required: send Authorization: Bearer <token>');
  if (viewer.role === 'COLLECTOR') throw new ForbiddenError('COLLECTOR tokens can only ingest telemetry');
}

export function canSeePartnerSessions(viewer: Viewer, partnerId: number): boolean {
  return viewer.role === 'OPERATOR' || (viewer.role === 'PARTNER' && viewer.partnerId === partnerId);
}
