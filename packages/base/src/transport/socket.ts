/**
 * The live transport: one WebSocket (PROTOCOL.md §6) for calls, fetches,
 * subscriptions and channels, with another transport (HTTP) for whatever
 * cannot wait for it.
 *
 * - The socket opens on first use. Requests made while it connects wait for
 *   it (at most `connectTimeoutMs`); while it is down they go over the
 *   fallback at once. A close the transport did not ask for is followed by
 *   a reconnect with backoff.
 * - Every watched instance is subscribed on each connection. A subscription
 *   only covers what is fetched after it is acknowledged, so the transport
 *   remembers which instances' data may predate theirs (fetched over the
 *   fallback, or before a drop) and, when it is acknowledged, pushes their
 *   invalidation through the same path as the server's: they refetch, once.
 * - Joined channels are joined again on each connection.
 * - The MWT goes in the URL (`?token=`: a browser cannot set headers on a
 *   WebSocket) and is read again before every frame: a changed token
 *   reconnects, so the server never answers for a stale identity.
 */
import { errorFromEnvelope, isObject, MizanError, statusOfCode } from '../error.js';
import { formatTarget } from '../invalidation.js';
import type { LiveTransport } from '../client.js';
import type { CallResponse, ChannelEvents, Push, RequestContext, Transport } from '../transport.js';
import { envelope } from './http.js';
import { deliverPush, type Joined, tell } from './pushes.js';

/**
 * The part of the WebSocket API the transport uses: the browser's
 * `WebSocket`, or another with the same shape (e.g. the `ws` package's in
 * Node). Handlers take `never` so that any such class fits; messages are
 * read as `{ data }`.
 */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}

export interface SocketTransportOptions {
  /** The socket's URL, `ws(s)://host/api/mizan/ws/`. */
  url: string;
  /** Carries what the socket cannot: requests while it is down, file uploads, the session. */
  fallback: Transport;
  /** The MWT to connect with, read at connect and before every frame. */
  token?: () => string | null | undefined;
  /** Opens a socket. Default: `new WebSocket(url)`. */
  socket?: (url: string) => SocketLike;
  /** Delay before reconnect `attempt` (0-based). Default 0.5–1 s, 1–2 s, 2–4 s… ≤ 30 s (jittered). */
  reconnectDelay?: (attempt: number) => number;
  /** How long requests wait for a connecting socket before taking the fallback. Default 5 s. */
  connectTimeoutMs?: number;
}

/** Default reconnect backoff: doubling from 1 s, capped at 30 s, each drawn from its upper half so that pages do not reconnect in step. */
export const reconnectBackoff = (attempt: number): number => {
  const ceiling = Math.min(1000 * 2 ** attempt, 30_000);
  return ceiling / 2 + (Math.random() * ceiling) / 2;
};

