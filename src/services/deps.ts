import type { Clock } from '../clock.js';
import type { DB } from '../db/client.js';
import type { Env } from '../env.js';
import type { Logger } from '../observability/logger.js';
import type { AppPubSub } from '../pubsub.js';

/** What services need: passed explicitly, never imported as singletons. */
export interface ServiceDeps {
  db: DB;
  pubsub: AppPubSub;
  clock: Clock;
  logger: Logger;
  env: Env;
  telemetry: TelemetryHooks;
}

/** Hooks the telemetry engine gives the registration services (called after commit). */
export interface TelemetryHooks {
  /** New prefixes exist: validate them against the route state already known. */
  prefixesRegistered(prefixIds: number[]): void;
  /** Partner sessions changed: the peer-address lookup must be refreshed. */
  sessionsChanged(partnerId: number): void;
}
