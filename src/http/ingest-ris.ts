import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthenticationError } from '../errors.js';
import { type FeedSource, HTTP_FEEDS } from '../feeds/registry.js';
import { errorForLog, type Logger } from '../observability/logger.js';
import type { Viewer } from '../services/viewer.js';
import type { TelemetryEngine } from '../telemetry/engine.js';
import { MAX_BATCH, parseRisValue, type RouteUpdate } from '../telemetry/route-input.js';

const MAX_REPORTED_ERRORS = 100;
const NEWLINE = 0x0a;

/**
 * One NDJSON line: its 1-based number and text, or `tooLong` when it was skipped unread past the limit. A line that
 * lay whole in one chunk also names its bytes there (`chunk`, `start`, `end`).
 */
export type NdjsonLine =
  | { line: number; text: string; tooLong?: never; chunk?: Buffer; start?: number; end?: number }
  | { line: number; tooLong: true };

/**
 * Splits a byte stream into lines while it streams, measuring each line as it grows: past `maxLineBytes` the
 * bytes buffered for that line are dropped and the rest of it is skipped up to its newline, so memory stays
 * bounded by the limit whatever the input. A trailing `\r` is removed; a last line without a newline counts.
 * Yields the lines completed by each chunk together (one step of the async iteration per chunk, not per line).
 */
export async function* ndjsonLines(source: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<NdjsonLine[]> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let line = 0;
  // One byte of slack for the `\r` of a CRLF line end, which is not part of the line.
  const limit = maxLineBytes + 1;
  const wholeLine = (chunk: Buffer, start: number, stop: number): NdjsonLine => {
    line += 1;
    const crlf = stop > start && chunk[stop - 1] === 0x0d;
    if (stop - start - (crlf ? 1 : 0) > maxLineBytes) return { line, tooLong: true };
    const end = crlf ? stop - 1 : stop;
    return { line, text: chunk.toString('utf8', start, end), chunk, start, end };
  };
  const finish = (): NdjsonLine => {
    line += 1;
    let result: NdjsonLine;
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    const crlf = size > 0 && bytes[size - 1] === 0x0d;
    if (tooLong || size - (crlf ? 1 : 0) > maxLineBytes) result = { line, tooLong: true };
    else result = { line, text: bytes.toString('utf8', 0, crlf ? size - 1 : size), chunk: undefined, start: 0, end: 0 };
    parts = [];
    size = 0;
    tooLong = false;
    return result;
  };
  for await (const chunk of source) {
    const lines: NdjsonLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const stop = newline === -1 ? chunk.length : newline;
      if (!tooLong && size === 0 && newline !== -1 && stop - start <= limit) {
        // The common case: a whole line inside one chunk, decoded from the chunk as it is (no view or copy of it).
        lines.push(wholeLine(chunk, start, stop));
        start = newline + 1;
        continue;
      }
      if (!tooLong && stop > start) {
        if (size + (stop - start) > limit) {
          tooLong = true;
          parts = [];
          size = 0;
        } else {
          // A copy, so a short line does not keep its whole (up to 64 KiB) chunk alive.
          parts.push(Buffer.from(chunk.subarray(start, stop)));
          size += stop - start;
        }
      }
      if (newline === -1) break;
      lines.push(finish());
      start = newline + 1;
    }
    if (lines.length) yield lines;
  }
  if (size > 0 || tooLong) yield [finish()];
}

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
 *
 * Answers 200 `{ accepted, rejected, ignored, lines, batches, errors: [{ line, field?, message }] }`. A line over
 * `maxLineBytes` is not buffered: it is skipped to its newline and reported like any bad line ("line longer than
 * N bytes"). A body over `maxBytes` (declared or counted) answers 413 and the rest of it is not read.
 */
export async function handleRisIngest(
  req: IncomingMessage,
  res: ServerResponse,
  options: {
    viewerFor: (authorization: string | undefined) => Viewer;
    telemetry: TelemetryEngine;
    maxBytes: number;
    maxLineBytes: number;
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
  // destroyOnReturn: false keeps the socket open when reading stops early, so the 413 can still be sent.
  let tooLarge = false;
  const maxBytes = options.maxBytes;
  async function* counted(): AsyncGenerator<Buffer> {
    let bytes = 0;
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        tooLarge = true;
        return;
      }
      yield chunk;
    }
  }

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
    for await (const lines of ndjsonLines(counted(), options.maxLineBytes)) {
      if (tooLarge) break;
      for (const next of lines) {
        totals.lines++;
        const lineNo = next.line;
        if (next.tooLong) {
          reject(lineNo, `line longer than ${options.maxLineBytes} bytes`);
          continue;
        }
        const text = next.text;
        if (!text.trim()) continue;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          reject(lineNo, 'not valid JSON');
          continue;
        }
        const parsed = parseRisValue(value, text);
        if (parsed.kind === 'ignored') {
          totals.ignored++;
          continue;
        }
        if (parsed.kind === 'rejected') {
          reject(lineNo, parsed.message, parsed.field);
          continue;
        }
        const update = parsed.update;
        if (next.chunk) {
          // The text goes with the rest of the parsed line; the history decodes the bytes again if it keeps the update.
          update.rawText = undefined;
          update.rawChunk = next.chunk;
          update.rawStart = next.start;
          update.rawEnd = next.end;
        }
        batch.push(update);
        if (batch.length >= MAX_BATCH) flush();
      }
    }
    if (tooLarge) return replyTooLarge();
    flush();
    if (source.kind === 'EXABGP' && totals.batches === 0) options.telemetry.feeds.seen(source.kind, source.name);
  } catch (error) {
    if (tooLarge) return replyTooLarge();
    if (req.destroyed || (error as { code?: string }).code === 'ECONNRESET') {
      // The client went away mid-body: its mistake, and there is nobody left to answer.
      options.logger.warn({ ...totals }, 'ris ingest aborted by the client; full batches before it were applied');
      return;
    }
    options.logger.error({ err: errorForLog(error) }, 'ris ingest failed');
    return reply(res, 500, { error: 'Ingestion failed', ...totals });
  }
  reply(res, 200, { ...totals, errors });
}
