/**
 * The kernel: one client owns the reconciled view of the server (its context
 * instances) and the paths that change it (responses, pushes, headers).
 */
import { canonicalString } from './canonical.js';
import { isObject, toMizanError } from './error.js';
import { EventLog, type MizanEvent } from './events.js';
import { ContextInstance, type InstanceHost, type Layer } from './instance.js';
import {
  definedParams,
  formatTarget,
  INVALIDATE_HEADER,
  type InvalidateTarget,
  parseInvalidateHeader,
  scopeMatches,
  targetContext,
  targetHits,
} from './invalidation.js';
import type { MergeEntry } from './merge.js';
import { exponentialBackoff, withRetry } from './retry.js';
import { ssrData } from './ssr.js';
import type { CallResponse, RequestContext, Transport } from './transport.js';
import { httpTransport } from './transport/http.js';

/** What a live transport is made from: the client's mount point, the transport it falls back to, its token. */
export interface LiveInit {
  baseUrl: string;
  fallback: Transport;
  token(): string | undefined;
}

/**
 * A live transport's factory, e.g. `websocket()`: the client makes the
 * transport when it first needs one. `undefined` where it cannot be made
 * (server rendering): the client then stays on `fallback`.
 */
export type LiveTransport = ((init: LiveInit) => Transport | undefined) & {
  /** Whether `other` makes the same transport (a factory made again per render with equal options does). */
  same?(other: LiveTransport): boolean;
};

export interface MizanConfig {
  /** Mount point of the Mizan endpoints for the default HTTP transport. Default `/api/mizan`. */
  baseUrl?: string;
  /** Default `same-origin`; `include` for a cross-origin API with cookies. */
  credentials?: RequestCredentials;
  /** `fetch` for the default HTTP transport. */
  fetch?: typeof fetch;
  /** Replaces the default HTTP transport. Configure it before anything subscribes. */
  transport?: Transport;
  /**
   * Live updates (PROTOCOL.md §6): `websocket()` (a separate import, so that
   * an app that is not live does not carry it) makes calls, fetches and
   * channels go over one WebSocket while it is open (HTTP, or `transport`,
   * while it is down), and the server pushes every invalidation and merge
   * that hits an instance this client shows.
   */
  live?: LiveTransport | false;
  /** Extra headers on every request, or a function read per request. */
  headers?: Record<string, string> | (() => Record<string, string>);
  /** A Mizan Web Token sent as `X-Mizan-Token`, or a function read per request. */
  token?: string | null | (() => string | null | undefined);
  /**
   * Fetch `GET /session/` before the first call so that `X-CSRFToken` can be
   * sent. Default `true`; skipped while a `token` is set (token requests are
   * not CSRF-checked).
   */
  csrf?: boolean;
  /**
   * Single-flight (PROTOCOL.md §3.5): a call asks for the shown instances of
   * the contexts its function affects back with its reply, instead of a
   * refetch after it. Default `true`.
   */
  refresh?: boolean;
  /** Retries of a failed context fetch or session init (network errors, 5xx). Default 3. */
  retry?: number;
  /** Delay before retry `attempt` (0-based). Default 1 s, 2 s, 4 s... capped at 30 s. */
  retryDelay?: (attempt: number) => number;
  /** How long an instance with no subscribers is kept. Default 5 minutes. */
  gcTimeMs?: number;
  /**
   * Refetch watched instances when the page becomes visible (from `mount()`
   * to `unmount()`). Default: on, unless `live` (the socket's pushes keep
   * them fresh).
   */
  refetchOnFocus?: boolean;
  /**
   * Refetch watched instances when the browser comes back online (from
   * `mount()` to `unmount()`). Default: on, unless `live` (the socket
   * refetches what may have missed a push when it reconnects).
   */
  refetchOnReconnect?: boolean;
}

/**
 * Per slot (a member function of a context), the change a mutation makes to
 * its data, shown at once: `(current, args) => next`.
 */
export type Optimistic<A, S = Record<string, unknown>> = { [K in keyof S]?: (current: S[K], args: A) => S[K] };

