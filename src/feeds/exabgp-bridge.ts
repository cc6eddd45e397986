import type { Readable } from 'node:stream';
import type { Logger } from '../observability/logger.js';
import { fromExabgp } from './exabgp-convert.js';

/**
 * The ExaBGP bridge: reads ExaBGP's JSON API messages (one per line) from `input` (the process's stdin when ExaBGP
 * runs it), converts them to RIS Live `ris_message` data (src/feeds/exabgp-convert.ts) and POSTs them as NDJSON to
 * `${url}/ingest/ris`, in order, one request at a time.
 *
 * - Batches: up to `batchSize` lines per POST; a partial batch waits `batchDelayMs` for more.
 * - Bounded buffer: converted lines wait in memory until peerwatch accepts them. When `maxBuffer` are held, `input`
 *   is paused; the pipe fills and ExaBGP's write to it blocks (ExaBGP 4.2 writes to processes synchronously) until
 *   the buffer drains. Nothing is dropped for lack of room. A read already in progress (one chunk, at most 64 KiB of
 *   text) is still taken in, so the buffer can exceed `maxBuffer` by that much.
 * - Retries: network errors, timeouts, 429 and 5xx are retried with exponential backoff and jitter, forever while
 *   running, and until `shutdownTimeoutMs` after stdin ends or stop() is called. Another 4xx (bad token, body too
 *   large...) cannot succeed by retrying the same request: that batch is dropped with an error log line.
 * - Heartbeat: after `heartbeatMs` without a POST, an empty POST tells peerwatch the feed is alive.
 * - Never writes to stdout (ExaBGP reads the process's stdout as API commands) and never closes it.
 */

export interface BridgeOptions {
  /** peerwatch base URL, without a trailing slash. */
  url: string;
  token: string;
  /** The feed's name and the RIS `host` of every message: the machine's host name. */
  host: string;
  input: Readable;
  logger: Logger;
  maxBuffer: number;
  batchSize: number;
  batchDelayMs: number;
  /** 0 disables the heartbeat. */
  heartbeatMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  requestTimeoutMs: number;
  shutdownTimeoutMs: number;
  fetch?: typeof fetch;
  random?: () => number;
}

export interface BridgeStats {
  /** Lines read from input. */
  lines: number;
  /** Lines that were not JSON (e.g. "done" acknowledgements when exabgp_api_ack is on). */
  notJson: number;
  /** Messages with nothing to forward (keepalives, End-of-RIB, other families...). */
  skipped: number;
  /** Converted messages queued for peerwatch. */
  queued: number;
  /** Messages peerwatch answered for (its own accepted/rejected/ignored counts are below). */
  delivered: number;
  accepted: number;
  rejected: number;
  ignored: number;
  /** Messages dropped after a 4xx answer. */
  dropped: number;
  /** Messages still buffered when the bridge gave up at shutdown. */
  undelivered: number;
  /** Times input was paused because the buffer was full. */
  pauses: number;
}

/** Longest line accepted from ExaBGP (an UPDATE holds at most 4 KiB of BGP, about 100 KiB of JSON). */
const MAX_LINE_CHARS = 16 * 1024 * 1024;

type PostOutcome =
  | { kind: 'ok'; body: IngestAnswer }
  | { kind: 'retry'; reason: string }
  | { kind: 'fatal'; status: number; text: string };

interface IngestAnswer {
  accepted?: number;
  rejected?: number;
  ignored?: number;
  errors?: { line: number; field?: string[]; message: string }[];
}

export class ExabgpBridge {
  readonly stats: BridgeStats = {
    lines: 0,
    notJson: 0,
    skipped: 0,
    queued: 0,
    delivered: 0,
    accepted: 0,
    rejected: 0,
    ignored: 0,
    dropped: 0,
    undelivered: 0,
    pauses: 0,
  };
  private queue: string[] = [];
  private partial = '';
  private paused = false;
  private inputEnded = false;
  /** Set once stdin ended or stop() was called: the time after which buffered messages are given up. */
  private deadline: number | null = null;
  private wake: (() => void) | null = null;
  private lastPost = Date.now();
  private readonly fetchImpl: typeof fetch;
  private readonly random: () => number;

  constructor(private readonly o: BridgeOptions) {
    this.fetchImpl = o.fetch ?? fetch;
    this.random = o.random ?? Math.random;
  }

