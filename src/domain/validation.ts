import type { LearnedType, ValidationState } from '../db/schema.js';
import {
  hasCommunity,
  hasPrepending,
  isPrivateAsn,
  MAX_AS_PATH_LENGTH,
  originOf,
  PEERING_SERVICE_COMMUNITY,
} from './bgp.js';

/**
 * Azure Peering Service prefix validation, as a pure function of the routes the partner's required sessions
 * (at the primary and backup locations) hold for the exact prefix. Messages follow Azure's wording.
 */

export const MESSAGES = {
  notReceived: "Prefix wasn't received from Peering Service provider, contact Peering Service provider.",
  community: "Prefix announcement doesn't have a valid BGP community, contact Peering Service provider.",
  pathLength: 'Prefix received with longer AS path(>3), contact Peering Service provider.',
  privateAsn: 'Prefix received with private AS in the path, contact Peering Service provider.',
  prepending: 'Prefix received with AS path prepending, contact Peering Service provider.',
  origin: 'Prefix received with an unexpected origin AS, contact Peering Service provider.',
  noSessions: 'Provider has fewer than two sessions in its primary location.',
} as const;

export interface RequiredSession {
  id: number;
  routerName: string;
  locationName: string;
}

export interface SessionRoute {
  asPath: number[];
  communities: [number, number][];
}

export interface ValidationInput {
  current: ValidationState;
  expectedOriginAsns: number[];
  sessions: RequiredSession[];
  /** Routes for the exact prefix, by session id, for sessions that announce it now. */
  routes: Map<number, SessionRoute>;
  /** True when a PENDING prefix has waited longer than the validation timeout. */
  timedOut: boolean;
}

export interface ValidationOutcome {
  state: ValidationState;
  learnedType: LearnedType;
  errorMessage: string | null;
  /** Set on first verification when no origin was given: the origin(s) seen become the expected ones. */
  learnedOriginAsns?: number[];
}

type Rule = { order: number; message: string; session: RequiredSession; detail: string };

const sessionLabel = (s: RequiredSession) => `${s.routerName} (${s.locationName})`;

function firstBrokenRule(session: RequiredSession, route: SessionRoute, expected: number[]): Rule | null {
  const origin = originOf(route.asPath);
  if (!hasCommunity(route.communities)) {
    return { order: 1, message: MESSAGES.community, session, detail: `missing ${PEERING_SERVICE_COMMUNITY.join(':')}` };
  }
  if (route.asPath.length > MAX_AS_PATH_LENGTH) {
    return { order: 2, message: MESSAGES.pathLength, session, detail: `AS path ${route.asPath.join(' ')}` };
  }
  const privateAsn = route.asPath.find(isPrivateAsn);
  if (privateAsn != null) return { order: 3, message: MESSAGES.privateAsn, session, detail: `AS${privateAsn}` };
  if (hasPrepending(route.asPath)) {
    return { order: 4, message: MESSAGES.prepending, session, detail: `AS path ${route.asPath.join(' ')}` };
  }
  if (origin == null) return { order: 2, message: MESSAGES.pathLength, session, detail: 'empty AS path' };
  if (expected.length && !expected.includes(origin)) {
    return {
      order: 5,
      message: MESSAGES.origin,
      session,
      detail: `origin AS${origin}, expected AS${expected.join(', AS')}`,
    };
  }
  return null;
}

const withDetail = (message: string, detail: string) => `${message} (${detail})`;

export function evaluateValidation(input: ValidationInput): ValidationOutcome {
  const { sessions, routes, current } = input;
  if (sessions.length === 0) return { state: 'FAILED', learnedType: 'NONE', errorMessage: MESSAGES.noSessions };

  const announcing = sessions.filter((s) => routes.has(s.id));
  const missing = sessions.filter((s) => !routes.has(s.id));
  const broken: Rule[] = [];
  for (const session of announcing) {
    const rule = firstBrokenRule(session, routes.get(session.id)!, input.expectedOriginAsns);
    if (rule) broken.push(rule);
  }
  // With no expected origin yet, every session must agree on one.
  const origins = [...new Set(announcing.map((s) => originOf(routes.get(s.id)!.asPath)).filter((o) => o != null))];
  if (!input.expectedOriginAsns.length && origins.length > 1 && !broken.length) {
    broken.push({
      order: 5,
      message: MESSAGES.origin,
      session: announcing[0]!,
      detail: `sessions disagree on the origin: AS${origins.join(', AS')}`,
    });
  }
  broken.sort((a, b) => a.order - b.order);
  const firstBroken = broken[0];
  const notReceived = () =>
    withDetail(MESSAGES.notReceived, `not announced on ${missing.map(sessionLabel).join(', ')}`);
  const brokenMessage = (rule: Rule) => withDetail(rule.message, `${sessionLabel(rule.session)}: ${rule.detail}`);

  if (!missing.length && !firstBroken) {
    return {
      state: 'VERIFIED',
      learnedType: 'VIA_SERVICE_PROVIDER',
      errorMessage: null,
      ...(input.expectedOriginAsns.length ? {} : { learnedOriginAsns: origins as number[] }),
    };
  }
  const goodCount = announcing.length - new Set(broken.map((r) => r.session.id)).size;
  if (current === 'VERIFIED' || current === 'WARNING') {
    if (goodCount === 0) {
      return {
        state: 'FAILED',
        learnedType: 'NONE',
        errorMessage: firstBroken ? brokenMessage(firstBroken) : notReceived(),
      };
    }
    return {
      state: 'WARNING',
      learnedType: 'VIA_SERVICE_PROVIDER',
      errorMessage: missing.length ? notReceived() : brokenMessage(firstBroken!),
    };
  }
  if (firstBroken) return { state: 'FAILED', learnedType: 'NONE', errorMessage: brokenMessage(firstBroken) };
  if (current === 'PENDING' && !input.timedOut) return { state: 'PENDING', learnedType: 'NONE', errorMessage: null };
  return { state: 'FAILED', learnedType: 'NONE', errorMessage: notReceived() };
}
