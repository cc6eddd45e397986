import type { Statement } from 'better-sqlite3';
import WebSocket from 'ws';
import type { Clock } from '../clock.js';
import type { DB } from '../db/client.js';
import type { Env } from '../env.js';
import type { Logger } from '../observability/logger.js';
import type { AppPubSub } from '../pubsub.js';
import type { TelemetryEngine } from '../telemetry/engine.js';
import { MAX_BATCH, parseRisValue, type RouteUpdate } from '../telemetry/route-input.js';

/**
 * The built-in RIPE RIS Live connection (https://ris-live.ripe.net/manual/). One WebSocket to RIS_LIVE_URL that
 * subscribes to every registered prefix (UPDATEs, with more- and less-specifics, so a covering hijack is seen) and to
 * RIS_PEER_STATE messages, and follows prefix registrations and removals without reconnecting. Messages go through
 * the same checks as POST /ingest/ris and are applied in batches (by count, or RIS_LIVE_BATCH_MS after the first one
 * waits). The connection is kept alive with `ping`, re-established with exponential backoff and jitter, and every
 * reconnect re-subscribes everything and records a possible gap on the feed: RIS Live keeps no replay.
 */

export type RisLiveSettings = Pick<
  Env,
  'RIS_LIVE_BACKOFF_MS' | 'RIS_LIVE_BACKOFF_MAX_MS' | 'RIS_LIVE_PING_SECONDS' | 'RIS_LIVE_BATCH_MS'
>;

export interface RisLiveDeps {
  url: string;
  db: DB;
  pubsub: AppPubSub;
  logger: Logger;
  clock: Clock;
  telemetry: TelemetryEngine;
  settings: RisLiveSettings;
}

/** `ris_subscribe` data for one registered prefix (`ris_unsubscribe` must send the same data). */
export const prefixSubscription = (prefix: string) => ({
  prefix,
  moreSpecific: true,
  lessSpecific: true,
  type: 'UPDATE',
});

/** A `type: "UPDATE"` filter blocks peer state messages: they need a subscription of their own. */
export const PEER_STATE_SUBSCRIPTION = { type: 'RIS_PEER_STATE' };