  /** Messages held in memory, waiting for peerwatch. */
  get buffered(): number {
    return this.queue.length;
  }

  /**
   * Stops reading input and delivers what is buffered (for at most shutdownTimeoutMs); run() then resolves. Input
   * is still read for `drainMs` first: ExaBGP writes its last messages (the neighbors going down) just before it sends
   * SIGTERM, and they may still sit in the pipe.
   */
  stop(reason: string, drainMs = 100): void {
    if (this.deadline !== null) return;
    this.o.logger.info({ reason, buffered: this.queue.length }, 'exabgp bridge stopping');
    this.deadline = Date.now() + this.o.shutdownTimeoutMs;
    setTimeout(() => {
      this.o.input.removeAllListeners('data');
      this.o.input.pause();
      this.inputEnded = true;
      this.notify();
    }, drainMs).unref();
  }

  /** Runs until input ends (or stop()) and the buffer is delivered or given up. */
  async run(): Promise<BridgeStats> {
    const { input, logger } = this.o;
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => this.onData(chunk));
    input.once('end', () => {
      if (this.partial.trim()) this.accept(this.partial);
      this.partial = '';
      if (!this.inputEnded) logger.info({ buffered: this.queue.length }, 'stdin ended; delivering what is buffered');
      this.inputEnded = true;
      this.deadline ??= Date.now() + this.o.shutdownTimeoutMs;
      this.notify();
    });
    input.once('error', (error) => {
      logger.error({ err: error }, 'stdin failed');
      this.stop('stdin error', 0);
    });
    logger.info(
      { url: this.o.url, feed: this.o.host, maxBuffer: this.o.maxBuffer, batchSize: this.o.batchSize },
      'exabgp bridge started',
    );