export interface CallOptions<A = Record<string, unknown>, S = Record<string, unknown>> {
  signal?: AbortSignal;
  /**
   * The contexts the function affects (the generated client knows them from
   * the IR): their shown instances that the arguments may scope come back
   * refreshed with the reply (PROTOCOL.md §3.5).
   */
  affects?: readonly string[];
  /**
   * Changes shown at once in the shown instances whose params agree with
   * the arguments; taken back if the call fails, replaced by the server's
   * data (merge, refresh or refetch) once it succeeded.
   */
  optimistic?: Optimistic<A, S> | undefined;
  /** The call is sent once this settles (a mutation's queue); the optimistic changes are shown before. */
  after?: Promise<unknown>;
}

type Settings = MizanConfig & Required<Pick<MizanConfig, 'baseUrl' | 'csrf' | 'retry' | 'retryDelay' | 'gcTimeMs'>>;

/** The server's cap on `refresh` entries (PROTOCOL.md §3.5). */
const REFRESH_LIMIT = 16;

function defaults(): Settings {
  return {
    baseUrl: '/api/mizan',
    csrf: true,
    retry: 3,
    retryDelay: exponentialBackoff,
    gcTimeMs: 5 * 60_000,
  };
}

interface InFlight {
  name: string;
  params: Record<string, unknown>;
  promise: Promise<Record<string, unknown>>;
  controller: AbortController;
  /** Callers that may abort: the request is aborted when all of them did. `Infinity` once one cannot. */
  holders: number;
}

/** An invalidation waiting for the batch: the target and the instances it must spare (refreshed with it). */
type Pending = [InvalidateTarget, ReadonlySet<string> | undefined];

/**
 * The instance key: `context`, then `;key=value` per param, keys sorted and
 * percent-encoded (the `X-Mizan-Invalidate` entry form, PROTOCOL.md §3.3).
 * Params that are `undefined` are left out, so `{a: 1, b: undefined}` and
 * `{a: 1}` are one instance. Example: `instanceKey('user', {user_id: 5})` is
 * `'user;user_id=5'`. Hydration data is keyed by it.
 */
export function instanceKey(name: string, params: object = {}): string {
  return formatTarget(name, definedParams(params));
}

/**
 * Whether a call with `args` may change the instance with `params`: the
 * server scopes by the arguments named like the context's params
 * (PROTOCOL.md §3.2), so every param the arguments name must agree.
 */
function agrees(args: Record<string, unknown>, params: Record<string, unknown>): boolean {
  return Object.keys(params).every((k) => args[k] === undefined || canonicalString(args[k]) === canonicalString(params[k]));
}

export class MizanClient {
  /** Every instance, by key (read by devtools). */
  readonly instances = new Map<string, ContextInstance<unknown>>();
  // `declare`: fields set in the constructor (or later) emit no class-field
  // initializer, bytes every app's bundle would carry (bench/client-size).
  private declare config: Settings;
  private declare activeTransport: Transport | undefined;
  private declare stopPush: (() => void) | undefined;
  /** `undefined` until a session was fetched; `null` when the server has no CSRF token. */
  private declare csrfToken: string | null | undefined;
  private declare session: Promise<string | null> | undefined;
  private readonly inflight = new Map<string, InFlight>();
  private pending: Pending[] = [];
  private declare readonly host: InstanceHost;
  private readonly events = new EventLog();
  private mounts = 0;
  private declare unlisten: (() => void) | undefined;

  constructor(config: MizanConfig = {}) {
    this.config = defaults();
    this.configure(config);
    this.host = {
      gcTimeMs: () => this.config.gcTimeMs,
      fetch: (instance, signal) => {
        this.emit({ type: 'fetch', key: instance.key });
        return this.fetchContext(instance.name, instance.params, signal);
      },
      watch: (instance) => this.transport.watch?.(instance.name, instance.params),
      drop: (instance) => {
        if (this.instances.get(instance.key) === instance) this.instances.delete(instance.key);
        this.emit({ type: 'instance', key: instance.key });
      },
    };
    const ssr = ssrData();
    if (ssr) this.hydrate(ssr.contexts);
  }

