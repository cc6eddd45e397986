import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command, Reply } from './subscribers.js';

/** Drives the subscriber child (bench/subscribers.ts) over IPC: one command at a time, and the deliveries it reports. */
export function subscriberChild() {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./subscribers.ts', import.meta.url))],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  let waiter: { op: Reply['op']; resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  const delivered = new Map<number, Extract<Reply, { op: 'delivered' }>>();
  let deliveredWaiter: { event: number; resolve: (r: Extract<Reply, { op: 'delivered' }>) => void } | null = null;
  let childError: Error | null = null;
  child.on('message', (reply: Reply) => {
    if (reply.op === 'delivered') {
      if (deliveredWaiter?.event === reply.event) {
        const w = deliveredWaiter;
        deliveredWaiter = null;
        w.resolve(reply);
      } else delivered.set(reply.event, reply);
      return;
    }
    if (reply.op === 'error') {
      childError = new Error(`subscriber child: ${reply.message}`);
      waiter?.reject(childError);
      waiter = null;
      return;
    }
    if (waiter?.op === reply.op) {
      const w = waiter;
      waiter = null;
      w.resolve(reply);
    }
  });
  child.on('exit', (code) => {
    childError ??= new Error(`subscriber child exited ${code}`);
    waiter?.reject(childError);
  });

  return {
    /** Deliveries reported before anyone waited for them. */
    delivered,
    tell<O extends Reply['op']>(command: Command, op: O, timeoutMs = 300_000): Promise<Extract<Reply, { op: O }>> {
      if (childError) return Promise.reject(childError);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child: no ${op} after ${timeoutMs} ms`)), timeoutMs);
        waiter = {
          op,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r as Extract<Reply, { op: O }>);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        child.send(command);
      });
    },
    /** Resolves when the last connection has received event `event` (the k-th message on each connection). */
    deliveryOf(event: number, timeoutMs = 60_000): Promise<Extract<Reply, { op: 'delivered' }>> {
      const ready = delivered.get(event);
      if (ready) {
        delivered.delete(event);
        return Promise.resolve(ready);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`event ${event} not delivered to all within ${timeoutMs} ms`)),
          timeoutMs,
        );
        deliveredWaiter = {
          event,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
      });
    },
    stop: () => child.disconnect(),
  };
}
