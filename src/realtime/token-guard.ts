import { AuthenticationError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { TokenRefusal } from '../services/identity.js';
import type { LiveOperations } from './live-operations.js';

/**
 * Ends what a token opened once the token may no longer be used (revoked, expired or deleted).
 *
 * Two kinds of things are watched:
 * - holders registered with `track()`: graphql-ws sockets, by the token of their connection_init and by the token
 *   of each running operation that authenticated itself (GraphiQL's per-operation headers). A refused holder is
 *   told with `onRefused` (app.ts closes the socket with 4403).
 * - the subscription streams of `live` (SSE and graphql-ws), by the token of their viewer. A refused stream ends
 *   with an UNAUTHENTICATED error: an SSE client gets one `next` event carrying that error, then `complete`.
 *
 * `refuse()` acts at once (in-process revocation arrives through the `identity:token-revoked` topic). `sweep()`
 * re-checks every watched token in one query, so expiry and revocation by another process sharing the database are
 * caught within one interval; `start()` runs it on an unref'd timer, `stop()` ends it.
 */
export interface TokenGuardOptions {
  live: LiveOperations;
  /** The ids among these that are refused now, with why (one query for all of them). */
  check: (tokenIds: number[]) => Map<number, TokenRefusal>;
  logger: Logger;
  /** Re-check period of `start()`. */
  intervalMs: number;
}

/** Something a token opened that must end when the token is refused (a graphql-ws socket: app.ts). */
export interface TokenHolder {
  readonly tokenId: number;
  onRefused(refusal: TokenRefusal): void;
}

export class TokenGuard {
  private readonly holders = new Set<TokenHolder>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: TokenGuardOptions) {}

  /** Watches a holder's token; untrack() stops watching (call it when the holder goes). */
  track(holder: TokenHolder): void {
    this.holders.add(holder);
  }

  untrack(holder: TokenHolder): void {
    this.holders.delete(holder);
  }

  /** Every token behind a tracked holder or an open stream. */
  tokenIds(): Set<number> {
    const ids = this.options.live.tokenIds();
    for (const { tokenId } of this.holders) ids.add(tokenId);
    return ids;
  }

  /** Ends what the refused tokens hold: holders first (sockets close with 4403), then their streams. */
  refuse(refused: ReadonlyMap<number, TokenRefusal>): number {
    if (!refused.size) return 0;
    let ended = 0;
    for (const holder of [...this.holders]) {
      const refusal = refused.get(holder.tokenId);
      if (!refusal) continue;
      this.holders.delete(holder);
      ended += 1;
      try {
        holder.onRefused(refusal);
      } catch (error) {
        this.options.logger.error({ err: error, tokenId: holder.tokenId }, 'closing a refused token holder failed');
      }
    }
    for (const [tokenId, refusal] of refused) {
      ended += this.options.live.endWhere((op) => op.tokenId === tokenId, new AuthenticationError(refusal.message));
    }
    if (ended) this.options.logger.info({ tokenIds: [...refused.keys()], ended }, 'ended streams of refused tokens');
    return ended;
  }

  /** Re-checks the given tokens (default: every watched one) in one query and ends what the refused ones hold. */
  sweep(tokenIds?: Iterable<number>): number {
    const watched = this.tokenIds();
    const ids = tokenIds ? [...tokenIds].filter((id) => watched.has(id)) : [...watched];
    if (!ids.length) return 0;
    return this.refuse(this.options.check(ids));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.sweep();
      } catch (error) {
        this.options.logger.error({ err: error }, 'token re-check failed');
      }
    }, this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
