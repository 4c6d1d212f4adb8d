/**
 * The seam between the kernel and the wire. HTTP is the default
 * (`httpTransport`); a WebSocket (PROTOCOL.md §6) or desktop IPC (§7)
 * transport implements the same interface.
 */
import type { InvalidateTarget } from './invalidation.js';
import type { MergeEntry } from './merge.js';

/** Body of a successful `call` (PROTOCOL.md §1.2). */
export interface CallResponse<T> {
  result: T;
  invalidate: InvalidateTarget[];
  merge?: MergeEntry[];
}

/** What a server pushes unasked (WebSocket `invalidate` / `merge` frames). */
export interface Push {
  invalidate?: InvalidateTarget[];
  merge?: MergeEntry[];
}

/**
 * Per-request identity and control, resolved by the client for every request.
 * Each transport maps it to its wire: HTTP sends `X-Mizan-Token` and, on
 * unsafe requests, `X-CSRFToken`; a socket would send the token at connect.
 */
export interface RequestContext {
  /** Extra headers from the client's configuration (e.g. `Authorization`). */
  headers?: Record<string, string>;
  /** A Mizan Web Token (MWT.md). */
  token?: string;
  /** The CSRF token from `GET /session/`, when the session has one. */
  csrfToken?: string;
  signal?: AbortSignal;
}

export interface Transport {
  /** Calls one function. Rejects with a `MizanError`. Must not retry. */
  call(
    fn: string,
    args: Record<string, unknown>,
    init: RequestContext,
  ): Promise<{ body: CallResponse<unknown>; headers?: Headers }>;
  /** Fetches one context bundle. Rejects with a `MizanError`. */
  fetchContext(name: string, params: Record<string, unknown>, init: RequestContext): Promise<Record<string, unknown>>;
  /** Session init (`GET /session/`). Transports without sessions leave it out. */
  session?(init: RequestContext): Promise<{ csrfToken: string | null }>;
  /**
   * Called when an instance gains its first subscriber; the returned function
   * when it loses its last. A push transport subscribes to the instance's
   * invalidations here (WebSocket `subscribe` / `unsubscribe`).
   */
  watch?(name: string, params: Record<string, unknown>): () => void;
  /** Registers the kernel's push handler; returns the unregister function. */
  onPush?(listener: (push: Push) => void): () => void;
}
