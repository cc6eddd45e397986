import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ExecutionResult } from 'graphql';
import { CloseCode, type ConnectionInitMessage, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { pullInto, type Receiver } from './receiver.js';

/**
 * graphql-ws over `ws`: graphql-ws's own protocol server (`makeServer`) on a transport adapted from its `use/ws`
 * starter (which its documentation invites copying), with one change: how `send` waits.
 *
 * `use/ws` resolves each `send` only when that frame has been written, and graphql-ws awaits it before taking the
 * next result, so a replay of many events is one write (one syscall, one wake-up of the client) per event. Here
 * `send` resolves at once while the socket's buffered bytes stay under SEND_HIGH_WATER, and the frames after a
 * socket's first in one turn of the event loop are queued on the corked socket, uncorked on the next
 * `setImmediate`, so a burst leaves as one write per socket. Past the mark, `send` resolves only when the frame
 * has been written: a client that does not read holds its stream up (backpressure), it does not grow the buffer.
 *
 * Socket errors are the caller's to handle (app.ts logs them and closes the socket).
 */
export const SEND_HIGH_WATER = 64 * 1024;

/** ws sends a Buffer as a binary frame unless told otherwise; graphql-ws messages are text. */
const TEXT = { binary: false } as const;

/** Keep-alive pings go out in slices, one slice every this many milliseconds (see createGraphQLWsServer). */
const PING_TICK_MS = 100;

/**
 * What graphql-ws's context carries for each connection: the socket. Unlike `use/ws`, not the upgrade request:
 * nothing reads it after the upgrade, and it would stay in memory as long as the connection.
 */
export interface Extra {
  readonly socket: WebSocket;
}

export interface GraphQLWsServer {
  /** Serves graphql-ws on an upgraded socket; `stream` is the connection it was upgraded from. */
  accept(socket: WebSocket, stream: Duplex): void;
  /** Closes every socket with 1001 (Going Away) and the WebSocket server. */
  dispose(): Promise<void>;
}

/**
 * The turn of the event loop frames are being sent in (a socket records the last turn it was written to in, in
 * place of a set of the sockets written to, which a broadcast to thousands would fill and empty every event), and
 * the sockets corked in it (written to more than once).
 */
let turn = 1;
const corked = new Set<Duplex>();
let flushScheduled = false;
const flush = () => {
  flushScheduled = false;
  turn += 1;
  for (const stream of corked) stream.uncork();
  corked.clear();
};

/**
 * One connection's side of graphql-ws's transport: the socket methods `makeServer` calls, and what the shared
 * listeners below need. A class, so an open connection holds one object and no closures of its own (tsx, which
 * runs the server, gives every named closure its own `name` property, about 250 bytes each).
 */
class SocketTransport {
  /** graphql-ws's message handler, given by `onMessage`. */
  handler: ((data: string) => Promise<void>) | null = null;
  /** What graphql-ws returns from `opened`: told when the socket closes. */
  closed: ((code?: number, reason?: string) => Promise<void>) | null = null;
  /** The stream's bytesRead when the last keep-alive ping was sent; -1 when none is outstanding. */
  bytesAtPing = -1;
  /** Which slice of the connections this one is pinged with (see the keep-alive below). */
  slice = 0;
  /** The turn this socket was last written to in (see `turn`). */
  writtenIn = 0;

  constructor(
    readonly socket: WebSocket,
    readonly stream: Duplex,
  ) {}

  get protocol(): string {
    return this.socket.protocol;
  }

  /** `data` is a message's JSON, as a string (graphql-ws's own messages) or UTF-8 bytes (Delivery's frames). */
  send(data: string | Buffer): Promise<void> | undefined {
    const { socket, stream } = this;
    if (socket.readyState !== socket.OPEN) return;
    // A socket's first frame of a turn leaves at once (a live event reaches every subscriber without
    // waiting for the others); the frames that follow it in the same turn are corked and leave together.
    if (this.writtenIn !== turn) {
      this.writtenIn = turn;
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    } else if (!corked.has(stream)) {
      stream.cork();
      corked.add(stream);
    }
    if (socket.bufferedAmount < SEND_HIGH_WATER) {
      socket.send(data, TEXT);
      return;
    }
    return new Promise<void>((resolve, reject) => socket.send(data, TEXT, (err) => (err ? reject(err) : resolve())));
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  onMessage(handler: (data: string) => Promise<void>): void {
    this.handler = handler;
  }
}

/**
 * The `payload` of a Next message for a result, serialised once, as UTF-8: subscribers that share a result (one
 * execution per group, see multiplex.ts) share its bytes. The fields are graphql-ws's: the result without `errors`,
 * then the errors (JSON.stringify calls each GraphQLError's toJSON, as graphql-ws does).
 */
const payloads = new WeakMap<object, Buffer>();
function payloadBytes(result: ExecutionResult): Buffer {
  let bytes = payloads.get(result);
  if (bytes === undefined) {
    const { errors, ...rest } = result;
    bytes = Buffer.from(JSON.stringify(errors ? { ...rest, errors } : rest));
    payloads.set(result, bytes);
  }
  return bytes;
}

const CLOSING_BRACE = 0x7d;

/**
 * A Next message, `{"id":…,"type":"next","payload":…}`, as the bytes ws sends: the subscriber's own prefix, the
 * shared payload and the closing brace copied into one buffer (small buffers come from Node's shared pool). As a
 * string it would be concatenated, then flattened, measured and encoded again for every subscriber.
 */
function nextFrame(prefix: Buffer, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(prefix.length + payload.length + 1);
  prefix.copy(frame, 0);
  payload.copy(frame, prefix.length);
  frame[frame.length - 1] = CLOSING_BRACE;
  return frame;
}

/**
 * Sends a subscription's results as graphql-ws Next messages, in place of graphql-ws's own `for await` loop (which
 * serialises each message per subscriber and awaits twice per message). graphql-ws iterates this object instead of
 * the results: its first `next()` starts the sending and settles when the results end (done; graphql-ws then sends Complete) or fail (it
 * rejects; graphql-ws sends Error), and its `return()` (client Complete, socket closed) stops the results at once.
 * Backpressure as for every frame: past SEND_HIGH_WATER buffered, the next result is pulled once the frame is
 * written. Results are pulled by `pullInto` (see receiver.ts): the Delivery is its source's receiver, so a
 * subscription waiting for its next event holds no promise or closure for it.
 */
class Delivery implements AsyncIterableIterator<never>, Receiver<ExecutionResult> {
  private readonly source: AsyncIterator<ExecutionResult>;
  /** `{"id":<id>,"type":"next","payload":` as UTF-8. */
  private readonly prefix: Buffer;
  private started = false;
  private stopped = false;
  private settle: { resolve: (r: IteratorResult<never>) => void; reject: (e: unknown) => void } | null = null;
  private outcome: { error: unknown } | { done: true } | null = null;

  constructor(
    results: AsyncIterable<ExecutionResult>,
    private readonly connection: SocketTransport,
    id: string,
  ) {
    this.source = results[Symbol.asyncIterator]();
    this.prefix = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next(): Promise<IteratorResult<never>> {
    const outcome = this.outcome;
    if (outcome) return 'error' in outcome ? Promise.reject(outcome.error) : Promise.resolve(DONE);
    const settled = new Promise<IteratorResult<never>>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // The results are pulled once graphql-ws iterates (it has registered the operation by then).
    if (!this.started) {
      this.started = true;
      this.pull();
    }
    return settled;
  }

  async return(): Promise<IteratorResult<never>> {
    if (!this.stopped) {
      this.stopped = true;
      this.end({ done: true });
      await this.source.return?.();
    }
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<never>> {
    await this.return();
    throw error;
  }

  private pull(): void {
    if (this.stopped) return;
    pullInto(this.source, this);
  }

  fail(error: unknown): void {
    this.end({ error });
  }

  receive(item: IteratorResult<ExecutionResult>): void {
    if (this.stopped) return;
    if (item.done) {
      this.end({ done: true });
      return;
    }
    let sent: Promise<void> | undefined;
    try {
      sent = this.connection.send(nextFrame(this.prefix, payloadBytes(item.value)));
    } catch (error) {
      this.end({ error });
      return;
    }
    if (sent)
      sent.then(
        () => this.pull(),
        (error: unknown) => this.end({ error }),
      );
    else this.pull();
  }

  private end(outcome: { error: unknown } | { done: true }): void {
    if (this.outcome) return;
    this.outcome = outcome;
    const settle = this.settle;
    this.settle = null;
    if (!settle) return;
    if ('error' in outcome) settle.reject(outcome.error);
    else settle.resolve(DONE);
  }
}

const DONE: IteratorResult<never> = { value: undefined as never, done: true };

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  value != null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';

export function createGraphQLWsServer<
  P extends ConnectionInitMessage['payload'] = ConnectionInitMessage['payload'],
  E extends Record<PropertyKey, unknown> = Record<PropertyKey, never>,
>(
  options: ServerOptions<P, Extra & Partial<E>>,
  wss: WebSocketServer,
  transport: { keepAliveMs: number; onInternalError: (error: unknown) => void },
): GraphQLWsServer {
  const keepAlive = transport.keepAliveMs > 0 && Number.isFinite(transport.keepAliveMs) ? transport.keepAliveMs : 0;
  /** Open connections. The listeners below are shared by all sockets and find a socket's transport here. */
  const connections = new Map<WebSocket, SocketTransport>();
  const server = makeServer({
    ...options,
    // Subscription results are sent by a Delivery (above), not by graphql-ws's own loop.
    async onOperation(ctx, id, payload, args, result) {
      const replaced = (await options.onOperation?.(ctx, id, payload, args, result)) ?? result;
      const connection = connections.get(ctx.extra.socket);
      // An `onNext` hook is graphql-ws's to call: its own loop sends the results then.
      if (!isAsyncIterable(replaced) || !connection || options.onNext) return replaced;
      return new Delivery(replaced as AsyncIterable<ExecutionResult>, connection, id);
    },
  });
  wss.options.handleProtocols = handleProtocols;
  const failed = (socket: WebSocket, error: unknown) => {
    transport.onInternalError(error);
    socket.close(CloseCode.InternalServerError, 'Internal server error');
  };
  function onSocketMessage(this: WebSocket, data: RawData) {
    const handler = connections.get(this)?.handler;
    if (!handler) return;
    let handled: Promise<void>;
    try {
      handled = handler(String(data));
    } catch (error) {
      failed(this, error);
      return;
    }
    handled.then(undefined, (error: unknown) => failed(this, error));
  }
  function onSocketClose(this: WebSocket, code: number, reason: Buffer) {
    const connection = connections.get(this);
    connections.delete(this);
    if (connection) slices[connection.slice]?.delete(connection);
    if (!connections.size && pinger) {
      clearInterval(pinger);
      pinger = null;
    }
    void connection?.closed?.(code, String(reason));
  }
  /**
   * Keep-alive, one timer for all sockets. Connections are dealt into slices, one slice pinged per tick, so that
   * every socket is pinged once per keepAliveMs but never all at once: a ping to each of thousands of sockets in
   * one turn would hold the event loop (and the live events waiting behind it) as long as a broadcast does. A
   * socket that has received nothing since its previous ping (keepAliveMs ago; its pong would have arrived as
   * bytes read on its stream) is terminated. Counting bytes instead of listening for 'pong' keeps a listener (and an
   * event name) off every socket.
   */
  const sliceCount = keepAlive ? Math.max(1, Math.round(keepAlive / PING_TICK_MS)) : 1;
  const slices = Array.from({ length: sliceCount }, () => new Set<SocketTransport>());
  let nextSlice = 0;
  let tick = 0;
  let pinger: NodeJS.Timeout | null = null;
  const bytesRead = (stream: Duplex) => (stream as Socket).bytesRead;
  const ping = () => {
    const slice = slices[tick] as Set<SocketTransport>;
    tick = (tick + 1) % sliceCount;
    for (const connection of slice) {
      const { socket } = connection;
      if (socket.readyState !== socket.OPEN) continue;
      const read = bytesRead(connection.stream);
      if (connection.bytesAtPing >= 0 && read === connection.bytesAtPing) {
        socket.terminate();
        continue;
      }
      connection.bytesAtPing = read;
      socket.ping();
    }
  };
  return {
    accept(socket, stream) {
      const connection = new SocketTransport(socket, stream);
      connections.set(socket, connection);
      connection.slice = nextSlice;
      nextSlice = (nextSlice + 1) % sliceCount;
      slices[connection.slice]?.add(connection);
      if (keepAlive && !pinger) pinger = setInterval(ping, keepAlive / sliceCount);
      connection.closed = server.opened(connection, { socket } as Extra & Partial<E>);
      socket.on('message', onSocketMessage);
      socket.on('close', onSocketClose);
    },
    async dispose() {
      if (pinger) clearInterval(pinger);
      pinger = null;
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
