import type { TestApp } from './app.js';
import { announce, ingest, sessionsOf, type UpdateOptions, withdraw } from './factories.js';

/**
 * Helpers for the telemetry tests (issue 3): fresh prefixes, partner and vantage peers, latency ingestion,
 * event log paging, and subscription collectors (graphql-ws and SSE) with promise-based waiters.
 */

let blockCounter = 0;
/**
 * A fresh public prefix for one telemetry test: each call takes its own /22 (81.x.y.0/22) so registrations never
 * overlap, and returns the prefix of the given length at its start (e.g. 81.0.4.0/24, 81.0.8.0/25, 81.0.12.0/23).
 */
export function freshPrefix(length = 24) {
  if (length < 22 || length > 28) throw new Error('freshPrefix: length must be 22-28');
  const k = blockCounter++;
  return `81.${Math.floor(k / 64)}.${(k % 64) * 4}.0/${length}`;
}

/** The Colt demo session peer addresses used by serviceWithPrefix: primary Amsterdam, backup Frankfurt. */
export function coltPeers() {
  const primary = sessionsOf('Colt', 'Amsterdam').map((s) => s.peerAddress);
  const backup = sessionsOf('Colt', 'Frankfurt').map((s) => s.peerAddress);
  return { primary, backup, all: [...primary, ...backup] };
}

/** Internet vantage points (collector peers that are not partner sessions). */
export function vantagePeers(n: number, offset = 0) {
  return Array.from({ length: n }, (_, i) => {
    const k = offset + i;
    return `185.${200 + Math.floor(k / 250)}.0.${(k % 250) + 1}`;
  });
}

/** Announces the fixture's prefix correctly on every required session (path [8220, origin]). */
export async function verifyPrefix(t: TestApp, f: { prefix: string }, origin = 64500, o: UpdateOptions = {}) {
  return ingest(
    t,
    coltPeers().all.map((p) => announce(p, [f.prefix], { path: [8220, origin], ...o })),
  );
}

export interface LatencySample {
  source: string;
  timestamp: string;
  rttMs: number;
  peeringLocation?: string;
}

export async function ingestLatency(t: TestApp, samples: LatencySample[], token?: string | null) {
  const data = await t.ok(
    `mutation($i: IngestLatencySamplesInput!) { ingestLatencySamples(input: $i) { accepted rejected ignored userErrors { code field message } } }`,
    { i: { samples } },
    token,
  );
  return data.ingestLatencySamples as { accepted: number; rejected: number; ignored: number; userErrors: any[] };
}

export const LATENCY_QUERY = `query($id: ID!, $range: LatencyRange!, $g: LatencyGranularity) {
  node(id: $id) { ... on Prefix { latency(range: $range, granularity: $g) {
    measuredPrefix granularity buckets { start sampleCount p50Ms p95Ms p99Ms minMs maxMs } } } } }`;

export async function latency(t: TestApp, prefixId: string, range: string, granularity?: string, token?: string) {
  const data = await t.ok(LATENCY_QUERY, { id: prefixId, range, g: granularity ?? null }, token);
  return data.node.latency as {
    measuredPrefix: string;
    granularity: string;
    buckets: {
      start: string;
      sampleCount: number;
      p50Ms: number;
      p95Ms: number;
      p99Ms: number;
      minMs: number;
      maxMs: number;
    }[];
  };
}

/** Every event of the log matching a filter, oldest first (pages through Query.prefixEvents). */
export async function allEvents(
  t: TestApp,
  filter: Record<string, unknown> = {},
  after?: string | null,
  token?: string,
) {
  const out: any[] = [];
  let cursor = after ?? null;
  for (;;) {
    const data = await t.ok(
      `query($f: PrefixEventFilter, $a: String) { prefixEvents(first: 100, after: $a, filter: $f) {
        pageInfo { hasNextPage endCursor } edges { cursor node { type level observedPrefix prefix { id } } } } }`,
      { f: filter, a: cursor },
      token,
    );
    const conn = data.prefixEvents;
    out.push(...conn.edges.map((e: any) => ({ cursor: e.cursor, ...e.node })));
    if (!conn.pageInfo.hasNextPage) return out;
    cursor = conn.pageInfo.endCursor;
  }
}

/** Resolves when `cond()` holds; re-checked whenever `notify` is called. Rejects after `timeoutMs`. */
export class Waiter {
  private wakers = new Set<() => void>();
  notify(): void {
    for (const wake of [...this.wakers]) wake();
  }
  until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.wakers.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.wakers.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.wakers.add(check);
    });
  }
}

