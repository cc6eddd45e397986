import { and, asc, desc, getTableColumns, gt, lt, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { DB } from '../db/client.js';
import { preparedOnce } from '../db/prepared.js';
import { InputError } from '../errors.js';

/**
 * Keyset pagination over an integer key (row id or event sequence), Relay style.
 * Cursors are opaque: base64url of "<kind>:<key>".
 */

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PageRequest {
  /** Rows with key > afterKey. */
  afterKey: number | null;
  /** Rows with key < beforeKey. */
  beforeKey: number | null;
  /** Page size; the query should fetch limit + 1 rows to learn whether there is more. */
  limit: number;
  /** True for last/before: fetch against the list's order, then reverse. */
  backwards: boolean;
  /** The list's order: newest (highest key) first. Cursors keep their meaning: `after` is further down the list. */
  descending: boolean;
}

export type OrderDirection = 'ASC' | 'DESC';

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/**
 * A subset of a table's columns to read, by property name (as drizzle maps them), in a stable order; `key` names the
 * set (it becomes part of a prepared statement's name). null where a function takes one: every column.
 */
export interface ColumnSet {
  readonly names: readonly string[];
  readonly key: string;
}

export function columnSet(names: Iterable<string>): ColumnSet {
  const sorted = [...new Set(names)].sort();
  return { names: sorted, key: sorted.join(',') };
}

/** The table's columns of `columns` (all of them for null), as a drizzle selection. */
export function selectedColumns(table: SQLiteTable, columns: ColumnSet | null): Record<string, SQLiteColumn> {
  const all = getTableColumns(table) as Record<string, SQLiteColumn>;
  if (!columns) return all;
  return Object.fromEntries(columns.names.map((name) => [name, all[name]!]));
}

export function encodeCursor(kind: string, key: number): string {
  return Buffer.from(`${kind}:${key}`, 'utf8').toString('base64url');
}

/** Decodes a cursor of the given kind; a malformed or foreign cursor is an InputError. */
export function decodeCursor(kind: string, cursor: string, argName = 'after'): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^([a-z]+):(\d{1,15})$/.exec(text);
  if (!match || match[1] !== kind || Buffer.from(text, 'utf8').toString('base64url') !== cursor) {
    throw new InputError(`\`${argName}\` is not a valid cursor for this list`);
  }
  return Number(match[2]);
}

function checkSize(name: string, value: number | null | undefined): void {
  if (value == null) return;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw new InputError(`\`${name}\` must be between 1 and ${MAX_PAGE_SIZE} (got ${value})`);
  }
}

export function pageRequest(
  kind: string,
  args: PageArgs,
  defaultSize = DEFAULT_PAGE_SIZE,
  direction: OrderDirection = 'ASC',
): PageRequest {
  checkSize('first', args.first);
  checkSize('last', args.last);
  if (args.first != null && args.last != null) throw new InputError('Pass `first` or `last`, not both');
  const afterKey = args.after ? decodeCursor(kind, args.after, 'after') : null;
  const beforeKey = args.before ? decodeCursor(kind, args.before, 'before') : null;
  const backwards = args.last != null || (args.before != null && args.first == null);
  return {
    afterKey,
    beforeKey,
    limit: args.first ?? args.last ?? defaultSize,
    backwards,
    descending: direction === 'DESC',
  };
}

/** An edge whose cursor is encoded when read: most pages are read without their cursors. */
class PageEdge<T> implements Edge<T> {
  constructor(
    private readonly kind: string,
    private readonly key: number,
    readonly node: T,
  ) {}
  get cursor(): string {
    return encodeCursor(this.kind, this.key);
  }
}

/** Page info whose cursors are encoded when read. */
class PageInfo<T> {
  constructor(
    private readonly edges: Edge<T>[],
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
  ) {}
  get startCursor(): string | null {
    return this.edges[0]?.cursor ?? null;
  }
  get endCursor(): string | null {
    return this.edges.at(-1)?.cursor ?? null;
  }
}

/**
 * Builds the connection from rows fetched with limit + 1 in the request's direction. `totalCount` may be a function:
 * it then runs only if a client reads the field (a `count(*)` nobody asked for is not free). Cursors are encoded when
 * read.
 */
