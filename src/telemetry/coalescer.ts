/**
 * Publishes at most once per key per interval: the first messages at once, the latest at the end of the window. A key
 * carries a list of messages (e.g. one latency bucket: a message for each registered prefix measured at it), replaced
 * as a whole by a later push. `pushAll` sends the messages that are due now as one batch, and messages whose windows
 * end together go out as one batch too. One timer serves every open window (windows open in time order, so the first to end is the oldest):
 * a backfill that touches a hundred thousand buckets opens as many windows, not as many timers.
 */
export class Coalescer<T> {
  private windows = new Map<string, { endsAt: number; pending: T[] | null }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (messages: T[]) => void,
  ) {}

  pushAll(entries: [key: string, messages: T[]][]): void {
    const now: T[] = [];
    const endsAt = performance.now() + this.intervalMs;
    for (const [key, messages] of entries) {
      const open = this.windows.get(key);
      if (open) {
        open.pending = messages;
      } else {
        for (const message of messages) now.push(message);
        this.windows.set(key, { endsAt, pending: null });
      }
    }
    this.schedule();
    if (now.length) this.send(now);
  }

  private schedule(): void {
    if (this.timer) return;
    const first = this.windows.values().next();
    if (first.done) return;
    this.timer = setTimeout(() => this.close(), Math.max(0, first.value.endsAt - performance.now()));
    this.timer.unref();
  }

  /** Ends the windows that are due; those with a pending message send it and open a new window. */
  private close(): void {
    this.timer = null;
    const now = performance.now();
    const due: T[] = [];
    for (const [key, window] of this.windows) {
      if (window.endsAt > now) break;
      this.windows.delete(key);
      if (window.pending) {
        for (const message of window.pending) due.push(message);
        this.windows.set(key, { endsAt: now + this.intervalMs, pending: null });
      }
    }
    this.schedule();
    if (due.length) this.send(due);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.windows.clear();
  }
}
