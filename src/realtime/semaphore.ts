/**
 * A counting semaphore with a FIFO wait list: at most `slots` holders at once. Used to bound concurrent replays so
 * that thousands of subscriptions replaying history take turns with everyone else instead of monopolising the
 * event loop. `acquire()` resolves to the release function; release once.
 */
export class Semaphore {
  private free: number;
  private readonly waiters: (() => void)[] = [];

  constructor(slots: number) {
    this.free = slots;
  }

  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiters.push(resolve));
    // Let pending I/O (other clients' requests) run before the holder does its synchronous work.
    await new Promise<void>((resolve) => setImmediate(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.free += 1;
    };
  }

  /** Streams waiting for a slot. */
  get waiting(): number {
    return this.waiters.length;
  }
}
