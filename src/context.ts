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

/**
 * The context's own part (graphql-yoga adds it to its initial context). Loaders are made at once, except on a
 * SocketOperationContext, whose loaders are made on first use.
 */
export function createContext(
  initial: object,
  deps: ServiceDeps,
  telemetry: TelemetryEngine,
  realtime: Realtime,
  viewer: Viewer,
): Omit<Context, 'loaders'> & { loaders?: Loaders } {
  if (initial instanceof SocketOperationContext) return { deps, telemetry, realtime, viewer };
  return { deps, telemetry, realtime, viewer, loaders: createLoaders(deps.db, viewer) };
}

/**
 * Loaders made on first use, kept in a symbol-keyed slot of the context behind one shared accessor (no closure per
 * context). A subscription's context lives as long as its stream: refreshLoaders drops the set after subscribe and
 * before each item, so an idle subscription holds none and each item gets fresh ones.
 */
const LOADERS = Symbol('loaders');
type LoaderSlot = Context & { [LOADERS]?: Loaders | null };
const lazyLoaders: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: LoaderSlot) {
    this[LOADERS] ??= createLoaders(this.deps.db, this.viewer);
    return this[LOADERS];
  },
  set(this: LoaderSlot, loaders: Loaders) {
    this[LOADERS] = loaders;
  },
};

export function refreshLoaders(ctx: Context): void {
  const slot = ctx as LoaderSlot;
  if (!(LOADERS in slot)) Object.defineProperty(ctx, 'loaders', lazyLoaders);
  slot[LOADERS] = null;
}

/**
 * graphql-yoga's initial context for a graphql-ws operation (app.ts): what the context factory reads (the viewer,
 * passed as `connectionParams`), the socket (useLiveOperations tells graphql-ws streams from SSE by it) and the
 * operation's params, as in yoga's graphql-ws recipe. A class whose fields are all declared, so the context that
 * yoga completes in place keeps one fixed shape (a plain object extended with an accessor falls into dictionary
 * mode, ~830 bytes per open subscription), with the lazy loaders on its prototype.
 */
export class SocketOperationContext {
  [LOADERS]: Loaders | null = null;
  deps: ServiceDeps | undefined = undefined;
  telemetry: TelemetryEngine | undefined = undefined;
  realtime: Realtime | undefined = undefined;
  viewer: Viewer | undefined = undefined;

  constructor(
    readonly socket: unknown,
    readonly params: unknown,
    readonly connectionParams: { viewer: Viewer },
  ) {}
}
Object.defineProperty(SocketOperationContext.prototype, 'loaders', lazyLoaders);
