/**
 * What a client does and hears, as events (`client.on(listener)`): what
 * devtools and logs show. Each change names its `cause`: the function whose
 * call led to it, `push` for a server push, or `header`, `focus`,
 * `reconnect`, `invalidate` and `merge` (the app called those itself).
 */
import type { MizanError } from './error.js';
import type { InvalidateTarget } from './invalidation.js';
import type { MergeEntry } from './merge.js';
import { Subscribable } from './subscribable.js';
import type { Push } from './transport.js';

export type MizanEvent =
  /** A call is sent: `refresh` lists the instances asked back with it (single-flight). */
  | { type: 'call'; fn: string; args: object; refresh: string[] }
  /** Its reply (or its error) is in. */
  | { type: 'settled'; fn: string; error?: MizanError; result?: unknown }
  /** Instances hit by `targets` refetch (if shown) or are marked stale. */
  | { type: 'invalidate'; targets: readonly InvalidateTarget[]; cause: string }
  | { type: 'merge'; entries: readonly MergeEntry[]; cause: string }
  /** A bundle that came back with a call replaced instance `key`'s data: no request. */
  | { type: 'refresh'; key: string; cause: string }
  /** What the server pushed unasked (a live transport). */
  | { type: 'push'; push: Push }
  /** Instance `key` fetches (it was mounted, invalidated or refetched). */
  | { type: 'fetch'; key: string }
  /** Instance `key` was created or dropped. */
  | { type: 'instance'; key: string }
  /** The client moved to another transport (it was reconfigured). */
  | { type: 'transport' };

/** The client's event listeners. */
export class EventLog extends Subscribable<(event: MizanEvent) => void> {
  emit(event: MizanEvent): void {
    this.notify(event);
  }
}
