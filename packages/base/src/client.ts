/**
 * The kernel: one client owns the reconciled view of the server (its context
 * instances) and the paths that change it (responses, pushes, headers).
 */
import { ChannelInstance, type ChannelHost, notLive } from './channel.js';
import { toMizanError } from './error.js';
import { ContextInstance, type InstanceHost } from './instance.js';
import {
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
import type { Push, RequestContext, Transport } from './transport.js';
import { ssrData } from './ssr.js';
import { httpTransport } from './transport/http.js';
import { type SocketTransportOptions, socketTransport, socketUrl } from './transport/socket.js';

/** How the client goes live (`live: true` takes every default). */
export type LiveOptions = Partial<Omit<SocketTransportOptions, 'fallback' | 'token'>>;

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
   * Live updates over one WebSocket (PROTOCOL.md §6): calls, fetches and
   * channels go over it while it is open (HTTP, or `transport`, while it is
   * down), and the server pushes every invalidation and merge that hits an
   * instance this client shows. `true`, or options (`url`, `socket`,
   * `reconnectDelay`, `connectTimeoutMs`; see `socketTransport`).
   */
  live?: boolean | LiveOptions;
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
  /** Retries of a failed context fetch or session init (network errors, 5xx). Default 3. */
  retry?: number;
  /** Delay before retry `attempt` (0-based). Default 1 s, 2 s, 4 s... capped at 30 s. */
  retryDelay?: (attempt: number) => number;
  /** How long an instance with no subscribers is kept. Default 5 minutes. */
  gcTimeMs?: number;
  /**
   * Refetch watched instances when the page becomes visible. Default: on in
   * browsers, unless `live` (the socket's pushes keep them fresh).
   */
  refetchOnFocus?: boolean;
  /**
   * Refetch watched instances when the browser comes back online. Default:
   * on in browsers, unless `live` (the socket refetches what may have missed
   * a push when it reconnects).
   */
  refetchOnReconnect?: boolean;
}

type Settings = MizanConfig & Required<Pick<MizanConfig, 'baseUrl' | 'csrf' | 'retry' | 'retryDelay' | 'gcTimeMs'>>;

const inBrowser = typeof window !== 'undefined' && typeof document !== 'undefined';

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
}

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

function definedParams(params: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v;
  return out;
}

export class MizanClient {
  private config: Settings;
  private activeTransport: Transport | undefined;
  private stopPush: (() => void) | undefined;
  /** `undefined` until a session was fetched; `null` when the server has no CSRF token. */
  private csrfToken: string | null | undefined;
  private session: Promise<string | null> | undefined;
  private readonly instances = new Map<string, ContextInstance<unknown>>();
  private readonly channels = new Map<string, ChannelInstance<unknown, unknown>>();
  private readonly inflight = new Map<string, InFlight>();
  private pending: InvalidateTarget[] = [];
  private readonly host: InstanceHost;
  private readonly channelHost: ChannelHost;

