import { createLoaders, type Loaders } from './loaders.js';
import type { LiveOperations } from './realtime/live-operations.js';
import type { Semaphore } from './realtime/semaphore.js';
import type { ServiceDeps } from './services/deps.js';
import type { Viewer } from './services/viewer.js';
import type { TelemetryEngine } from './telemetry/engine.js';

/** Per-operation context, built the same way for HTTP, SSE and graphql-ws. */
export interface Context {
  deps: ServiceDeps;
  telemetry: TelemetryEngine;
  viewer: Viewer;
  loaders: Loaders;
  realtime: Realtime;
}

/** Process-wide state of live streams, shared by every operation. */
export interface Realtime {
  /** Open subscription streams on every transport. */
  live: LiveOperations;
  /** Bounds concurrent replay reads (MAX_CONCURRENT_REPLAYS). */
  replaySlots: Semaphore;
  /** Told the lag from commit to hand-over of each live event, per subscriber (metrics). */
  observeDeliveryLag?: (seconds: number) => void;
}

export function createContext(
  deps: ServiceDeps,
  telemetry: TelemetryEngine,
  realtime: Realtime,
  viewer: Viewer,
): Context {
  return { deps, telemetry, realtime, viewer, loaders: createLoaders(deps.db, viewer) };
}