  /** Listens to what the client does and hears (devtools); returns the function that stops it. */
  on(listener: (event: MizanEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  /**
   * Starts listening to the page for `refetchOnFocus` and
   * `refetchOnReconnect`. Counted: the listeners go with the last
   * `unmount()`. A framework's provider calls both; a client that is never
   * mounted (server rendering, tests) touches no global.
   */
  mount(): void {
    if (this.mounts++ || typeof document === 'undefined') return;
    // Without a socket, the only ways to notice what changed while the page was away.
    const refetch = (option: boolean | undefined, cause: string) => (option ?? !this.config.live) && this.invalidateAll(cause);
    const focus = () => document.visibilityState === 'visible' && refetch(this.config.refetchOnFocus, 'focus');
    const online = () => refetch(this.config.refetchOnReconnect, 'reconnect');
    document.addEventListener('visibilitychange', focus);
    addEventListener('online', online);
    this.unlisten = () => {
      document.removeEventListener('visibilitychange', focus);
      removeEventListener('online', online);
    };
  }

  unmount(): void {
    if (this.mounts > 0 && --this.mounts === 0) this.unlisten?.();
  }

  /** Merges `config` into the current configuration; an `undefined` value restores the default. */
  configure(config: MizanConfig): this {
    const prev = this.config;
    const base = defaults();
    const given = Object.entries(config).map(([k, v]) => [k, v === undefined ? base[k as keyof Settings] : v]);
    this.config = { ...prev, ...(Object.fromEntries(given) as MizanConfig) };
    const rewire =
      (['baseUrl', 'credentials', 'fetch', 'transport'] as const).some((k) => prev[k] !== this.config[k]) ||
      !(prev.live === this.config.live || (prev.live && this.config.live && prev.live.same?.(this.config.live)));
    if (rewire && this.activeTransport) {
      // Another server, or another way to it: the old session, pushes and socket are not this one's.
      this.stopPush?.();
      this.activeTransport.close?.();
      this.stopPush = this.activeTransport = this.csrfToken = undefined;
      for (const instance of this.instances.values()) instance.rewatch();
      this.emit({ type: 'transport' });
    } else if (prev.token !== this.config.token) {
      this.activeTransport?.identityChanged?.();
    }
    return this;
  }

  /**
   * `GET /session/`: fetches and keeps the CSRF token. Retried with backoff;
   * a failure rejects, and the next call tries again.
   */
  initSession(): Promise<string | null> {
    const transport = this.transport;
    this.session ??= withRetry(
      async () => (transport.session ? (await transport.session(this.requestContext())).csrfToken : null),
      this.config,
    ).then(
      (token) => {
        this.session = undefined;
        return (this.csrfToken = token);
      },
      (error: unknown) => {
        this.session = undefined;
        throw error;
      },
    );
    return this.session;
  }

  /**
   * Calls one server function. Never retried. Shows `optimistic` changes at
   * once; applies the reply's `merge` entries, then its `refreshed` bundles,
   * then its `invalidate` targets (sparing what was refreshed). Rejects with
   * a `MizanError`, after taking the optimistic changes back.
   */
  async call<T = unknown, A extends object = object, S = Record<string, unknown>>(
    fn: string,
    args: A = {} as A,
    options: CallOptions<A, S> = {},
  ): Promise<T> {
    const a = args as Record<string, unknown>;
    const { optimistic = {}, affects = [] } = options as CallOptions<A>;
    const shown = () => [...this.instances.values()].filter((i) => i.subscribers && agrees(a, i.params));
    const layers: Array<[ContextInstance<unknown>, Layer]> = [];
    for (const instance of shown()) {
      for (const [slot, update] of Object.entries(optimistic)) {
        const layer = instance.layer(slot, (current) => update?.(current, args));
        if (layer) layers.push([instance, layer]);
      }
    }
    let body: CallResponse<T>;
    try {
      await options.after;
      const refresh =
        this.config.refresh === false
          ? []
          : shown()
              .filter((i) => affects.includes(i.name))
              .map((i) => i.key)
              .slice(0, REFRESH_LIMIT);
      this.emit({ type: 'call', fn, args, refresh });
      const init = this.requestContext(options.signal);
      // The session's CSRF token, fetched only if the call goes where it is checked (HTTP, not the socket).
      if (this.config.csrf && this.csrfToken === undefined && !init.token) init.csrf = () => this.initSession();
      body = (await this.transport.call(fn, a, init, refresh)).body as CallResponse<T>;
    } catch (e) {
      const error = toMizanError(e);
      for (const [instance, layer] of layers) instance.unlayer(layer);
      this.emit({ type: 'settled', fn, error });
      throw error;
    }
    this.emit({ type: 'settled', fn, result: body.result });
    const { merge, invalidate = [], refreshed = {} } = body;
    if (merge?.length) this.applyMerge(merge, fn);
    const fresh = new Set<string>();
    for (const [key, bundle] of Object.entries(refreshed)) {
      const instance = this.instances.get(key);
      // A failed refresh is left to the invalidation: the refetch reports (or retries) it.
      if (instance && isObject(bundle) && !isObject(bundle['error'])) {
        instance.receive(bundle);
        fresh.add(key);
        this.emit({ type: 'refresh', key, cause: fn });
      }
    }
    for (const [instance, layer] of layers) {
      // The server's data replaces the guess: now when it came with the reply (or nothing
      // changed there), else once the refetch the invalidation starts has landed.
      const refetches = !fresh.has(instance.key) && invalidate.some((t) => targetHits(t, instance.name, instance.params));
      if (refetches) instance.settle(layer);
      else instance.unlayer(layer);
    }
    if (invalidate.length) this.invalidate(invalidate, fn, fresh);
    return body.result;
  }

  /**
   * Fetches one context bundle. Retried on network errors and 5xx; identical
   * requests in flight are shared. A request is aborted once every caller
   * sharing it gave a `signal` and all of them fired (it then rejects with
   * `ABORTED`). Rejects with a `MizanError`.
   */
  fetchContext<T = Record<string, unknown>>(name: string, params: object = {}, signal?: AbortSignal): Promise<T> {
    const p = definedParams(params);
    const key = formatTarget(name, p);
    let entry = this.inflight.get(key);
    if (!entry) {
      const controller = new AbortController();
      const promise: Promise<Record<string, unknown>> = withRetry(
        () => this.transport.fetchContext(name, p, this.requestContext(controller.signal)),
        this.config,
      ).finally(() => {
        if (this.inflight.get(key)?.promise === promise) this.inflight.delete(key);
      });
      this.inflight.set(key, (entry = { name, params: p, promise, controller, holders: 0 }));
    }
    const shared = entry;
    if (!signal) shared.holders = Infinity;
    else {
      shared.holders++;
      signal.addEventListener(
        'abort',
        () => {
          if (--shared.holders) return;
          shared.controller.abort();
          if (this.inflight.get(key) === shared) this.inflight.delete(key);
        },
        { once: true },
      );
    }
    return shared.promise as Promise<T>;
  }

  /** The instance of context `name` with `params`, created on first use. */
  instance<T = Record<string, unknown>>(name: string, params: object = {}): ContextInstance<T> {
    const p = definedParams(params);
    const key = formatTarget(name, p);
    let instance = this.instances.get(key);
    if (instance) instance.params = p;
    else {
      this.instances.set(key, (instance = new ContextInstance(this.host, name, p, key)));
      this.emit({ type: 'instance', key });
    }
    return instance as ContextInstance<T>;
  }

  /**
   * Invalidates the instances hit by `targets` (PROTOCOL.md §3.2). Targets of
   * one tick are batched: each hit instance refetches once if it has
   * subscribers, else it is marked stale and refetches on its next subscribe.
   * `except` names instances to spare (they came back refreshed).
   */
  invalidate(
    targets: InvalidateTarget | readonly InvalidateTarget[],
    cause = 'invalidate',
    except?: ReadonlySet<string>,
  ): void {
    const list = ([] as InvalidateTarget[]).concat(targets);
    this.emit({ type: 'invalidate', targets: list, cause });
    if (this.pending.length === 0) queueMicrotask(() => this.flush());
    for (const target of list) this.pending.push([target, except]);
  }

  /** Splices merge entries into the matching instances' data. No request. */
  applyMerge(entries: readonly MergeEntry[], cause = 'merge'): void {
    this.emit({ type: 'merge', entries, cause });
    for (const entry of entries) {
      for (const instance of this.instances.values()) {
        if (instance.name === entry.context && scopeMatches(entry.params, instance.params)) instance.merge(entry);
      }
    }
  }

  /** Seeds instances with data keyed by `instanceKey`; they count as fresh, so no request is made. */
  hydrate(data: Record<string, unknown>): void {
    for (const [key, bundle] of Object.entries(data)) {
      const [target] = parseInvalidateHeader(key);
      if (target) this.instance<unknown>(targetContext(target), typeof target === 'string' ? {} : target.params).receive(bundle);
    }
  }

  /** The transport in use, made on first use from the configuration (channels reach it through this). */
  get transport(): Transport {
    if (!this.activeTransport) {
      const { transport, baseUrl, credentials, fetch, live } = this.config;
      const direct = transport ?? httpTransport({ baseUrl, ...(credentials && { credentials }), ...(fetch && { fetch }) });
      this.activeTransport = (live && live({ baseUrl, fallback: direct, token: () => this.token() ?? undefined })) || direct;
      this.stopPush = this.activeTransport.onPush?.((push) => {
        this.emit({ type: 'push', push });
        if (push.merge?.length) this.applyMerge(push.merge, 'push');
        if (push.invalidate?.length) this.invalidate(push.invalidate, 'push');
      });
    }
    return this.activeTransport;
  }

  private emit(event: MizanEvent): void {
    this.events.emit(event);
  }

  private flush(): void {
    // Grouped by context, so that each instance is checked only against the
    // targets naming its context: one pass over the instances per batch.
    const byContext = new Map<string, Pending[]>();
    for (const entry of this.pending) {
      const name = targetContext(entry[0]);
      const group = byContext.get(name);
      if (group) group.push(entry);
      else byContext.set(name, [entry]);
    }
    this.pending = [];
    const hit = (name: string, params: Record<string, unknown>, key?: string) =>
      byContext.get(name)?.some(([t, except]) => !(key && except?.has(key)) && targetHits(t, name, params));
    // A fetch already in flight may predate the change: later callers must not join it.
    for (const [key, entry] of this.inflight) if (hit(entry.name, entry.params)) this.inflight.delete(key);
    for (const instance of this.instances.values()) if (hit(instance.name, instance.params, instance.key)) instance.invalidate();
  }

  /** Every context, through the same batch as any other invalidation. */
  private invalidateAll(cause: string): void {
    this.invalidate([...new Set(Array.from(this.instances.values(), (instance) => instance.name))], cause);
  }

  private token(): string | null | undefined {
    const { token } = this.config;
    return typeof token === 'function' ? token() : token;
  }

  private requestContext(signal?: AbortSignal): RequestContext {
    const { headers } = this.config;
    const init: RequestContext = { headers: typeof headers === 'function' ? headers() : { ...headers } };
    const token = this.token();
    if (token) init.token = token;
    if (this.csrfToken) init.csrfToken = this.csrfToken;
    if (signal) init.signal = signal;
    return init;
  }
}

/**
 * Feeds an `X-Mizan-Invalidate` header to `client`, from a `Response` the app
 * fetched itself, its `Headers`, or the raw value; returns its targets. A
 * function rather than a method, so that an app that never calls it does not
 * carry it.
 */
export function processInvalidateHeader(
  client: MizanClient,
  source: string | Headers | { headers: Headers } | null | undefined,
): InvalidateTarget[] {
  const value =
    source == null || typeof source === 'string'
      ? source
      : ('get' in source ? source : source.headers).get(INVALIDATE_HEADER);
  const targets = value ? parseInvalidateHeader(value) : [];
  if (targets.length) client.invalidate(targets, 'header');
  return targets;
}

let shared: MizanClient | undefined;

/**
 * The default client, for code outside any provider. A provider without a
 * `client` makes its own, so that server renderings never share one.
 */
export function getClient(): MizanClient {
  return (shared ??= new MizanClient());
}

/** Configures the default client. */
export function configure(config: MizanConfig): MizanClient {
  return getClient().configure(config);
}