  constructor(config: MizanConfig = {}) {
    this.config = defaults();
    this.configure(config);
    this.host = {
      gcTimeMs: () => this.config.gcTimeMs,
      fetchContext: (name, params) => this.fetchContext(name, params),
      watch: (instance) => this.transport.watch?.(instance.name, instance.params),
      drop: (instance) => {
        if (this.instances.get(instance.key) === instance) this.instances.delete(instance.key);
      },
    };
    this.channelHost = {
      join: (channel, events) => this.transport.join?.(channel.name, channel.params, events),
      send: (channel, message) => {
        const { transport } = this;
        return transport.send ? transport.send(channel.name, channel.params, message) : Promise.reject(notLive(channel.name));
      },
      adopt: (channel) => {
        if (!this.channels.has(channel.key)) this.channels.set(channel.key, channel);
      },
      drop: (channel) => {
        if (this.channels.get(channel.key) === channel) this.channels.delete(channel.key);
      },
    };
    const ssr = ssrData();
    if (ssr) this.hydrate(ssr.contexts);
    if (inBrowser) {
      // Without a socket, the only ways to notice what changed while the page was away.
      const refetch = (option: boolean | undefined) => (option ?? !this.config.live) && this.invalidateAll();
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') refetch(this.config.refetchOnFocus);
      });
      window.addEventListener('online', () => refetch(this.config.refetchOnReconnect));
    }
  }

  /** Merges `config` into the current configuration; an `undefined` value restores the default. */
  configure(config: MizanConfig): this {
    const prev = this.config;
    const base = defaults();
    const given = Object.entries(config).map(([k, v]) => [k, v === undefined ? base[k as keyof Settings] : v]);
    this.config = { ...prev, ...(Object.fromEntries(given) as MizanConfig) };
    const rewire =
      (['baseUrl', 'credentials', 'fetch', 'transport'] as const).some((k) => prev[k] !== this.config[k]) ||
      !sameLive(prev.live, this.config.live);
    if (rewire && this.activeTransport) {
      // Another server, or another way to it: the old session, pushes and socket are not this one's.
      this.stopPush?.();
      this.activeTransport.close?.();
      this.stopPush = this.activeTransport = this.csrfToken = undefined;
      for (const instance of this.instances.values()) instance.rewatch();
      for (const channel of this.channels.values()) channel.rejoin();
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
   * Calls one server function. Never retried. Applies the response's `merge`
   * entries, then its `invalidate` targets. Rejects with a `MizanError`.
   */
  async call<T = unknown>(fn: string, args: object = {}, options: { signal?: AbortSignal } = {}): Promise<T> {
    if (this.config.csrf && this.csrfToken === undefined && !this.token()) await this.initSession();
    let response: Awaited<ReturnType<Transport['call']>>;
    try {
      response = await this.transport.call(fn, args as Record<string, unknown>, this.requestContext(options.signal));
    } catch (e) {
      throw toMizanError(e);
    }
    const { body } = response;
    if (body.merge?.length) this.applyMerge(body.merge);
    if (body.invalidate?.length) this.invalidate(body.invalidate);
    return body.result as T;
  }

  /**
   * Fetches one context bundle. Retried on network errors and 5xx; identical
   * requests in flight are shared. Rejects with a `MizanError`.
   */
  fetchContext<T = Record<string, unknown>>(name: string, params: object = {}): Promise<T> {
    const p = definedParams(params);
    const key = formatTarget(name, p);
    let entry = this.inflight.get(key);
    if (!entry) {
      const promise: Promise<Record<string, unknown>> = withRetry(
        () => this.transport.fetchContext(name, p, this.requestContext()),
        this.config,
      ).finally(() => {
        if (this.inflight.get(key)?.promise === promise) this.inflight.delete(key);
      });
      this.inflight.set(key, (entry = { name, params: p, promise }));
    }
    return entry.promise as Promise<T>;
  }

  /** The instance of context `name` with `params`, created on first use. */
  instance<T = Record<string, unknown>>(name: string, params: object = {}): ContextInstance<T> {
    const p = definedParams(params);
    const key = formatTarget(name, p);
    let instance = this.instances.get(key);
    if (instance) instance.params = p;
    else this.instances.set(key, (instance = new ContextInstance(this.host, name, p, key)));
    return instance as ContextInstance<T>;
  }

  /**
   * Invalidates the instances hit by `targets` (PROTOCOL.md §3.2). Targets of
   * one tick are batched: each hit instance refetches once if it has
   * subscribers, else it is marked stale and refetches on its next subscribe.
   */
  invalidate(targets: InvalidateTarget | readonly InvalidateTarget[]): void {
    if (this.pending.length === 0) queueMicrotask(() => this.flush());
    this.pending = this.pending.concat(targets);
  }

  /** Splices merge entries into the matching instances' data. No request. */
  applyMerge(entries: readonly MergeEntry[]): void {
    for (const entry of entries) {
      for (const instance of this.instances.values()) {
        if (instance.name === entry.context && scopeMatches(entry.params, instance.params)) instance.merge(entry);
      }
    }
  }

  /**
   * Feeds an `X-Mizan-Invalidate` header to the kernel, from a `Response`
   * the app fetched itself, its `Headers`, or the raw value.
   */
  processInvalidateHeader(source: string | Headers | { headers: Headers } | null | undefined): InvalidateTarget[] {
    const value =
      source == null || typeof source === 'string'
        ? source
        : ('get' in source ? source : source.headers).get(INVALIDATE_HEADER);
    const targets = value ? parseInvalidateHeader(value) : [];
    if (targets.length) this.invalidate(targets);
    return targets;
  }

  /**
   * The channel instance `name` with `params` (PROTOCOL.md §6.1), created on
   * first use: joined while it has subscribers (or `join()` holders), with
   * the messages received since. Needs `live`.
   */
  channel<S = unknown, M = unknown>(name: string, params: object = {}): ChannelInstance<S, M> {
    const p = definedParams(params);
    const key = formatTarget(name, p);
    let channel = this.channels.get(key);
    if (!channel) this.channels.set(key, (channel = new ChannelInstance(this.channelHost, name, p, key)));
    return channel as ChannelInstance<S, M>;
  }

  /** Seeds instances with data keyed by `instanceKey`; they count as fresh, so no request is made. */
  hydrate(data: Record<string, unknown>): void {
    for (const [key, bundle] of Object.entries(data)) {
      const [target] = parseInvalidateHeader(key);
      if (target) this.instance<unknown>(targetContext(target), typeof target === 'string' ? {} : target.params).seed(bundle);
    }
  }

  private get transport(): Transport {
    if (!this.activeTransport) {
      const { transport, baseUrl, credentials, fetch, live } = this.config;
      const direct = transport ?? httpTransport({ baseUrl, ...(credentials && { credentials }), ...(fetch && { fetch }) });
      const options = live === true ? {} : live || undefined;
      const url = options && liveUrl(baseUrl, options);
      this.activeTransport =
        options && url ? socketTransport({ url, ...options, fallback: direct, token: () => this.token() }) : direct;
      this.stopPush = this.activeTransport.onPush?.((push) => this.receive(push));
    }
    return this.activeTransport;
  }

  private receive(push: Push): void {
    if (push.merge?.length) this.applyMerge(push.merge);
    if (push.invalidate?.length) this.invalidate(push.invalidate);
  }

  private flush(): void {
    // Grouped by context, so that each instance is checked only against the
    // targets naming its context: one pass over the instances per batch.
    const byContext = new Map<string, InvalidateTarget[]>();
    for (const target of this.pending) {
      const name = targetContext(target);
      const group = byContext.get(name);
      if (group) group.push(target);
      else byContext.set(name, [target]);
    }
    this.pending = [];
    const hit = (name: string, params: Record<string, unknown>) =>
      byContext.get(name)?.some((t) => targetHits(t, name, params)) ?? false;
    // A fetch already in flight may predate the change: later callers must not join it.
    for (const [key, entry] of this.inflight) if (hit(entry.name, entry.params)) this.inflight.delete(key);
    for (const instance of this.instances.values()) if (hit(instance.name, instance.params)) instance.invalidate();
  }

  /** Every context, through the same batch as any other invalidation. */
  private invalidateAll(): void {
    this.invalidate([...new Set(Array.from(this.instances.values(), (instance) => instance.name))]);
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
 * Where the socket is, or `undefined` where there can be none — server
 * rendering: no WebSocket class and none given, or a relative `baseUrl` and
 * no page to resolve it against. The client then stays on HTTP.
 */
function liveUrl(baseUrl: string, options: LiveOptions): string | undefined {
  if (!options.socket && typeof WebSocket === 'undefined') return undefined;
  if (options.url) return options.url;
  try {
    return socketUrl(baseUrl);
  } catch {
    return undefined;
  }
}

/** Two `live` settings that make the same transport (an object literal per render is the same setting). */
function sameLive(a: MizanConfig['live'], b: MizanConfig['live']): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k as keyof LiveOptions] === b[k as keyof LiveOptions]);
}

let shared: MizanClient | undefined;

/** The default client, shared by everything that is not given one. */
export function getClient(): MizanClient {
  return (shared ??= new MizanClient());
}

/** Configures the default client. */
export function configure(config: MizanConfig): MizanClient {
  return getClient().configure(config);
}
