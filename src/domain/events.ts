import type { EventLevel, ValidationState } from '../db/schema.js';

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
