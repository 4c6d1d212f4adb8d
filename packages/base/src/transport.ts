/**
 * The seam between the kernel and the wire. HTTP is the default
 * (`httpTransport`); the WebSocket (`socketTransport`, PROTOCOL.md §6) and a
 * desktop IPC transport (§7) implement the same interface, plus its live
 * part: `watch`, `onPush`, and channels.
 */
import type { MizanError } from './error.js';
import type { InvalidateTarget } from './invalidation.js';
import type { MergeEntry } from './merge.js';

/** Body of a successful `call` (PROTOCOL.md §1.2). */
export interface CallResponse<T> {
  result: T;
  invalidate: InvalidateTarget[];
  merge?: MergeEntry[];
  /** Single-flight (§3.5): each instance asked for with `refresh` that the call hit, its bundle or `{error}`. */
  refreshed?: Record<string, unknown>;
}

/** What a server pushes unasked (WebSocket `invalidate` / `merge` frames), or a live transport's own resync. */
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
  /**
   * On a call, when there is no `csrfToken` yet: fetches the session's
   * (`GET /session/`) the first time a request that needs one asks for it.
   * A transport that is not CSRF-checked (the socket) never asks, so a call
   * on it waits for no session.
   */
  csrf?: () => Promise<string | null>;
  signal?: AbortSignal;
}

export interface Transport {
  /**
   * Calls one function, sending `refresh` (instance keys, PROTOCOL.md §3.5)
   * in the envelope when it is not empty. Rejects with a `MizanError`. Must
   * not retry.
   */
  call(
    fn: string,
    args: Record<string, unknown>,
    init: RequestContext,
    refresh?: readonly string[],
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
  /**
   * Live transports: joins a channel instance (PROTOCOL.md §6.1), and joins
   * it again after every reconnect, until the returned function is called
   * (which leaves it). Progress and messages go to `events`.
   */
  join?(channel: string, params: Record<string, unknown>, events: ChannelEvents): () => void;
  /** Live transports: sends `message` to a channel instance this transport joined. Rejects with a `MizanError`. */
  send?(channel: string, params: Record<string, unknown>, message: unknown): Promise<void>;
  /**
   * The client's token may have changed (it was reconfigured): a transport
   * that authenticated a connection when it opened it checks it now.
   */
  identityChanged?(): void;
  /** The client stopped using this transport (it was reconfigured): close its connections. */
  close?(): void;
}

/** What a live transport tells the holder of one joined channel instance. */
export interface ChannelEvents {
  /**
   * `connecting` while the socket is not open or the join is unanswered
   * (again after a drop), `joined` once the server accepted the join,
   * `error` when it refused it (`error` says why).
   */
  status(status: 'connecting' | 'joined' | 'error', error?: MizanError): void;
  /** A message the server pushed to the instance. */
  message(message: unknown): void;
}