export function buildConnection<T>(
  kind: string,
  request: PageRequest,
  rows: T[],
  keyOf: (row: T) => number,
  totalCount: number | (() => number),
): Connection<T> {
  const hasMore = rows.length > request.limit;
  const page = rows.slice(0, request.limit);
  if (request.backwards) page.reverse();
  const edges: Edge<T>[] = page.map((node) => new PageEdge(kind, keyOf(node), node));
  let count = typeof totalCount === 'number' ? totalCount : null;
  return {
    edges,
    pageInfo: new PageInfo(edges, request.backwards ? false : hasMore, request.backwards ? hasMore : false),
    get totalCount() {
      count ??= (totalCount as () => number)();
      return count;
    },
  };
}

/**
 * The key bounds and fetch order of a keyset page over `key`, for either list order and paging direction. The bounds
 * compare with the request's keys, or with what `to` gives instead (placeholders of a prepared statement).
 */
export function keysetBounds(
  key: SQLiteColumn,
  request: PageRequest,
  to: { after: unknown; before: unknown } = { after: request.afterKey, before: request.beforeKey },
): { where: SQL | undefined; order: SQL } {
  const down = request.descending;
  const where = and(
    request.afterKey != null ? (down ? lt(key, to.after) : gt(key, to.after)) : undefined,
    request.beforeKey != null ? (down ? gt(key, to.before) : lt(key, to.before)) : undefined,
  );
  return { where, order: request.backwards !== down ? desc(key) : asc(key) };
}

interface KeysetSpec<Row> {
  kind: string;
  table: SQLiteTable;
  key: SQLiteColumn;
  keyOf: (row: Row) => number;
  where: SQL | undefined;
  /**
   * Set when `where` compares with placeholders only: the page and count statements are then prepared once per
   * database for this shape (a name for which conditions `where` has), and `values` fills the placeholders. `columns`
   * (null or absent: all) are the columns the page's rows are read with; those rows have only these properties.
   */
  prepared?: { shape: string; values: Record<string, unknown>; columns?: ColumnSet | null };
}

/** One keyset page of `table` ordered by the integer `key` column, with the filter's total count. */
export function keysetPage<Row>(db: DB, spec: KeysetSpec<Row>, request: PageRequest): Connection<Row> {
  if (spec.prepared) return preparedKeysetPage(db, spec, spec.prepared, request);
  const bounds = keysetBounds(spec.key, request);
  const rows = db
    .select()
    .from(spec.table)
    .where(and(spec.where, bounds.where))
    .orderBy(bounds.order)
    .limit(request.limit + 1)
    .all() as Row[];
  const totalCount = () => db.select({ n: sql<number>`count(*)` }).from(spec.table).where(spec.where).get()!.n;
  return buildConnection(spec.kind, request, rows, spec.keyOf, totalCount);
}

function preparedKeysetPage<Row>(
  db: DB,
  spec: KeysetSpec<Row>,
  { shape, values, columns = null }: { shape: string; values: Record<string, unknown>; columns?: ColumnSet | null },
  request: PageRequest,
): Connection<Row> {
  const name = `keyset:${spec.kind}:${shape}`;
  const bounds = `${request.afterKey != null}:${request.beforeKey != null}:${request.backwards}:${request.descending}`;
  const page = preparedOnce(db, `${name}:page:${bounds}:${columns?.key ?? '*'}`, () => {
    const { where, order } = keysetBounds(spec.key, request, {
      after: sql.placeholder('after'),
      before: sql.placeholder('before'),
    });
    return db
      .select(selectedColumns(spec.table, columns))
      .from(spec.table)
      .where(and(spec.where, where))
      .orderBy(order)
      .limit(sql.placeholder('limit'))
      .prepare();
  });
  const rows = page.all({
    ...values,
    after: request.afterKey,
    before: request.beforeKey,
    limit: request.limit + 1,
  }) as Row[];
  const totalCount = () =>
    preparedOnce(db, `${name}:count`, () =>
      db.select({ n: sql<number>`count(*)` }).from(spec.table).where(spec.where).prepare(),
    ).get(values)!.n;
  return buildConnection(spec.kind, request, rows, spec.keyOf, totalCount);
}
