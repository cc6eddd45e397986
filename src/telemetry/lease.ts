import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Statement } from 'better-sqlite3';
import type { DB } from '../db/client.js';

/** Who this process is, in lease rows: host:pid:random (a restarted process is a new holder). */
export const PROCESS_HOLDER = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

/**
 * A lease row in the shared database: the holder renews it before it expires; any process takes it over once it has
 * expired (its holder died or hung). SQLite serialises the writers, so one upsert decides: the row changes only when
 * this process already holds it or it has expired.
 */
export class Lease {
  private readonly take: Statement<[string, string, number, number]>;
  private readonly drop: Statement<[string, string]>;
  private readonly read: Statement<[string]>;
  private holding = false;

  constructor(
    db: DB,
    readonly name: string,
    private readonly ttlMs: number,
    readonly holder = PROCESS_HOLDER,
  ) {
    this.take = db.$client.prepare(
      `insert into leases (name, holder, expires_at) values (?, ?, ?)
       on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at
       where leases.holder = excluded.holder or leases.expires_at <= ?`,
    );
    this.drop = db.$client.prepare('delete from leases where name = ? and holder = ?');
    this.read = db.$client.prepare('select holder, expires_at as expiresAt from leases where name = ?');
  }

  /** Takes or renews the lease; true while this process holds it. */
  tryHold(now: number): boolean {
    const wasHolding = this.holding;
    this.holding = this.take.run(this.name, this.holder, now + this.ttlMs, now).changes === 1;
    if (this.holding !== wasHolding) this.onChange?.(this.holding);
    return this.holding;
  }

  /**
   * Gives the lease up (at shutdown), so another process need not wait for it to expire. Best effort: when the
   * database cannot be written (it failed or is gone), the lease still expires at its time and shutdown goes on.
   */
  release(): void {
    const wasHolding = this.holding;
    this.holding = false;
    if (!wasHolding) return;
    try {
      this.drop.run(this.name, this.holder);
    } catch {
      // Expires by itself (ttlMs).
    }
  }

  /** The current row: who holds it and until when (null when nobody does). */
  current(): { holder: string; expiresAt: number } | null {
    return (this.read.get(this.name) as { holder: string; expiresAt: number } | undefined) ?? null;
  }

  /** Told when this process starts or stops holding the lease. */
  onChange?: (holding: boolean) => void;
}
