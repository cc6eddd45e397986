import type { EventLevel, LearnedType, ValidationState } from '../db/schema.js';

/** Prefix event types, with the Azure event type name and level where Azure defines one. */
export const EVENT_TYPES = {
  ANNOUNCEMENT: { azure: 'PrefixAnnouncementEvent', level: 'INFORMATION' },
  WITHDRAWAL: { azure: 'PrefixWithdrawalEvent', level: 'WARNING' },
  BACKUP_ROUTE_ANNOUNCEMENT: { azure: 'PrefixBackupRouteAnnouncementEvent', level: 'INFORMATION' },
  BACKUP_ROUTE_WITHDRAWAL: { azure: 'PrefixBackupRouteWithdrawalEvent', level: 'WARNING' },
  ACTIVE_PATH: { azure: 'PrefixActivePath', level: 'INFORMATION' },
  BACKUP_PATH: { azure: 'PrefixBackupPath', level: 'INFORMATION' },
  ORIGIN_AS_CHANGE: { azure: 'PrefixOriginAsChangeEvent', level: 'CRITICAL' },
  BACKUP_ROUTE_ORIGIN_AS_CHANGE: { azure: 'PrefixBackupRouteOriginAsChangeEvent', level: 'ERROR' },
  MORE_SPECIFIC_HIJACK: { azure: 'MORE_SPECIFIC_HIJACK', level: 'CRITICAL' },
  NEW_MORE_SPECIFIC: { azure: 'NEW_MORE_SPECIFIC', level: 'WARNING' },
  ROUTE_LEAK: { azure: 'ROUTE_LEAK', level: 'ERROR' },
  VISIBILITY_LOSS: { azure: 'VISIBILITY_LOSS', level: 'ERROR' },
  VISIBILITY_RESTORED: { azure: 'VISIBILITY_RESTORED', level: 'INFORMATION' },
  VALIDATION_STATE_CHANGED: { azure: 'VALIDATION_STATE_CHANGED', level: 'INFORMATION' },
  LATENCY_DEGRADED: { azure: 'LATENCY_DEGRADED', level: 'WARNING' },
  LATENCY_RECOVERED: { azure: 'LATENCY_RECOVERED', level: 'INFORMATION' },
} as const satisfies Record<string, { azure: string; level: EventLevel }>;

export type PrefixEventType = keyof typeof EVENT_TYPES;
export const PREFIX_EVENT_TYPES = Object.keys(EVENT_TYPES) as PrefixEventType[];

/** The level of a VALIDATION_STATE_CHANGED event depends on where the prefix went. */
export function validationChangeLevel(state: ValidationState): EventLevel {
  if (state === 'FAILED' || state === 'INVALID') return 'ERROR';
  if (state === 'WARNING') return 'WARNING';
  return 'INFORMATION';
}

/** Azure's learned type follows the state: VIA_SERVICE_PROVIDER while VERIFIED or WARNING (src/domain/validation.ts). */
export const learnedTypeOf = (state: ValidationState): LearnedType =>
  state === 'VERIFIED' || state === 'WARNING' ? 'VIA_SERVICE_PROVIDER' : 'NONE';

const asnList = (asns: number[]) => (asns.length ? asns.map((a) => `AS${a}`).join(', ') : 'none recorded');
const SUMMARY_ARROW = ' -> ';
const NO_MESSAGE = 'validation pending';

/**
 * The summary and description of a VALIDATION_STATE_CHANGED event. They carry the new state and its error message
 * in a fixed form that validationOfChange reads back: processes that learn of a change from the event log (the
 * Redis bus) rebuild the change's validation from its event row.
 */
export function validationChangeText(
  prefix: string,
  from: ValidationState,
  to: { state: ValidationState; errorMessage: string | null },
  expectedOriginAsns: number[],
): { summary: string; description: string } {
  return {
    summary: `Validation ${from}${SUMMARY_ARROW}${to.state}`,
    description:
      to.state === 'VERIFIED'
        ? `${prefix} is announced correctly on every required session of the partner; expected origin ${asnList(expectedOriginAsns)}.`
        : `${prefix}: ${to.errorMessage ?? NO_MESSAGE}`,
  };
}

/**
 * The validation a VALIDATION_STATE_CHANGED event row records (the inverse of validationChangeText): the state
 * from the summary, the error message from the description (none when VERIFIED), the expected origins as the
 * event holds them, and validatedAt = the event's recordedAt (the analysis stamps both with its transaction time).
 */
export function validationOfChange(event: {
  summary: string;
  description: string;
  observedPrefix: string;
  recordedAt: number;
  expectedOriginAsns: number[];
}): {
  validationState: ValidationState;
  learnedType: LearnedType;
  errorMessage: string | null;
  validatedAt: number;
  expectedOriginAsns: number[];
} {
  const state = event.summary.slice(event.summary.lastIndexOf(SUMMARY_ARROW) + SUMMARY_ARROW.length) as ValidationState;
  let errorMessage: string | null = null;
  if (state !== 'VERIFIED') {
    const lead = `${event.observedPrefix}: `;
    const text = event.description.startsWith(lead) ? event.description.slice(lead.length) : event.description;
    errorMessage = state === 'PENDING' && text === NO_MESSAGE ? null : text;
  }
  return {
    validationState: state,
    learnedType: learnedTypeOf(state),
    errorMessage,
    validatedAt: event.recordedAt,
    expectedOriginAsns: event.expectedOriginAsns,
  };
}
