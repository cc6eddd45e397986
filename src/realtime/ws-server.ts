import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CloseCode, type ConnectionInitMessage, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { RawData, WebSocket, WebSocketServer } from 'ws';

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
}

export interface GraphQLWsServer {
  /** Serves graphql-ws on an upgraded socket; `stream` is the connection it was upgraded from. */
  accept(socket: WebSocket, stream: Duplex): void;
  /** Closes every socket with 1001 (Going Away) and the WebSocket server. */
  dispose(): Promise<void>;
}

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

  constructor(
    readonly socket: WebSocket,
    readonly stream: Duplex,
  ) {}

  get protocol(): string {
    return this.socket.protocol;
  }

  send(data: string): Promise<void> | undefined {
    const { socket, stream } = this;
    if (socket.readyState !== socket.OPEN) return;
    // A socket's first frame of a turn leaves at once (a live event reaches every subscriber without
    // waiting for the others); the frames that follow it in the same turn are corked and leave together.
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

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  onMessage(handler: (data: string) => Promise<void>): void {
    this.handler = handler;
  }
}

export function createGraphQLWsServer<
  P extends ConnectionInitMessage['payload'] = ConnectionInitMessage['payload'],
  E extends Record<PropertyKey, unknown> = Record<PropertyKey, never>,
>(
  options: ServerOptions<P, Extra & Partial<E>>,
  wss: WebSocketServer,
  transport: { keepAliveMs: number; onInternalError: (error: unknown) => void },
): GraphQLWsServer {
  const keepAlive = transport.keepAliveMs > 0 && Number.isFinite(transport.keepAliveMs) ? transport.keepAliveMs : 0;
  const server = makeServer(options);
  wss.options.handleProtocols = handleProtocols;
  /** Open connections. The listeners below are shared by all sockets and find a socket's transport here. */
  const connections = new Map<WebSocket, SocketTransport>();
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
    if (!connections.size && pinger) {
      clearInterval(pinger);
      pinger = null;
    }
    void connection?.closed?.(code, String(reason));
  }
  /**
   * Keep-alive, one timer for all sockets: every keepAliveMs each open socket is pinged, and one that has received
   * nothing since its previous ping (keepAliveMs ago; its pong would have arrived as bytes read on its stream) is
   * terminated. Counting bytes instead of listening for 'pong' keeps a listener (and an event name) off every socket.
   */
  let pinger: NodeJS.Timeout | null = null;
  const bytesRead = (stream: Duplex) => (stream as Socket).bytesRead;
  const ping = () => {
    for (const [socket, connection] of connections) {
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
      if (keepAlive && !pinger) pinger = setInterval(ping, keepAlive);
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
