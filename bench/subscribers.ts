/**
 * Child process of `npm run bench` (bench/run.ts): the subscriber side, kept out of the server's process so that the
 * server's event loop and heap only carry the server. Driven over IPC, one command at a time:
 *
 *   open     N connections, either graphql-ws clients subscribed to one operation (`gql`) or bare `ws` clients (`ws`);
 *            answers once every socket is open and every subscribe message sent.
 *   close    closes them all.
 *   replay   one connection that reads `total` messages (a graphql-ws subscription or a bare socket) and answers with
 *            the time from sending the subscription (opening the socket) to the last message.
 *
 * While open, the k-th message received on each connection counts for event k; when the last of the N connections
 * has received event k, the child sends `delivered` with the time (performance.timeOrigin + now, comparable across
 * processes on one machine) and the size of the frame.
 */
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export type Command =
  | {
      op: 'open';
      mode: 'gql' | 'ws';
      url: string;
      n: number;
      token?: string;
      query?: string;
      variables?: Record<string, unknown>;
    }
  | { op: 'close' }
  | {
      op: 'replay';
      mode: 'gql' | 'ws';
      url: string;
      total: number;
      token?: string;
      query?: string;
      variables?: Record<string, unknown>;
    };

export type Reply =
  | { op: 'opened'; n: number }
  | { op: 'closed' }
  | { op: 'delivered'; event: number; at: number; bytes: number }
  | { op: 'replayed'; ms: number; received: number; bytes: number }
  | { op: 'error'; message: string };

const send = (reply: Reply) => process.send?.(reply);
const now = () => performance.timeOrigin + performance.now();

/** Size of the last frame a socket received (graphql-ws reads `onmessage`; this listener only measures). */
let lastFrameBytes = 0;
class MeasuredSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols);
    this.on('message', (data: Buffer) => {
      lastFrameBytes = data.length;
    });
  }
}

let clients: Client[] = [];
let sockets: WebSocket[] = [];
/** Per connection: messages received; per event: connections that have it. */
let perConnection: number[] = [];
let perEvent: number[] = [];
let size = 0;

function received(connection: number, bytes: number) {
  const event = perConnection[connection]!++;
  const count = (perEvent[event] ?? 0) + 1;
  perEvent[event] = count;
  if (count === size) send({ op: 'delivered', event, at: now(), bytes });
}

const BATCH = 200;

async function open(command: Extract<Command, { op: 'open' }>) {
  size = command.n;
  perConnection = new Array(command.n).fill(0);
  perEvent = [];
  for (let start = 0; start < command.n; start += BATCH) {
    const opening: Promise<void>[] = [];
    for (let c = start; c < Math.min(command.n, start + BATCH); c++) {
      if (command.mode === 'ws') {
        const socket = new WebSocket(command.url);
        sockets.push(socket);
        socket.on('message', (data: Buffer) => received(c, data.length));
        opening.push(
          new Promise((resolve, reject) => {
            socket.once('open', () => resolve());
            socket.once('error', reject);
          }),
        );
      } else {
        const client = createClient({
          url: command.url,
          webSocketImpl: MeasuredSocket,
          lazy: false,
          retryAttempts: 0,
          keepAlive: 0,
          connectionParams: command.token ? { authorization: `Bearer ${command.token}` } : {},
        });
        clients.push(client);
        opening.push(
          new Promise((resolve, reject) => {
            client.on('connected', () => resolve());
            client.on('error', (e) => reject(e instanceof Error ? e : new Error('graphql-ws connection failed')));
            client.subscribe(
              { query: command.query!, variables: command.variables },
              {
                next: () => received(c, lastFrameBytes),
                error: (e) => send({ op: 'error', message: `subscription ${c}: ${JSON.stringify(e).slice(0, 300)}` }),
                complete: () => {},
              },
            );
          }),
        );
      }
    }
    await Promise.all(opening);
  }
  send({ op: 'opened', n: command.n });
}

async function close() {
  await Promise.all(clients.map((c) => c.dispose()));
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.readyState === WebSocket.CLOSED) return resolve();
          s.once('close', () => resolve());
          s.close();
        }),
    ),
  );
  clients = [];
  sockets = [];
  size = 0;
  send({ op: 'closed' });
}

async function replay(command: Extract<Command, { op: 'replay' }>) {
  let count = 0;
  let bytes = 0;
  let began = 0;
  await new Promise<void>((resolve, reject) => {
    if (command.mode === 'ws') {
      const socket = new WebSocket(command.url);
      began = now();
      socket.on('message', (data: Buffer) => {
        bytes += data.length;
        if (++count === command.total) {
          socket.close();
          resolve();
        }
      });
      socket.once('error', reject);
      return;
    }
    const client = createClient({
      url: command.url,
      webSocketImpl: MeasuredSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: command.token ? { authorization: `Bearer ${command.token}` } : {},
    });
    client.on('connected', () => {
      began = now();
      const stop = client.subscribe(
        { query: command.query!, variables: command.variables },
        {
          next: () => {
            bytes += lastFrameBytes;
            if (++count === command.total) {
              stop();
              void client.dispose();
              resolve();
            }
          },
          error: (e) => reject(new Error(JSON.stringify(e).slice(0, 300))),
          complete: () => {
            if (count < command.total) reject(new Error(`replay completed after ${count} events`));
          },
        },
      );
    });
  });
  send({ op: 'replayed', ms: now() - began, received: count, bytes });
}

process.on('message', (command: Command) => {
  const run = command.op === 'open' ? open(command) : command.op === 'close' ? close() : replay(command);
  run.catch((error: unknown) => send({ op: 'error', message: error instanceof Error ? error.message : String(error) }));
});
process.on('disconnect', () => process.exit(0));
