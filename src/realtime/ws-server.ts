import type { Duplex } from 'node:stream';
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

export function createGraphQLWsServer<
  P extends ConnectionInitMessage['payload'] = ConnectionInitMessage['payload'],
  E extends Record<PropertyKey, unknown> = Record<PropertyKey, never>,
>(
  options: ServerOptions<P, Extra & Partial<E>>,
  wss: WebSocketServer,
  transport: { keepAliveMs: number; onInternalError: (error: unknown) => void },
): GraphQLWsServer {
  const keepAlive = transport.keepAliveMs;
  const server = makeServer(options);
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
        { socket } as Extra & Partial<E>,
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
