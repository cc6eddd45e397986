import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { Waiter } from './telemetry-kit.js';

/**
 * A local stand-in for RIS Live (https://ris-live.ripe.net/manual/) on 127.0.0.1: it keeps each socket's
 * subscriptions (`ris_subscribe` / `ris_unsubscribe` with identical data), delivers `ris_message`s only to sockets
 * with a matching subscription (type, host, peer and prefix filters, with moreSpecific (default true) and
 * lessSpecific (default false)), answers `ping` with `pong`, and can send `ris_error` or drop every connection.
 * IPv4 prefixes only, which is all the tests use.
 */

export interface ReceivedMessage {
  connection: number;
  type: string;
  data?: any;
}

interface Connection {
  id: number;
  socket: WebSocket;
  url: string;
  subscriptions: Record<string, unknown>[];
  closeCode?: number;
}

function v4(cidr: string): { start: number; end: number } | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return null;
  const addr = ((+m[1]! << 24) >>> 0) + (+m[2]! << 16) + (+m[3]! << 8) + +m[4]!;
  const len = +m[5]!;
  const size = 2 ** (32 - len);
  const start = Math.floor(addr / size) * size;
  return { start, end: start + size - 1 };
}

function prefixMatches(filter: Record<string, unknown>, prefixes: string[]): boolean {
  if (filter.prefix === undefined) return true;
  const wanted = (Array.isArray(filter.prefix) ? filter.prefix : [filter.prefix]).map(String);
  const more = filter.moreSpecific !== false;
  const less = filter.lessSpecific === true;
  return prefixes.some((p) => {
    const seen = v4(p);
    return wanted.some((w) => {
      const sub = v4(w);
      if (!seen || !sub) return p === w;
      if (seen.start === sub.start && seen.end === sub.end) return true;
      if (more && seen.start >= sub.start && seen.end <= sub.end) return true;
      if (less && seen.start <= sub.start && seen.end >= sub.end) return true;
      return false;
    });
  });
}

function matches(filter: Record<string, unknown>, data: Record<string, any>): boolean {
  if (filter.type !== undefined && filter.type !== data.type) return false;
  if (filter.host !== undefined && filter.host !== data.host) return false;
  if (filter.peer !== undefined && filter.peer !== data.peer) return false;
  if (filter.prefix !== undefined) {
    if (data.type !== 'UPDATE') return false;
    const prefixes = [
      ...((data.announcements ?? []) as { prefixes: string[] }[]).flatMap((a) => a.prefixes),
      ...((data.withdrawals ?? []) as string[]),
    ];
    if (!prefixMatches(filter, prefixes)) return false;
  }
  return true;
}

export class FakeRisLive {
  readonly received: ReceivedMessage[] = [];
  readonly connections: Connection[] = [];
  readonly waiter = new Waiter();
  private server!: WebSocketServer;
  private nextId = 1;
  /** When set, WebSocket handshakes are refused with this HTTP status (a server that is down or overloaded). */
  refuseWith: number | null = null;
  /** Handshakes refused so far. */
  refused = 0;
  url = '';

  async start(): Promise<this> {
    this.server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      verifyClient: (_info, done) => {
        if (this.refuseWith == null) return done(true);
        this.refused++;
        this.waiter.notify();
        done(false, this.refuseWith);
      },
    });
    await new Promise<void>((resolve) => this.server.once('listening', () => resolve()));
    const { port } = this.server.address() as AddressInfo;
    this.url = `ws://127.0.0.1:${port}/v1/ws/?client=peerwatch-test`;
    this.server.on('connection', (socket, req) => {
      const connection: Connection = { id: this.nextId++, socket, url: req.url ?? '', subscriptions: [] };
      this.connections.push(connection);
      this.waiter.notify();
      socket.on('message', (raw) => this.onMessage(connection, raw.toString()));
      socket.on('close', (code) => {
        connection.closeCode = code;
        this.waiter.notify();
      });
    });
    return this;
  }

  private onMessage(connection: Connection, text: string) {
    const message = JSON.parse(text) as { type: string; data?: any };
    this.received.push({ connection: connection.id, type: message.type, data: message.data });
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    switch (message.type) {
      case 'ris_subscribe':
        connection.subscriptions.push(message.data ?? {});
        break;
      case 'ris_unsubscribe':
        connection.subscriptions = connection.subscriptions.filter((s) => !same(s, message.data ?? {}));
        break;
      case 'ping':
        connection.socket.send(JSON.stringify({ type: 'pong', data: null }));
        break;
      default:
        connection.socket.send(
          JSON.stringify({ type: 'ris_error', data: { message: `Unknown type ${message.type}` } }),
        );
    }
    this.waiter.notify();
  }

  open(): Connection[] {
    return this.connections.filter((c) => c.socket.readyState === c.socket.OPEN);
  }

  /** Sends a ris_message to every open socket with a matching subscription; returns how many got it. */
  publish(data: Record<string, unknown>): number {
    let sent = 0;
    for (const c of this.open()) {
      if (!c.subscriptions.some((s) => matches(s, data))) continue;
      c.socket.send(JSON.stringify({ type: 'ris_message', data: { id: `test-${Date.now()}`, ...data } }));
      sent++;
    }
    return sent;
  }

  error(message: string): void {
    for (const c of this.open()) c.socket.send(JSON.stringify({ type: 'ris_error', data: { message } }));
  }

  /** Drops every connection without a close handshake (as a network failure would). */
  drop(): void {
    for (const c of this.open()) c.socket.terminate();
  }

  of(connection: number, type?: string) {
    return this.received.filter((m) => m.connection === connection && (type == null || m.type === type));
  }

  until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    return this.waiter.until(cond, what, timeoutMs);
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