/** `ws(s)://…/ws/` for a mount point: `baseUrl` may be relative to the page. */
export function socketUrl(baseUrl: string, page: string | undefined = globalThis.location?.href): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/ws/`, page);
  url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
  return url.href;
}

export function socketTransport(options: SocketTransportOptions): Transport {
  return new SocketTransport(options);
}

/** How a client goes live over a WebSocket: `socketTransport`'s options but those the client gives. */
export type LiveOptions = Partial<Omit<SocketTransportOptions, 'fallback' | 'token'>>;

/**
 * Live over one WebSocket (PROTOCOL.md §6): the client's `live` option,
 * `configure({ live: websocket() })`. The socket is at `<baseUrl>/ws/`
 * unless `url` says otherwise; where there can be none (server rendering:
 * no WebSocket class and no `socket`, or a relative `baseUrl` and no page to
 * resolve it against) the client stays on HTTP.
 */
export function websocket(options: LiveOptions = {}): LiveTransport {
  const live = ({ baseUrl, fallback, token }: Parameters<LiveTransport>[0]) => {
    if (!options.socket && typeof WebSocket === 'undefined') return undefined;
    let url = options.url;
    try {
      url ??= socketUrl(baseUrl);
    } catch {
      return undefined;
    }
    return socketTransport({ ...options, url, fallback, token });
  };
  const same = (other: LiveTransport & { options?: LiveOptions }): boolean => {
    const theirs = other.options;
    const keys = new Set([...Object.keys(options), ...Object.keys(theirs ?? {})]);
    return !!theirs && [...keys].every((k) => options[k as keyof LiveOptions] === theirs[k as keyof LiveOptions]);
  };
  return Object.assign(live, { options, same });
}

type Phase = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';

interface Reply {
  [key: string]: unknown;
}

interface Pending {
  resolve(reply: Reply): void;
  reject(error: MizanError): void;
}

interface Watched {
  name: string;
  params: Record<string, unknown>;
  count: number;
  /** This connection's subscribe, settled with whether the server accepted it. */
  ack: Promise<boolean> | undefined;
  subscribed: boolean;
  /** Fetches waiting for `ack`: they will be covered by it. */
  waiting: number;
}

const NORMAL_CLOSURE = 1000;

class SocketTransport implements Transport {
  private readonly options: SocketTransportOptions;
  private readonly fallback: Transport;
  private phase: Phase = 'idle';
  private socket: SocketLike | undefined;
  private connectedToken: string | undefined;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Requests waiting for the connecting socket: told whether it opened. */
  private waiters: Array<(open: boolean) => void> = [];
  private readonly watched = new Map<string, Watched>();
  /** Instances whose data may predate their subscription: refetched when it is acknowledged. */
  private readonly unsynced = new Set<string>();
  private readonly channels = new Map<string, Joined>();
  private readonly pushListeners = new Set<(push: Push) => void>();

  constructor(options: SocketTransportOptions) {
    this.options = options;
    this.fallback = options.fallback;
    globalThis.addEventListener?.('online', this.wake);
  }

  /** The CSRF session is the fallback's: a call takes it whenever the socket is down. */
  session(init: RequestContext): Promise<{ csrfToken: string | null }> {
    return this.fallback.session ? this.fallback.session(init) : Promise.resolve({ csrfToken: null });
  }

  async call(fn: string, args: Record<string, unknown>, init: RequestContext, refresh?: readonly string[]) {
    // Files do not fit in a JSON frame: multipart over HTTP.
    const files = Object.values(args).some((v) => typeof Blob !== 'undefined' && v instanceof Blob);
    if (files || !(await this.ready())) return this.fallback.call(fn, args, init, refresh);
    const { id: _, ...body } = await this.request({ action: 'call', ...envelope(fn, args, refresh) }, init.signal);
    return { body: body as unknown as CallResponse<unknown> };
  }

  async fetchContext(name: string, params: Record<string, unknown>, init: RequestContext) {
    const key = formatTarget(name, params);
    if (!(await this.ready())) {
      this.unsynced.add(key);
      return this.fallback.fetchContext(name, params, init);
    }
    const watched = this.watched.get(key);
    if (watched?.ack) {
      watched.waiting++;
      try {
        await watched.ack;
      } finally {
        watched.waiting--;
      }
    }
    if (this.phase !== 'open') {
      this.unsynced.add(key);
      return this.fallback.fetchContext(name, params, init);
    }
    if (watched?.subscribed && this.watched.get(key) === watched) this.unsynced.delete(key);
    else this.unsynced.add(key);
    const reply = await this.request({ action: 'fetch', context: name, params }, init.signal);
    if (!isObject(reply['data'])) throw new MizanError(0, 'BAD_RESPONSE', 'A fetch reply without data');
    return reply['data'];
  }

  watch(name: string, params: Record<string, unknown>): () => void {
    const key = formatTarget(name, params);
    let entry = this.watched.get(key);
    if (entry) entry.count++;
    else {
      this.watched.set(key, (entry = { name, params, count: 1, ack: undefined, subscribed: false, waiting: 0 }));
      if (this.phase === 'open') this.subscribe(key, entry);
      else this.start();
    }
    let done = false;
    const watched = entry;
    return () => {
      if (done) return;
      done = true;
      if (--watched.count > 0 || this.watched.get(key) !== watched) return;
      this.watched.delete(key);
      this.unsynced.delete(key);
      if (this.phase === 'open') this.request({ action: 'unsubscribe', context: name, params }).catch(ignore);
    };
  }

  onPush(listener: (push: Push) => void): () => void {
    this.pushListeners.add(listener);
    return () => void this.pushListeners.delete(listener);
  }

  join(name: string, params: Record<string, unknown>, events: ChannelEvents): () => void {
    const key = formatTarget(name, params);
    let entry = this.channels.get(key);
    if (entry) {
      entry.holders.add(events);
      events.status(...entry.status);
    } else {
      entry = { name, params, holders: new Set([events]), ack: undefined, status: ['connecting'] };
      this.channels.set(key, entry);
      events.status('connecting');
      if (this.phase === 'open') this.joinChannel(entry);
      else this.start();
    }
    const joined = entry;
    return () => {
      if (!joined.holders.delete(events) || joined.holders.size > 0 || this.channels.get(key) !== joined) return;
      this.channels.delete(key);
      if (this.phase === 'open') this.request({ action: 'leave', channel: name, params }).catch(ignore);
    };
  }

  async send(name: string, params: Record<string, unknown>, message: unknown): Promise<void> {
    if (!(await this.ready())) {
      throw new MizanError(0, 'NETWORK_ERROR', `Not connected: a message to channel \`${name}\` needs the socket`);
    }
    // The server may only take a message after the join (PROTOCOL.md §6): wait for it.
    await this.channels.get(formatTarget(name, params))?.ack;
    await this.request({ action: 'send', channel: name, params, message });
  }

  identityChanged(): void {
    if ((this.phase === 'open' || this.phase === 'connecting') && this.token() !== this.connectedToken) {
      this.teardown(new MizanError(0, 'NETWORK_ERROR', 'The socket reconnected with a new token'));
      this.connect();
    }
  }

  close(): void {
    this.phase = 'closed';
    globalThis.removeEventListener?.('online', this.wake);
    this.teardown(new MizanError(0, 'ABORTED', 'The client closed its socket'));
  }

  /** Whether the socket is open for a request, waiting while it connects; reconnects first when the token changed. */
  private ready(): Promise<boolean> {
    this.identityChanged();
    this.start();
    if (this.phase === 'open') return Promise.resolve(true);
    if (this.phase === 'connecting') return new Promise((resolve) => this.waiters.push(resolve));
    return Promise.resolve(false);
  }

  /** Opens the socket on first use. */
  private start(): void {
    if (this.phase === 'idle') this.connect();
  }

  private connect(): void {
    clearTimeout(this.timer);
    this.phase = 'connecting';
    const token = this.token();
    this.connectedToken = token;
    const url = token ? `${this.options.url}${this.options.url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : this.options.url;
    let socket: SocketLike;
    try {
      socket = (this.options.socket ?? ((u) => new WebSocket(u) as unknown as SocketLike))(url);
    } catch {
      this.lost();
      return;
    }
    this.socket = socket;
    this.timer = setTimeout(() => this.socket === socket && this.lost(), this.options.connectTimeoutMs ?? 5000);
    socket.onopen = () => {
      if (this.socket !== socket) return;
      clearTimeout(this.timer);
      this.phase = 'open';
      this.attempt = 0;
      // Subscriptions and joins go out before the requests that waited, so a waiting fetch finds its ack pending.
      for (const [key, entry] of this.watched) this.subscribe(key, entry);
      for (const entry of this.channels.values()) this.joinChannel(entry);
      this.release(true);
    };
    socket.onmessage = (event: { data: unknown }) => {
      if (this.socket === socket) this.receive(event.data);
    };
    socket.onclose = () => {
      if (this.socket === socket) this.lost();
    };
    socket.onerror = () => undefined; // a close follows
  }

  /** The socket closed (or never opened): everything on it is over; reconnect after a delay. */
  private lost(): void {
    this.teardown(new MizanError(0, 'NETWORK_ERROR', 'The socket closed before the server answered'));
    if (this.phase === 'closed') return;
    this.phase = 'waiting';
    const delay = (this.options.reconnectDelay ?? reconnectBackoff)(this.attempt++);
    this.timer = setTimeout(() => this.phase === 'waiting' && this.connect(), delay);
    // Never keep a server-side process alive just to reconnect.
    (this.timer as unknown as { unref?: () => void }).unref?.();
  }

  /** Ends the current socket: pending requests fail with `error`, waiting ones take the fallback, subscriptions and joins are to be made again. */
  private teardown(error: MizanError): void {
    clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      try {
        socket.close(NORMAL_CLOSURE);
      } catch {
        // Already closed.
      }
    }
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
    this.release(false);
    for (const [key, entry] of this.watched) {
      // Pushes for it are lost from now on: what it shows must be checked after the next subscription.
      entry.ack = undefined;
      entry.subscribed = false;
      this.unsynced.add(key);
    }
    for (const entry of this.channels.values()) {
      if (entry.ack) tell(entry, 'connecting');
      entry.ack = undefined;
    }
  }

  private release(open: boolean): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve(open);
  }

  private subscribe(key: string, entry: Watched): void {
    const ack = this.request({ action: 'subscribe', context: entry.name, params: entry.params }).then(
      () => true,
      () => false,
    );
    entry.ack = ack;
    void ack.then((ok) => {
      if (entry.ack !== ack) return;
      entry.subscribed = ok;
      // A fetch waiting for this ack is covered by it; otherwise the data it has may have missed a push.
      if (ok && entry.waiting === 0 && this.unsynced.delete(key)) {
        this.emit({ invalidate: [{ context: entry.name, params: entry.params }] });
      }
    });
  }

  private joinChannel(entry: Joined): void {
    const ack: Promise<boolean> = this.request({ action: 'join', channel: entry.name, params: entry.params }).then(
      () => {
        if (entry.ack === ack) tell(entry, 'joined');
        return true;
      },
      (error: MizanError) => {
        if (entry.ack === ack) tell(entry, 'error', error);
        return false;
      },
    );
    entry.ack = ack;
  }

  private request(frame: Record<string, unknown>, signal?: AbortSignal): Promise<Reply> {
    const socket = this.socket;
    if (!socket || this.phase !== 'open') {
      return Promise.reject(new MizanError(0, 'NETWORK_ERROR', 'The socket is not open'));
    }
    if (signal?.aborted) return Promise.reject(new MizanError(0, 'ABORTED', 'Request aborted'));
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const abort = () => {
        this.pending.delete(id);
        reject(new MizanError(0, 'ABORTED', 'Request aborted'));
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.pending.set(id, {
        resolve: (reply) => {
          signal?.removeEventListener('abort', abort);
          resolve(reply);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', abort);
          reject(error);
        },
      });
      try {
        socket.send(JSON.stringify({ ...frame, id }));
      } catch (e) {
        this.pending.delete(id);
        reject(new MizanError(0, 'NETWORK_ERROR', e instanceof Error ? e.message : String(e)));
      }
    });
  }

  private receive(data: unknown): void {
    let frame: unknown;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      return; // Not the protocol: nothing to act on.
    }
    if (!isObject(frame)) return;
    const id = frame['id'];
    if (typeof id === 'number') {
      const pending = this.pending.get(id);
      if (!pending) return;
      this.pending.delete(id);
      const error = frame['error'];
      if (isObject(error)) pending.reject(errorFromEnvelope(statusOfCode(error['code']), frame));
      else pending.resolve(frame);
      return;
    }
    deliverPush(frame, (push) => this.emit(push), this.channels);
  }

  private emit(push: Push): void {
    for (const listener of this.pushListeners) listener(push);
  }

  private token(): string | undefined {
    return this.options.token?.() ?? undefined;
  }

  /** The browser is back online: reconnect now rather than at the end of the backoff. */
  private readonly wake = (): void => {
    if (this.phase !== 'waiting') return;
    this.attempt = 0;
    this.connect();
  };
}

function ignore(): void {}