/** A running subscription: data items as they arrive, GraphQL errors, and completion. */
export interface Sub<T = any> {
  items: T[];
  errors: any[];
  done: boolean;
  /** Resolves once at least `n` items arrived. */
  count(n: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves once an error arrived (or the stream ended with one). */
  failed(timeoutMs?: number): Promise<any[]>;
  until(cond: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  stop(): void;
}

function makeSub<T>(): Sub<T> & { waiter: Waiter; stopFn: () => void } {
  const waiter = new Waiter();
  const sub = {
    items: [] as T[],
    errors: [] as any[],
    done: false,
    waiter,
    stopFn: () => {},
    async count(n: number, timeoutMs = 10_000) {
      await waiter.until(
        () => sub.items.length >= n || sub.errors.length > 0 || sub.done,
        `${n} items (have ${sub.items.length})`,
        timeoutMs,
      );
      if (sub.items.length < n) {
        throw new Error(`stream ended after ${sub.items.length} items: ${JSON.stringify(sub.errors).slice(0, 500)}`);
      }
      return sub.items;
    },
    async failed(timeoutMs = 10_000) {
      await waiter.until(() => sub.errors.length > 0 || sub.done, 'an error', timeoutMs);
      return sub.errors;
    },
    until(cond: () => boolean, what: string, timeoutMs = 10_000) {
      return waiter.until(cond, what, timeoutMs);
    },
    stop() {
      sub.stopFn();
    },
  };
  return sub;
}

/**
 * Subscribes on a graphql-ws client; each `next` payload's data (the root field's value) is collected.
 * Errors (execution errors in `next`, `error` messages, close events) are collected in `errors`.
 */
export function wsSubscribe<T = any>(
  client: ReturnType<TestApp['wsClient']>,
  query: string,
  variables: Record<string, unknown> = {},
): Sub<T> {
  const sub = makeSub<T>();
  sub.stopFn = client.subscribe(
    { query, variables },
    {
      next: (result) => {
        if (result.errors?.length) sub.errors.push(...result.errors);
        if (result.data) sub.items.push(Object.values(result.data)[0] as T);
        sub.waiter.notify();
      },
      error: (error) => {
        sub.errors.push(...(Array.isArray(error) ? error : [error]));
        sub.done = true;
        sub.waiter.notify();
      },
      complete: () => {
        sub.done = true;
        sub.waiter.notify();
      },
    },
  );
  return sub;
}

/**
 * Subscribes over Server-Sent Events: GET with query parameters (default) or POST with a JSON body, with
 * `accept: text/event-stream`, against the listening server's /graphql URL.
 */
export function sseSubscribe<T = any>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token: string | null = null,
  method: 'GET' | 'POST' = 'GET',
): Sub<T> & { status: Promise<number> } {
  const sub = makeSub<T>();
  const abort = new AbortController();
  sub.stopFn = () => abort.abort();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (token) headers.authorization = `Bearer ${token}`;
  let target = url;
  let body: string | undefined;
  if (method === 'GET') {
    target = `${url}?${new URLSearchParams({ query, variables: JSON.stringify(variables) })}`;
  } else {
    body = JSON.stringify({ query, variables });
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  let resolveStatus!: (n: number) => void;
  const status = new Promise<number>((r) => {
    resolveStatus = r;
  });
  const handle = (block: string) => {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (event === 'complete') {
      sub.done = true;
      return;
    }
    if (!data.length) return;
    const payload = JSON.parse(data.join('\n'));
    if (payload.errors?.length) sub.errors.push(...payload.errors);
    if (payload.data) sub.items.push(Object.values(payload.data)[0] as T);
  };
  (async () => {
    try {
      const res = await fetch(target, { method, headers, body, signal: abort.signal });
      resolveStatus(res.status);
      if (!res.body) throw new Error('no body');
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let cut = buffered.indexOf('\n\n');
        while (cut >= 0) {
          handle(buffered.slice(0, cut));
          buffered = buffered.slice(cut + 2);
          cut = buffered.indexOf('\n\n');
        }
        sub.waiter.notify();
      }
      if (buffered.trim()) handle(buffered);
    } catch (error) {
      if (!abort.signal.aborted) sub.errors.push(error);
    } finally {
      resolveStatus(0);
      sub.done = true;
      sub.waiter.notify();
    }
  })();
  return Object.assign(sub, { status });
}

/**
 * Makes sure a subscription is live on the server before the test relies on it: runs `trigger` (something the
 * subscription reports) until an item arrives. Returns the number of items the priming produced.
 */
export async function primeSubscription(sub: Sub, trigger: () => Promise<unknown>, timeoutMs = 10_000) {
  const start = sub.items.length;
  const deadline = Date.now() + timeoutMs;
  while (sub.items.length === start) {
    if (sub.errors.length) throw new Error(`subscription failed: ${JSON.stringify(sub.errors).slice(0, 500)}`);
    if (Date.now() > deadline) throw new Error('subscription never became live');
    await trigger();
    await sub.until(() => sub.items.length > start || sub.errors.length > 0, 'priming', 150).catch(() => {});
  }
  return sub.items.length - start;
}

/** A trigger that flips a prefix between VERIFIED (all sessions announce) and FAILED (all withdraw). */
export function validationFlipper(t: TestApp, prefix: string) {
  let up = false;
  return async () => {
    up = !up;
    const peers = coltPeers().all;
    await ingest(
      t,
      peers.map((p) => (up ? announce(p, [prefix]) : withdraw(p, [prefix]))),
    );
  };
}
