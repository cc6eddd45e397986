import { createLoaders, type Loaders } from './loaders.js';
import type { ServiceDeps } from './services/deps.js';
import type { Viewer } from './services/viewer.js';
import type { TelemetryEngine } from './telemetry/engine.js';

/** Per-operation context, built the same way for HTTP, SSE and graphql-ws. */
export interface Context {
  deps: ServiceDeps;
  telemetry: TelemetryEngine;
  viewer: Viewer;
  loaders: Loaders;
}

export function createContext(deps: ServiceDeps, telemetry: TelemetryEngine, viewer: Viewer): Context {
  return { deps, telemetry, viewer, loaders: createLoaders(deps.db, viewer) };
}