    for (;;) {
      if (!this.queue.length) {
        if (this.inputEnded) break;
        await this.heartbeatOrWait();
        continue;
      }
      if (this.queue.length < this.o.batchSize && !this.inputEnded && this.o.batchDelayMs > 0) {
        await this.waitFor(() => this.queue.length >= this.o.batchSize || this.inputEnded, this.o.batchDelayMs);
      }
      const batch = this.queue.slice(0, this.o.batchSize);
      const result = await this.deliver(batch);
      if (result === 'gave-up') break;
      this.queue.splice(0, batch.length);
      if (this.paused && this.queue.length < this.o.maxBuffer && !this.inputEnded) {
        this.paused = false;
        logger.info({ buffered: this.queue.length }, 'buffer has room again: resuming stdin');
        input.resume();
      }
    }
    this.stats.undelivered = this.queue.length;
    if (this.queue.length) {
      logger.error(
        { undelivered: this.queue.length },
        `giving up: ${this.queue.length} BGP messages were NOT delivered to peerwatch (it was unreachable until the shutdown timeout)`,
      );
    }
    logger.info({ stats: this.stats }, 'exabgp bridge finished');
    return this.stats;
  }

  private onData(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > MAX_LINE_CHARS) {
      this.o.logger.error({ chars: this.partial.length }, 'line too long from ExaBGP: discarded');
      this.partial = '';
    }
    for (const line of lines) this.accept(line);
    if (!this.paused && this.queue.length >= this.o.maxBuffer) {
      this.paused = true;
      this.stats.pauses++;
      this.o.input.pause();
      this.o.logger.warn(
        { buffered: this.queue.length, maxBuffer: this.o.maxBuffer },
        'buffer full: pausing stdin until peerwatch catches up (ExaBGP blocks on the pipe; nothing is dropped)',
      );
    }
    this.notify();
  }

  private accept(line: string): void {
    const text = line.trim();
    if (!text) return;
    this.stats.lines++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.stats.notJson++;
      this.o.logger.debug({ line: text.slice(0, 200) }, 'ignoring a line that is not JSON');
      return;
    }
    const data = fromExabgp(value, this.o.host);
    if (!data) {
      this.stats.skipped++;
      return;
    }
    if (data.type === 'RIS_PEER_STATE') {
      this.o.logger.info({ peer: data.peer, peerAsn: data.peer_asn, state: data.state }, 'BGP neighbor state');
    }
    this.queue.push(JSON.stringify(data));
    this.stats.queued++;
  }

  private async deliver(batch: string[]): Promise<'delivered' | 'dropped' | 'gave-up'> {
    const body = `${batch.join('\n')}\n`;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.post(body);
      if (outcome.kind === 'ok') {
        const answer = outcome.body;
        this.stats.delivered += batch.length;
        this.stats.accepted += answer.accepted ?? 0;
        this.stats.rejected += answer.rejected ?? 0;
        this.stats.ignored += answer.ignored ?? 0;
        if (attempt > 1) this.o.logger.info({ attempts: attempt }, 'peerwatch is reachable again');
        if (answer.rejected) {
          this.o.logger.warn(
            { rejected: answer.rejected, errors: answer.errors?.slice(0, 5) },
            'peerwatch rejected some messages (line numbers are within the batch)',
          );
        }
        return 'delivered';
      }
      if (outcome.kind === 'fatal') {
        this.stats.dropped += batch.length;
        this.o.logger.error(
          { status: outcome.status, answer: outcome.text.slice(0, 500), dropped: batch.length },
          `peerwatch refused a batch with HTTP ${outcome.status}: DROPPED ${batch.length} BGP messages (retrying the same request cannot succeed; check PEERWATCH_URL and PEERWATCH_TOKEN)`,
        );
        return 'dropped';
      }
      const backoff = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** Math.min(attempt - 1, 30));
      const delay = Math.round(backoff / 2 + (this.random() * backoff) / 2);
      if (this.deadline !== null && Date.now() >= this.deadline) return 'gave-up';
      if (attempt === 1 || attempt % 10 === 0 || this.o.logger.isLevelEnabled('debug')) {
        this.o.logger.warn(
          { reason: outcome.reason, attempt, retryInMs: delay, buffered: this.queue.length },
          'peerwatch unavailable; retrying',
        );
      }
      await this.sleep(delay);
    }
  }

  private async post(body: string): Promise<PostOutcome> {
    this.lastPost = Date.now();
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.o.url}/ingest/ris`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.o.token}`,
          'content-type': 'application/x-ndjson',
          'x-peerwatch-feed-kind': 'EXABGP',
          'x-peerwatch-feed-name': this.o.host,
        },
        // A Buffer has a known length: fetch sends Content-Length, not chunked encoding.
        body: Buffer.from(body),
        signal: AbortSignal.timeout(this.o.requestTimeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { kind: 'retry', reason: cause?.code ?? cause?.message ?? (error as Error).message };
    }
    let text = '';
    try {
      text = await res.text();
    } catch (error) {
      return { kind: 'retry', reason: `reading the answer failed: ${(error as Error).message}` };
    }
    if (res.status === 429 || res.status >= 500) return { kind: 'retry', reason: `HTTP ${res.status}` };
    if (!res.ok) return { kind: 'fatal', status: res.status, text };
    try {
      return { kind: 'ok', body: JSON.parse(text) as IngestAnswer };
    } catch {
      return { kind: 'ok', body: {} };
    }
  }

  /** Idle: waits for input, and sends a heartbeat (an empty POST) when none was sent for heartbeatMs. */
  private async heartbeatOrWait(): Promise<void> {
    const { heartbeatMs } = this.o;
    if (!heartbeatMs) {
      await this.waitFor(() => this.queue.length > 0 || this.inputEnded, 60_000);
      return;
    }
    const due = this.lastPost + heartbeatMs - Date.now();
    if (due > 0) {
      await this.waitFor(() => this.queue.length > 0 || this.inputEnded, due);
      return;
    }
    const outcome = await this.post('');
    if (outcome.kind !== 'ok') {
      this.o.logger.warn(
        { reason: outcome.kind === 'retry' ? outcome.reason : `HTTP ${outcome.status}` },
        'heartbeat to peerwatch failed',
      );
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Resolves when cond() holds (re-checked on every input event) or after ms. */
  private async waitFor(cond: () => boolean, ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!cond()) {
      const left = until - Date.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = null;
          resolve();
        }, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Sleeps ms, cut short by stop() and by the shutdown deadline. */
  private async sleep(ms: number): Promise<void> {
    const deadline = this.deadline;
    const left = deadline === null ? ms : Math.min(ms, Math.max(0, deadline - Date.now()));
    await this.waitFor(() => this.deadline !== deadline, left);
  }
}
