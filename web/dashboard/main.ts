import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { type Client, createClient } from 'graphql-ws/client';
import uPlot from 'uplot';
import type {
  DashboardStateQuery,
  LatencyStateQuery,
  LiveEventsSubscription,
  LiveLatencySubscription,
  TypedDocumentString,
} from './gql/graphql.js';
import { DashboardState, DashboardViewer, LatencyState, LiveEvents, LiveLatency } from './operations.js';

/**
 * The peerwatch dashboard: the reference browser client of the public GraphQL API. State first (one query with the
 * newest event cursor), then live over graphql-ws from that cursor (README, "A dashboard: state, then live"). Every
 * operation is a trusted document sent by its sha256 hash; on reconnect each stream resumes from the last cursor it
 * saw, and events are keyed by cursor, so none is shown twice and none is missed.
 */

const TOKEN_KEY = 'peerwatch.token';
const MAX_EVENTS = 200;

type Service = NonNullable<DashboardStateQuery['peeringServices']>['edges'][number]['node'];
type Bucket = LiveLatencySubscription['latencyUpdated']['bucket'];
type StreamItem = LiveEventsSubscription['prefixEvents'];
type GqlError = { message: string; extensions?: { code?: string } };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text != null) node.textContent = text;
  return node;
};
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

/** A refused credential: the page signs out with this message. */
class SignedOut extends Error {}

/** The document's sha256 (its trusted-document id), embedded by GraphQL Code Generator. */
const hashOf = (doc: object) => (doc as { __meta__: { hash: string } }).__meta__.hash;
const nameOf = (doc: object) => /(?:query|subscription)\s+(\w+)/.exec(String(doc))?.[1];

const refusal = (errors: readonly GqlError[] | undefined) =>
  errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')
    ? 'This token was refused: it is unknown, revoked or expired. Sign in with a valid token.'
    : null;

// ------------------------------------------------------------------------------------------------ session

let token: string | null = null;
let session: Session | null = null;