/** Exponential backoff with equal jitter: half the exponential delay, plus up to as much again at random. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

export class RisLiveClient {
  /** The feed's name: the endpoint's host (with its port when one is given). */
  readonly feedName: string;
  private socket: WebSocket | null = null;
  /** The socket, once it is open (a socket that never opened is no gap: the gap started earlier). */
  private openSocket: WebSocket | null = null;
  private stopped = true;
  private attempt = 0;
  private everOpened = false;
  /** When the open connection dropped (clock time); the gap runs from here to the next open. */
  private droppedAt: number | null = null;
  /** lastSeenAt of the feed when this process started: a gap since then (peerwatch was not connected). */
  private seenBeforeStart: number | null = null;
  private subscribed = new Set<string>();
  private batch: RouteUpdate[] = [];
  private lastHeard = 0;
  private timers: { reconnect?: NodeJS.Timeout; ping?: NodeJS.Timeout; flush?: NodeJS.Timeout } = {};
  private stopListening: (() => void) | null = null;
  private resyncQueued = false;
  private prefixStatement: Statement | null = null;

  constructor(private readonly deps: RisLiveDeps) {
    this.feedName = new URL(deps.url).host;
  }

  /** The registered prefixes, from the database (so prefixes registered by another process are included). */
  private registeredPrefixes(): string[] {
    this.prefixStatement ??= this.deps.db.$client.prepare('select prefix from prefixes order by prefix');
    return (this.prefixStatement.all() as { prefix: string }[]).map((r) => r.prefix);
  }

  private get feeds() {
    return this.deps.telemetry.feeds;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.seenBeforeStart = this.feeds.get('RIS_LIVE', this.feedName)?.lastSeenAt ?? null;
    this.feeds.ensure('RIS_LIVE', this.feedName);
    this.feeds.setConnected('RIS_LIVE', this.feedName, false);
    // Pubsub listeners only enqueue: the resync (a query and a few sends) runs on the next turn, once per burst.
    this.stopListening = this.deps.pubsub.subscribe('registration:prefixes-changed', () => {
      if (this.resyncQueued) return;
      this.resyncQueued = true;
      setImmediate(() => {
        this.resyncQueued = false;
        if (!this.stopped) this.resync();
      });
    });
    this.connect();
  }

  /** Closes the socket (no reconnect), applies what was received, and marks the feed disconnected. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopListening?.();
    for (const timer of Object.values(this.timers)) clearTimeout(timer);
    this.timers = {};
    this.flush();
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          socket.terminate();
          resolve();
        }, 1000);
        force.unref();
        socket.once('close', () => {
          clearTimeout(force);
          resolve();
        });
        if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
        else socket.close(1000, 'peerwatch stopping');
      });
    }
    try {
      this.feeds.setConnected('RIS_LIVE', this.feedName, false);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'RIS Live: could not record the disconnection');
    }
  }

  private connect(): void {
    const socket = new WebSocket(this.deps.url, { handshakeTimeout: 10_000, perMessageDeflate: false });
    this.socket = socket;
    socket.on('open', () => this.opened(socket));
    socket.on('message', (data) => {
      if (socket === this.socket) this.received(data.toString());
    });
    socket.on('error', (error) => {
      if (socket !== this.socket || this.stopped) return;
      this.deps.logger.warn({ err: error, url: this.deps.url }, 'RIS Live connection error');
      this.guard(() => this.feeds.recordError('RIS_LIVE', this.feedName, `connection error: ${error.message}`));
    });
    socket.on('close', (code, reason) => this.closed(socket, code, reason.toString()));
  }

  private opened(socket: WebSocket): void {
    if (socket !== this.socket || this.stopped) return;
    const reconnect = this.everOpened;
    const gapSince = this.droppedAt ?? (reconnect ? null : this.seenBeforeStart);
    this.everOpened = true;
    this.openSocket = socket;
    this.droppedAt = null;
    this.lastHeard = performance.now();
    this.guard(() => this.feeds.connectionOpened('RIS_LIVE', this.feedName, { reconnect, gapSince }));
    this.subscribed.clear();
    this.send({ type: 'ris_subscribe', data: PEER_STATE_SUBSCRIPTION });
    this.resync();
    const { logger } = this.deps;
    if (gapSince != null) {
      logger.warn(
        { url: this.deps.url, gapSince: new Date(gapSince).toISOString(), prefixes: this.subscribed.size },
        'RIS Live connected again; updates sent while disconnected were missed (RIS Live keeps no replay)',
      );
    } else {
      logger.info({ url: this.deps.url, prefixes: this.subscribed.size }, 'RIS Live connected');
    }
    const pingMs = this.deps.settings.RIS_LIVE_PING_SECONDS * 1000;
    clearInterval(this.timers.ping);
    this.timers.ping = setInterval(() => {
      if (socket !== this.socket || socket.readyState !== WebSocket.OPEN) return;
      // Silent for two ping periods (and at least 10 s, so a busy event loop is not mistaken for a dead socket).
      if (performance.now() - this.lastHeard > Math.max(2 * pingMs, 10_000)) {
        logger.warn({ url: this.deps.url }, 'RIS Live: no answer to pings; reconnecting');
        socket.terminate();
        return;
      }
      this.send({ type: 'ping' });
      // Prefixes registered by another process sharing the database reach this socket here.
      this.resync();
    }, pingMs);
    this.timers.ping.unref();
  }

  private closed(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = null;
    clearInterval(this.timers.ping);
    this.flush();
    if (this.stopped) return;
    const wasOpen = this.openSocket === socket;
    if (wasOpen) {
      this.openSocket = null;
      this.droppedAt ??= this.deps.clock.now();
    }
    this.subscribed.clear();
    this.lastHeard = 0;
    const delay = backoffDelay(
      this.attempt++,
      this.deps.settings.RIS_LIVE_BACKOFF_MS,
      this.deps.settings.RIS_LIVE_BACKOFF_MAX_MS,
    );
    // A socket that never opened was logged by its 'error' event; only a dropped connection is worth a warning.
    this.deps.logger[wasOpen ? 'warn' : 'debug'](
      { url: this.deps.url, code, reason, retryInMs: delay },
      wasOpen ? 'RIS Live connection closed' : 'RIS Live connection attempt failed',
    );
    this.guard(() => {
      this.feeds.setConnected('RIS_LIVE', this.feedName, false);
      // A socket that never opened has its reason recorded by the 'error' event already.
      if (wasOpen && code !== 1000) {
        this.feeds.recordError('RIS_LIVE', this.feedName, `connection closed (${code}${reason ? `: ${reason}` : ''})`);
      }
    });
    this.timers.reconnect = setTimeout(() => {
      if (!this.stopped) this.connect();
    }, delay);
    this.timers.reconnect.unref();
  }

  private received(text: string): void {
    this.lastHeard = performance.now();
    let message: { type?: unknown; data?: unknown };
    try {
      message = JSON.parse(text);
    } catch {
      this.deps.logger.warn({ text: text.slice(0, 200) }, 'RIS Live sent a message that is not JSON');
      return;
    }
    switch (message?.type) {
      case 'ris_message': {
        // A healthy connection: the next drop starts the backoff from its base again.
        this.attempt = 0;
        const parsed = parseRisValue(message, text);
        if (parsed.kind === 'update') {
          this.batch.push(parsed.update);
          if (this.batch.length >= MAX_BATCH) this.flush();
          else if (!this.timers.flush) {
            this.timers.flush = setTimeout(() => this.flush(), this.deps.settings.RIS_LIVE_BATCH_MS);
            this.timers.flush.unref();
          }
        } else if (parsed.kind === 'rejected') {
          this.deps.logger.debug({ reason: parsed.message, field: parsed.field }, 'RIS Live message rejected');
        }
        return;
      }
      case 'ris_error': {
        const data = message.data as { message?: unknown } | undefined;
        const text = typeof data?.message === 'string' ? data.message : JSON.stringify(message.data ?? null);
        this.deps.logger.warn({ url: this.deps.url, risError: text }, `RIS Live error: ${text}`);
        this.guard(() => this.feeds.recordError('RIS_LIVE', this.feedName, `ris_error: ${text}`));
        return;
      }
      case 'pong':
        this.attempt = 0;
        this.guard(() => this.feeds.seen('RIS_LIVE', this.feedName));
        return;
      default:
        // ris_subscribe_ok, ris_rrc_list and anything newer: nothing to do.
        return;
    }
  }

  /** Applies the waiting messages in one transaction (counted for the feed in it). */
  private flush(): void {
    clearTimeout(this.timers.flush);
    this.timers.flush = undefined;
    if (!this.batch.length) return;
    const batch = this.batch;
    this.batch = [];
    try {
      this.deps.telemetry.applyRoutes(batch, { kind: 'RIS_LIVE', name: this.feedName });
    } catch (error) {
      this.deps.logger.error({ err: error, messages: batch.length }, 'RIS Live batch failed');
    }
  }

  /** Subscribes the registered prefixes not yet subscribed on this socket, and unsubscribes the removed ones. */
  resync(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    let wanted: Set<string>;
    try {
      wanted = new Set(this.registeredPrefixes());
    } catch (error) {
      this.deps.logger.error({ err: error }, 'RIS Live: could not read the registered prefixes');
      return;
    }
    for (const prefix of wanted) {
      if (this.subscribed.has(prefix)) continue;
      this.send({ type: 'ris_subscribe', data: prefixSubscription(prefix) });
      this.subscribed.add(prefix);
    }
    for (const prefix of [...this.subscribed]) {
      if (wanted.has(prefix)) continue;
      this.send({ type: 'ris_unsubscribe', data: prefixSubscription(prefix) });
      this.subscribed.delete(prefix);
    }
  }

  private send(message: unknown): void {
    this.socket?.send(JSON.stringify(message));
  }

  /** Feed bookkeeping must never take the connection down (e.g. the database closing during shutdown). */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'RIS Live: could not update the feed');
    }
  }
}
