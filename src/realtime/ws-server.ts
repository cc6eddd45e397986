import type { Duplex } from 'node:stream';
import type { ExecutionResult } from 'graphql';
import { CloseCode, type ConnectionInitMessage, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';

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

/**
 * What graphql-ws's context carries for each connection: the socket. Unlike `use/ws`, not the upgrade request:
 * nothing reads it after the upgrade, and it would stay in memory as long as the connection.
 */
export interface Extra {
  readonly socket: WebSocket;
  /** The connection the socket was upgraded from (corked while a burst of frames is written). */
  readonly stream: Duplex;
}

export interface GraphQLWsServer {
  /** Serves graphql-ws on an upgraded socket; `stream` is the connection it was upgraded from. */
  accept(socket: WebSocket, stream: Duplex): void;
  /** Closes every socket with 1001 (Going Away) and the WebSocket server. */
  dispose(): Promise<void>;
}

/**
 * Writes one frame: at once while the socket's buffered bytes stay under SEND_HIGH_WATER (undefined is returned),
 * else with a promise that resolves when the frame has been written. A socket's frames after its first in one turn
 * of the event loop are corked and leave together.
 */
function sendFrame(socket: WebSocket, stream: Duplex, data: string): Promise<void> | undefined {
  if (socket.readyState !== socket.OPEN) return;
  // A socket's first frame of a turn leaves at once (a live event reaches every subscriber without waiting for the
  // others); the frames that follow it in the same turn are corked and leave together.
  if (!written.has(stream)) {
    written.add(stream);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  } else if (!corked.has(stream)) {
    stream.cork();
    corked.add(stream);
  }
  if (socket.bufferedAmount < SEND_HIGH_WATER) {
    socket.send(data);
    return;
  }
  return new Promise<void>((resolve, reject) => socket.send(data, (err) => (err ? reject(err) : resolve())));
}

/**
 * The `payload` of a Next message for a result, serialised once: subscribers that share a result (one execution
 * per group, see multiplex.ts) share its JSON. The fields are graphql-ws's: the result without `errors`, then the
 * errors (JSON.stringify calls each GraphQLError's toJSON, as graphql-ws does).
 */
const payloads = new WeakMap<object, string>();
function payloadJson(result: ExecutionResult): string {
  let json = payloads.get(result);
  if (json === undefined) {
    const { errors, ...rest } = result;
    json = JSON.stringify(errors ? { ...rest, errors } : rest);
    payloads.set(result, json);
  }
  return json;
}

/**
 * Sends a subscription's results as graphql-ws Next messages, in place of graphql-ws's own `for await` loop (which
 * serialises each message per subscriber and awaits twice per message). graphql-ws iterates this object instead of
 * the results: its first `next()` starts the sending and settles when the results end (done; graphql-ws then sends Complete) or fail (it
 * rejects; graphql-ws sends Error), and its `return()` (client Complete, socket closed) stops the results at once.
 * Backpressure as for every frame: past SEND_HIGH_WATER buffered, the next result is pulled once the frame is
 * written.
 */
class Delivery implements AsyncIterableIterator<never> {
  private readonly source: AsyncIterator<ExecutionResult>;
  private readonly prefix: string;
  private started = false;
  private stopped = false;
  private settle: { resolve: (r: IteratorResult<never>) => void; reject: (e: unknown) => void } | null = null;
  private outcome: { error: unknown } | { done: true } | null = null;

  constructor(
    results: AsyncIterable<ExecutionResult>,
    private readonly socket: WebSocket,
    private readonly stream: Duplex,
    id: string,
  ) {
    this.source = results[Symbol.asyncIterator]();
    this.prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
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
    this.source.next().then(
      (item) => this.deliver(item),
      (error: unknown) => this.end({ error }),
    );
  }

  private deliver(item: IteratorResult<ExecutionResult>): void {
    if (this.stopped) return;
    if (item.done) {
      this.end({ done: true });
      return;
    }
    let sent: Promise<void> | undefined;
    try {
      sent = sendFrame(this.socket, this.stream, `${this.prefix}${payloadJson(item.value)}}`);
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

/** Sockets written to in this turn of the event loop, and those of them corked (written to more than once). */
const written = new Set<Duplex>();
const corked = new Set<Duplex>();
let flushScheduled = false;
const flush = () => {
  flushScheduled = false;
  for (const stream of corked) stream.uncork();
  corked.clear();
  written.clear();
};

export function createGraphQLWsServer<
  P extends ConnectionInitMessage['payload'] = ConnectionInitMessage['payload'],
  E extends Record<PropertyKey, unknown> = Record<PropertyKey, never>,
>(
  options: ServerOptions<P, Extra & Partial<E>>,
  wss: WebSocketServer,
  transport: { keepAliveMs: number; onInternalError: (error: unknown) => void },
): GraphQLWsServer {
  const keepAlive = transport.keepAliveMs;
  const server = makeServer({
    ...options,
    // Subscription results are sent by a Delivery (below), not by graphql-ws's own loop.
    async onOperation(ctx, id, payload, args, result) {
      const replaced = (await options.onOperation?.(ctx, id, payload, args, result)) ?? result;
      if (!isAsyncIterable(replaced)) return replaced;
      return new Delivery(replaced as AsyncIterable<ExecutionResult>, ctx.extra.socket, ctx.extra.stream, id);
    },
  });
  wss.options.handleProtocols = handleProtocols;
  return {
    accept(socket, stream) {
      let pongWait: NodeJS.Timeout | null = null;
      const pingInterval =
        keepAlive > 0 && Number.isFinite(keepAlive)
          ? setInterval(() => {
              if (socket.readyState !== socket.OPEN) return;
              pongWait = setTimeout(() => socket.terminate(), keepAlive);
              socket.once('pong', () => {
                if (pongWait) clearTimeout(pongWait);
                pongWait = null;
              });
              socket.ping();
            }, keepAlive)
          : null;
      const closed = server.opened(
        {
          protocol: socket.protocol,
          send(data) {
            return sendFrame(socket, stream, data);
          },
          close(code, reason) {
            socket.close(code, reason);
          },
          onMessage(cb) {
            socket.on('message', async (data) => {
              try {
                await cb(String(data));
              } catch (error) {
                transport.onInternalError(error);
                socket.close(CloseCode.InternalServerError, 'Internal server error');
              }
            });
          },
        },
        { socket, stream } as Extra & Partial<E>,
      );
      socket.once('close', (code, reason) => {
        if (pongWait) clearTimeout(pongWait);
        if (pingInterval) clearInterval(pingInterval);
        void closed(code, String(reason));
      });
    },
    async dispose() {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