function readToken(): string | null {
  const match = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    // Drop the fragment from the address bar and history: the token stays in this tab's sessionStorage only.
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function setStatus(status: 'signed-out' | 'connecting' | 'live' | 'reconnecting') {
  const node = $('status');
  node.dataset.status = status;
  node.textContent = status.replace('-', ' ');
}

function showSignIn(message = '') {
  $('board').hidden = true;
  $('signout').hidden = true;
  $('who').textContent = '';
  $('signin').hidden = false;
  $('signin-message').textContent = message;
  setStatus('signed-out');
  $<HTMLInputElement>('token').focus();
}

function signOut(message = '') {
  session?.dispose();
  session = null;
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  showSignIn(message);
}

function signIn(value: string) {
  token = value;
  sessionStorage.setItem(TOKEN_KEY, value);
  $('signin').hidden = true;
  $('signout').hidden = false;
  const current = new Session(value);
  session = current;
  // The first state query; if the server cannot be reached yet, try again until it can (or the user signs out).
  const attempt = (): void =>
    void current.start().catch((error: unknown) => {
      if (error instanceof SignedOut) return signOut(error.message);
      console.error(error);
      setStatus('reconnecting');
      setTimeout(() => {
        if (session === current) attempt();
      }, 2000);
    });
  attempt();
}

// ------------------------------------------------------------------------------------------------ API

/** Runs a trusted document over HTTP (GraphQL over HTTP `documentId`). */
async function query<R, V>(doc: TypedDocumentString<R, V>, variables: V, bearer: string): Promise<R> {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${bearer}`,
    },
    body: JSON.stringify({ documentId: hashOf(doc), operationName: nameOf(doc), variables }),
  });
  const body = (await res.json()) as { data?: R; errors?: GqlError[] };
  const refused =
    refusal(body.errors) ??
    (res.status === 401 ? refusal([{ message: '', extensions: { code: 'UNAUTHENTICATED' } }]) : null);
  if (refused) throw new SignedOut(refused);
  if (body.errors?.length || !body.data) throw new Error(body.errors?.map((e) => e.message).join('; ') ?? 'no data');
  return body.data;
}

/** graphql-ws close code for a refused token (bad at connection_init, or revoked while open). */
const FORBIDDEN = 4403;
const isClose = (e: unknown): e is { code: number; reason: string } =>
  typeof e === 'object' && e != null && 'code' in e && typeof (e as { code: unknown }).code === 'number';

class Session {
  private readonly client: Client;
  private readonly stops = new Set<() => void>();
  private disposed = false;
  /** Event cursors shown, and the newest one (where a resubscription resumes). */
  private readonly seen = new Set<string>();
  private lastCursor: string | null = null;
  private services: Service[] = [];
  private chart: uPlot | null = null;
  private buckets = new Map<string, Bucket>();
  private stopLatency: (() => void) | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly onResize = () => this.resizeChart();

  constructor(private readonly bearer: string) {
    const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    this.client = createClient({
      url: wsUrl,
      lazy: true,
      connectionParams: { authorization: `Bearer ${bearer}` },
      retryAttempts: Number.POSITIVE_INFINITY,
      // Back off 0.25 s, 0.5 s, 1 s... up to 5 s, with jitter.
      retryWait: (retries) =>
        new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** retries) + Math.random() * 250)),
      // A refused token is final (4403); anything else (server restart, network) is retried.
      shouldRetry: (e) => isClose(e) && e.code !== FORBIDDEN,
      on: {
        connecting: (isRetry) => setStatus(isRetry ? 'reconnecting' : 'connecting'),
        connected: () => setStatus('live'),
        closed: (e) => {
          if (this.disposed) return;
          if (isClose(e) && e.code === FORBIDDEN) {
            signOut(
              'Signed out: this token was revoked or has expired, or it is not valid. Sign in with a valid token.',
            );
          } else setStatus('reconnecting');
        },
      },
    });
  }

  async start() {
    setStatus('connecting');
    const viewer = await query(DashboardViewer, {}, this.bearer);
    const v = viewer.viewer;
    $('who').textContent = v
      ? `${v.customerName ?? v.partner?.name ?? (v.role === 'OPERATOR' ? 'operator' : '')} (${v.role.toLowerCase()})`
      : '';
    $('board').hidden = false;
    window.addEventListener('resize', this.onResize);
    await this.loadState(true);
  }

  dispose() {
    this.disposed = true;
    for (const stop of this.stops) stop();
    this.stops.clear();
    this.stopLatency?.();
    clearTimeout(this.refreshTimer);
    window.removeEventListener('resize', this.onResize);
    this.chart?.destroy();
    this.chart = null;
    void this.client.dispose();
  }

  /** State, then live: the services and the newest events, then the event stream from the newest cursor. */
  private async loadState(resetFeed: boolean) {
    const state = await query(DashboardState, {}, this.bearer);
    if (this.disposed) return;
    this.services = state.peeringServices?.edges.map((e) => e.node) ?? [];
    this.renderServices(state.peeringServices?.totalCount ?? 0);
    if (resetFeed) {
      for (const stop of this.stops) stop();
      this.stops.clear();
      this.seen.clear();
      $('events').replaceChildren();
      const edges = state.latestEvents?.edges ?? [];
      // Newest first: add oldest first, each on top.
      for (const edge of [...edges].reverse()) this.addEvent({ cursor: edge.cursor, ...edge.node });
      this.lastCursor = edges[0]?.cursor ?? null;
      this.renderEmptyFeed();
      this.stops.add(
        this.live(
          LiveEvents,
          () => ({ after: this.lastCursor }),
          (data) => this.onStreamItem(data.prefixEvents),
        ),
      );
    }
    this.renderPrefixChoice();
  }

  /**
   * A resumable subscription: graphql-ws retries the socket; when the stream ends (the server drains, an overflow),
   * it is opened again. Each (re)subscription reads `variables()`, so it resumes from the newest cursor seen.
   */
  private live<R, V extends Record<string, unknown>>(
    doc: TypedDocumentString<R, V>,
    variables: () => V,
    onData: (data: R) => void,
  ): () => void {
    let stopped = false;
    let unsubscribe = () => {};
    let timer: ReturnType<typeof setTimeout> | undefined;
    const again = (ms: number) => {
      if (stopped || this.disposed) return;
      clearTimeout(timer);
      timer = setTimeout(open, ms);
    };
    const open = () => {
      const payload = {
        query: '',
        operationName: nameOf(doc),
        variables: variables(),
        extensions: { persistedQuery: { version: 1, sha256Hash: hashOf(doc) } },
      };
      unsubscribe = this.client.subscribe<R>(payload, {
        next: (result) => {
          if (result.errors?.length) {
            const refused = refusal(result.errors as GqlError[]);
            if (refused) return signOut(refused);
            console.warn('subscription error', result.errors);
          }
          if (result.data) onData(result.data as R);
          // graphql-ws re-sends this payload when it reconnects by itself: keep it at the newest cursor.
          payload.variables = variables();
        },
        error: (error) => {
          if (isClose(error) && error.code === FORBIDDEN) return; // signed out by the `closed` listener
          const refused = Array.isArray(error) ? refusal(error as GqlError[]) : null;
          if (refused) return signOut(refused);
          console.warn('subscription failed; retrying', error);
          again(1000);
        },
        complete: () => again(250),
      });
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      unsubscribe();
    };
  }

  // ---------------------------------------------------------------------------------------------- events

  private onStreamItem(item: StreamItem) {
    if (item.__typename === 'ResyncRequired') {
      // The cursor is older than the retained history: start again from the state.
      void this.loadState(true).catch((error) => this.fail(error));
      return;
    }
    if (item.__typename !== 'PrefixEvent') return;
    if (this.seen.has(item.cursor)) return;
    this.lastCursor = item.cursor;
    this.addEvent(item);
    const prefix = item.prefix;
    if (prefix) {
      const row = document.querySelector<HTMLElement>(`tr[data-prefix-id="${CSS.escape(prefix.id)}"]`);
      if (row) this.renderBadge(row, prefix.validationState, prefix.errorMessage ?? null);
      else this.refreshSoon(); // a prefix registered after the page loaded
    }
  }

  private addEvent(event: {
    cursor: string;
    type: string;
    level: string;
    summary: string;
    occurredAt: string;
    prefix?: { prefix: string } | null;
  }) {
    if (this.seen.has(event.cursor)) return;
    this.seen.add(event.cursor);
    const feed = $('events');
    feed.querySelector('.empty')?.remove();
    const li = el('li', { 'data-cursor': event.cursor, 'data-level': event.level, 'data-type': event.type });
    li.append(
      el('span', { class: 'level' }, event.level),
      el('span', { class: 'type' }, event.type.replaceAll('_', ' ').toLowerCase()),
      el(
        'span',
        { class: 'summary' },
        !event.prefix || event.summary.includes(event.prefix.prefix)
          ? event.summary
          : `${event.prefix.prefix}: ${event.summary}`,
      ),
      el('time', { datetime: event.occurredAt }, when(event.occurredAt)),
    );
    feed.prepend(li);
    while (feed.children.length > MAX_EVENTS) feed.lastElementChild?.remove();
  }

  private renderEmptyFeed() {
    const feed = $('events');
    if (!feed.children.length) feed.append(el('li', { class: 'empty' }, 'No events yet; new ones appear here live.'));
  }

  private refreshSoon() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.loadState(false).catch((error) => this.fail(error)), 300);
  }

  private fail(error: unknown) {
    if (error instanceof SignedOut) signOut(error.message);
    else console.error(error);
  }

  // ---------------------------------------------------------------------------------------------- services

  private renderServices(total: number) {
    $('services-count').textContent = `(${total})`;
    const box = $('services');
    box.replaceChildren();
    if (!this.services.length) {
      box.append(el('p', { class: 'empty' }, 'No peering services yet.'));
      return;
    }
    for (const s of this.services) {
      const article = el('article', { class: 'service', 'data-service-id': s.id });
      const locations = [s.primaryPeeringLocation.name, s.backupPeeringLocation?.name].filter(Boolean).join(' / ');
      article.append(
        el('h3', {}, s.name),
        el(
          'p',
          { class: 'meta' },
          `${s.partner.name} · ${locations}${s.backupPeeringLocation ? '' : ' (no backup)'} · ${s.customerLocation.state}, ${s.customerLocation.country}`,
        ),
      );
      const table = el('table', { class: 'prefixes' });
      const head = el('tr');
      head.append(
        el('th', { scope: 'col' }, 'Prefix'),
        el('th', { scope: 'col' }, 'Name'),
        el('th', { scope: 'col' }, 'Validation'),
      );
      table.append(el('thead'), el('tbody'));
      table.tHead?.append(head);
      for (const p of s.prefixes.edges.map((e) => e.node)) {
        const row = el('tr', { 'data-prefix-id': p.id });
        row.append(el('td', { class: 'prefix-cidr' }, p.prefix), el('td', {}, p.name), el('td', { class: 'state' }));
        this.renderBadge(row, p.validationState, p.errorMessage ?? null);
        table.tBodies[0]?.append(row);
      }
      if (!s.prefixes.edges.length) article.append(el('p', { class: 'empty' }, 'No prefixes.'));
      else article.append(table);
      box.append(article);
    }
  }

  private renderBadge(row: HTMLElement, state: string, errorMessage: string | null) {
    const cell = row.querySelector('.state');
    if (!cell) return;
    row.dataset.state = state;
    const parts: HTMLElement[] = [el('span', { class: 'badge', 'data-state': state }, state)];
    if (state !== 'VERIFIED' && errorMessage) parts.push(el('span', { class: 'error-message' }, errorMessage));
    cell.replaceChildren(...parts);
  }

  // ---------------------------------------------------------------------------------------------- latency

  private renderPrefixChoice() {
    const select = $<HTMLSelectElement>('latency-prefix');
    const previous = select.value;
    const prefixes = this.services.flatMap((s) => s.prefixes.edges.map((e) => ({ ...e.node, service: s.name })));
    select.replaceChildren(
      ...prefixes.map((p) => el('option', { value: p.id }, `${p.prefix} (${p.service})`) as HTMLOptionElement),
    );
    select.onchange = () => this.watchLatency(select.value);
    if (!prefixes.length) {
      this.watchLatency(null);
      return;
    }
    const keep = prefixes.some((p) => p.id === previous) ? previous : (prefixes[0]?.id ?? '');
    select.value = keep;
    if (keep !== previous || !this.stopLatency) this.watchLatency(keep);
  }

  /** Latency of one prefix: the last day's 5-minute buckets, then live from the newest bucket's start. */
  private watchLatency(prefixId: string | null) {
    this.stopLatency?.();
    this.stopLatency = null;
    this.buckets.clear();
    this.renderChart();
    if (!prefixId) return;
    let stop: (() => void) | null = null;
    let cancelled = false;
    this.stopLatency = () => {
      cancelled = true;
      stop?.();
    };
    query(LatencyState, { prefixId }, this.bearer)
      .then((data: LatencyStateQuery) => {
        if (cancelled || this.disposed) return;
        const series = data.node && 'latency' in data.node ? data.node.latency : null;
        for (const b of series?.buckets ?? []) this.buckets.set(b.start, b);
        this.renderChart();
        stop = this.live(
          LiveLatency,
          () => ({ prefixId, since: this.newestBucket()?.start ?? null }),
          (update) => {
            // A bucket may come twice (replay, then live): replace by start.
            const b = update.latencyUpdated.bucket;
            this.buckets.set(b.start, b);
            this.renderChart();
          },
        );
      })
      .catch((error) => this.fail(error));
  }

  private newestBucket(): Bucket | undefined {
    let newest: Bucket | undefined;
    for (const b of this.buckets.values()) if (!newest || b.start > newest.start) newest = b;
    return newest;
  }

  private chartSize() {
    const width = Math.max(260, $('chart').clientWidth || 600);
    return { width, height: width < 500 ? 200 : 260 };
  }

  private resizeChart() {
    this.chart?.setSize(this.chartSize());
  }

  private renderChart() {
    const sorted = [...this.buckets.values()].sort((a, b) => (a.start < b.start ? -1 : 1));
    const data: uPlot.AlignedData = [
      sorted.map((b) => Date.parse(b.start) / 1000),
      sorted.map((b) => b.p50Ms),
      sorted.map((b) => b.p95Ms),
      sorted.map((b) => b.p99Ms),
    ];
    const box = $('chart');
    box.dataset.buckets = String(sorted.length);
    if (!this.chart) {
      const axis = { stroke: '#17202a', grid: { stroke: '#e3e7eb' }, ticks: { stroke: '#c9d0d6' } };
      this.chart = new uPlot(
        {
          ...this.chartSize(),
          tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
          scales: { x: { time: true } },
          axes: [axis, { ...axis, label: 'ms', size: 56 }],
          series: [
            { label: 'time (UTC)' },
            { label: 'p50', stroke: '#11643a', width: 2, points: { show: true, size: 4 } },
            { label: 'p95', stroke: '#b26b00', width: 2, points: { show: true, size: 4 } },
            { label: 'p99', stroke: '#9b1c1c', width: 2, points: { show: true, size: 4 } },
          ],
        },
        data,
        box,
      );
    } else this.chart.setData(data);
    const newest = sorted.at(-1);
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    const summary = $('latency-summary');
    summary.dataset.newest = newest?.start ?? '';
    summary.dataset.samples = String(newest?.sampleCount ?? 0);
    summary.textContent = newest
      ? `Newest bucket ${when(newest.start)}: p50 ${ms(newest.p50Ms)}, p95 ${ms(newest.p95Ms)}, p99 ${ms(newest.p99Ms)} (${newest.sampleCount} samples); ${sorted.length} buckets.`
      : 'No latency samples in the last day.';
  }
}

// ------------------------------------------------------------------------------------------------ boot

$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>('token');
  const value = input.value.trim();
  input.value = '';
  if (value) signIn(value);
});
$('signout').addEventListener('click', () => signOut());

token = readToken();
if (token) signIn(token);
else showSignIn();
