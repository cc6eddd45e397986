import type { IncomingMessage, ServerResponse } from 'node:http';
import { createInterface } from 'node:readline';
import { AuthenticationError } from '../errors.js';
import { type FeedSource, HTTP_FEEDS } from '../feeds/registry.js';
import type { Logger } from '../observability/logger.js';
import type { Viewer } from '../services/viewer.js';
import type { TelemetryEngine } from '../telemetry/engine.js';
import { MAX_BATCH, parseRisValue, type RouteUpdate } from '../telemetry/route-input.js';

const MAX_REPORTED_ERRORS = 100;
const MAX_LINE_CHARS = 1024 * 1024;
const FEED_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * The feed a request counts for: `x-peerwatch-feed-kind: EXABGP` with `x-peerwatch-feed-name: <host name>` (the
 * ExaBGP bridge), else HTTP (one feed per collector `host` of the updates).
 */
function feedOf(req: IncomingMessage): FeedSource | { error: string } {
  const header = (name: string) => {
    const value = req.headers[name];
    return (Array.isArray(value) ? value[0] : value)?.trim();
  };
  const kind = header('x-peerwatch-feed-kind')?.toUpperCase();
  if (!kind || kind === 'HTTP') return HTTP_FEEDS;
  if (kind !== 'EXABGP') return { error: 'x-peerwatch-feed-kind must be EXABGP or HTTP' };
  const name = header('x-peerwatch-feed-name');
  if (!name || !FEED_NAME.test(name)) {
    return { error: 'x-peerwatch-feed-name must be 1-64 characters [A-Za-z0-9_.:-] (the bridge host name)' };
  }
  return { kind: 'EXABGP', name };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * POST /ingest/ris: RIS Live `ris_message`s (or their bare `data`) as newline-delimited JSON, e.g. a recorded
 * RIS Live session piped with curl, or the ExaBGP bridge. COLLECTOR or OPERATOR. Lines are applied in batches of up
 * to 10,000 (one transaction each); malformed lines are counted and reported (the first 100) and the rest are kept.
 * UPDATEs and RIS_PEER_STATE changes are applied in arrival order. Each batch counts for its feed (see feedOf); an
 * ExaBGP bridge's POST, even an empty one (its heartbeat), is a sign of life of its feed.
 */
export async function handleRisIngest(
  req: IncomingMessage,
  res: ServerResponse,
  options: {
    viewerFor: (authorization: string | undefined) => Viewer;
    telemetry: TelemetryEngine;
    maxBytes: number;
    logger: Logger;
  },
): Promise<void> {
  let viewer: Viewer;
  try {
    viewer = options.viewerFor(req.headers.authorization);
  } catch (error) {
    if (error instanceof AuthenticationError) return reply(res, 401, { error: error.message });
    throw error;
  }
  if (viewer.role !== 'COLLECTOR' && viewer.role !== 'OPERATOR') {
    return reply(res, viewer.role === 'ANONYMOUS' ? 401 : 403, {
      error: 'Only COLLECTOR or OPERATOR tokens can ingest telemetry',
    });
  }
  const source = feedOf(req);
  if ('error' in source) return reply(res, 400, { error: source.error });
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > options.maxBytes) return reply(res, 413, { error: `Body exceeds ${options.maxBytes} bytes` });

  // A chunked body has no declared length: count it, and past the limit stop reading and answer 413.
  const lines = createInterface({ input: req, crlfDelay: Number.POSITIVE_INFINITY });
  let bytes = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > options.maxBytes && !tooLarge) {
      tooLarge = true;
      lines.close();
    }
  });

  const totals = { accepted: 0, rejected: 0, ignored: 0, lines: 0, batches: 0 };
  const errors: { line: number; field?: string[]; message: string }[] = [];
  const reject = (line: number, message: string, field?: string[]) => {
    totals.rejected++;
    if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line, ...(field ? { field } : {}), message });
  };
  let batch: RouteUpdate[] = [];
  const flush = () => {
    if (!batch.length) return;
    const applied = options.telemetry.applyRoutes(batch, source);
    totals.accepted += applied.accepted;
    totals.ignored += applied.ignored;
    totals.batches++;
    batch = [];
  };

  const replyTooLarge = () => {
    // Full batches already applied stay applied; the rest of the body is not read.
    res.setHeader('connection', 'close');
    res.once('finish', () => req.destroy());
    reply(res, 413, {
      error: `Body exceeds ${options.maxBytes} bytes; ${totals.accepted} updates were applied`,
      ...totals,
    });
  };

  try {
    for await (const text of lines) {
      totals.lines++;
      const lineNo = totals.lines;
      if (!text.trim()) continue;
      if (text.length > MAX_LINE_CHARS) {
        reject(lineNo, `line longer than ${MAX_LINE_CHARS} characters`);
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        reject(lineNo, 'not valid JSON');
        continue;
      }
      const parsed = parseRisValue(value);
      if (parsed.kind === 'ignored') {
        totals.ignored++;
        continue;
      }
      if (parsed.kind === 'rejected') {
        reject(lineNo, parsed.message, parsed.field);
        continue;
      }
      batch.push(parsed.update);
      if (batch.length >= MAX_BATCH) flush();
    }
    if (tooLarge) return replyTooLarge();
    flush();
    if (source.kind === 'EXABGP' && totals.batches === 0) options.telemetry.feeds.seen(source.kind, source.name);
  } catch (error) {
    if (tooLarge) return replyTooLarge();
    options.logger.error({ err: error }, 'ris ingest failed');
    return reply(res, 500, { error: 'Ingestion failed', ...totals });
  }
  reply(res, 200, { ...totals, errors });
}
