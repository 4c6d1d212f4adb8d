/**
 * A transport over a desktop host's IPC (PROTOCOL.md §7): a Tauri window
 * (`@mizan/tauri`), a page inside a webview or an iframe (`@mizan/webview`).
 * The host carries one message at a time — `{op: 'call' | 'fetch' |
 * 'subscribe' | …}`, the socket's frame with `op` for `action` and no id —
 * and answers with the HTTP payload or the error envelope's inner object;
 * pushes come back as the socket's push objects. Each host provides only an
 * `IpcPort`; what the messages mean lives here, once.
 *
 * - A subscription covers what is fetched after it is acknowledged: a fetch
 *   of a watched instance waits for its `subscribe`, and an instance whose
 *   data may predate its subscription (fetched before it was watched, or
 *   before a reset) refetches once when it is acknowledged.
 * - A reset (the host dropped this page's live state) subscribes and joins
 *   everything again, and refetches what is shown.
 * - Files travel in the message (`uploads`, base64): IPC has no multipart.
 */
import { errorFromEnvelope, isObject, MizanError, statusOfCode, toMizanError } from '../error.js';
import { formatTarget } from '../invalidation.js';
import type { CallResponse, ChannelEvents, Push, Transport } from '../transport.js';
import { envelope } from './http.js';
import { deliverPush, type Joined, tell } from './pushes.js';

/** One message to the host (PROTOCOL.md §7). */
export interface IpcMessage {
  op: 'call' | 'fetch' | 'subscribe' | 'unsubscribe' | 'join' | 'send' | 'leave';
  [key: string]: unknown;
}

/** What a host tells the page unasked. */
export interface IpcEvents {
  /** A push: the socket's object, `{action: 'invalidate' | 'merge' | 'message', ...}`. */
  push(push: unknown): void;
  /** The host dropped this page's subscriptions and channels: make them again. */
  reset(): void;
  /** A joined channel's status changed on the host's side (a host relaying to a socket that reconnects). */
  status?(channel: string, params: Record<string, unknown>, status: 'connecting' | 'joined' | 'error', error?: unknown): void;
}

/** The host's side of the wire, as a transport package provides it. */
export interface IpcPort {
  /**
   * Sends one message; resolves with the reply payload, rejects with the
   * error's inner object `{code, message, details?}` (anything else is a
   * failure of the IPC itself).
   */
  request(message: IpcMessage, signal?: AbortSignal): Promise<unknown>;
  /** Starts hearing the host; resolves (or returns) the function that stops it once it listens. */
  listen(events: IpcEvents): Promise<() => void> | (() => void);
}

export function ipcTransport(port: IpcPort): Transport {
  return new IpcTransport(port);
}

interface Watched {
  name: string;
  params: Record<string, unknown>;
  count: number;
  /** The `subscribe`, settled with whether the host accepted it. */
  ack: Promise<boolean>;
  /** Fetches waiting for `ack`: they will be covered by it. */
  waiting: number;
}

class IpcTransport implements Transport {
  private readonly port: IpcPort;
  private listening: Promise<void> | undefined;
  private stop: (() => void) | undefined;
  private closed = false;
  private readonly watched = new Map<string, Watched>();
  /** Instances whose data may predate their subscription: refetched when it is acknowledged. */
  private readonly unsynced = new Set<string>();
  private readonly channels = new Map<string, Joined>();
  private readonly pushListeners = new Set<(push: Push) => void>();

  constructor(port: IpcPort) {
    this.port = port;
  }

  async call(fn: string, args: Record<string, unknown>, init: { signal?: AbortSignal }, refresh?: readonly string[]) {
    const message: IpcMessage = { op: 'call', ...envelope(fn, args, refresh) };
    const files = Object.keys(args).filter((k) => typeof Blob !== 'undefined' && args[k] instanceof Blob);
    if (files.length > 0) {
      const rest = { ...args };
      const uploads: Record<string, unknown> = {};
      for (const k of files) {
        uploads[k] = await encodeFile(args[k] as Blob);
        delete rest[k];
      }
      Object.assign(message, { args: rest, uploads });
    }
    const reply = await this.request(message, init.signal);
    if (!isObject(reply)) throw new MizanError(0, 'BAD_RESPONSE', 'A call reply that is not an object');
    return { body: reply as unknown as CallResponse<unknown> };
  }

  async fetchContext(name: string, params: Record<string, unknown>, init: { signal?: AbortSignal }) {
    const key = formatTarget(name, params);
    const watched = this.watched.get(key);
    if (watched) {
      watched.waiting++;
      try {
        await watched.ack;
      } finally {
        watched.waiting--;
      }
    } else {
      this.unsynced.add(key);
    }
    const bundle = await this.request({ op: 'fetch', context: name, params }, init.signal);
    if (!isObject(bundle)) throw new MizanError(0, 'BAD_RESPONSE', 'A fetch reply that is not an object');
    return bundle;
  }

  watch(name: string, params: Record<string, unknown>): () => void {
    const key = formatTarget(name, params);
    let entry = this.watched.get(key);
    if (entry) entry.count++;
    else {
      entry = { name, params, count: 1, ack: Promise.resolve(false), waiting: 0 };
      this.watched.set(key, entry);
      this.subscribe(key, entry);
    }
    let done = false;
    const watched = entry;
    return () => {
      if (done) return;
      done = true;
      if (--watched.count > 0 || this.watched.get(key) !== watched) return;
      this.watched.delete(key);
      this.unsynced.delete(key);
      this.request({ op: 'unsubscribe', context: name, params }).catch(ignore);
    };
  }

  onPush(listener: (push: Push) => void): () => void {
    this.pushListeners.add(listener);
    void this.listen();
    return () => void this.pushListeners.delete(listener);
  }

  join(name: string, params: Record<string, unknown>, events: ChannelEvents): () => void {
    const key = formatTarget(name, params);
    let entry = this.channels.get(key);
    if (entry) {
      entry.holders.add(events);
      events.status(...entry.status);
    } else {
      entry = { name, params, holders: new Set([events]), ack: Promise.resolve(false), status: ['connecting'] };
      this.channels.set(key, entry);
      this.joinChannel(entry);
    }
    const joined = entry;
    return () => {
      if (!joined.holders.delete(events) || joined.holders.size > 0 || this.channels.get(key) !== joined) return;
      this.channels.delete(key);
      this.request({ op: 'leave', channel: name, params }).catch(ignore);
    };
  }

  async send(name: string, params: Record<string, unknown>, message: unknown): Promise<void> {
    // The server takes a message only after the join (PROTOCOL.md §6): wait for it.
    await this.channels.get(formatTarget(name, params))?.ack;
    await this.request({ op: 'send', channel: name, params, message });
  }

  close(): void {
    this.closed = true;
    this.stop?.();
    this.stop = undefined;
  }

  /** Hears the host from the first use on; live requests wait for it, so no push is missed. */
  private listen(): Promise<void> {
    this.listening ??= Promise.resolve(
      this.port.listen({
        push: (push) => deliverPush(push, (out) => this.emit(out), this.channels),
        reset: () => this.reset(),
        status: (channel, params, status, error) => {
          const entry = this.channels.get(formatTarget(channel, params));
          if (entry) tell(entry, status, status === 'error' ? toError(error) : undefined);
        },
      }),
    ).then(
      (stop) => {
        if (this.closed) stop();
        else this.stop = stop;
      },
      ignore,
    );
    return this.listening;
  }

  private subscribe(key: string, entry: Watched): void {
    const ack = this.listen()
      .then(() => this.request({ op: 'subscribe', context: entry.name, params: entry.params }))
      .then(
        () => true,
        () => false,
      );
    entry.ack = ack;
    void ack.then((ok) => {
      if (entry.ack !== ack || !ok) return;
      // A fetch waiting for this ack is covered by it; otherwise the data shown may have missed a push.
      if (entry.waiting === 0 && this.unsynced.delete(key)) {
        this.emit({ invalidate: [{ context: entry.name, params: entry.params }] });
      } else this.unsynced.delete(key);
    });
  }

  private joinChannel(entry: Joined): void {
    tell(entry, 'connecting');
    const ack: Promise<boolean> = this.listen()
      .then(() => this.request({ op: 'join', channel: entry.name, params: entry.params }))
      .then(
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

  /** The host forgot this page's subscriptions and joins: make them again; what is shown may be stale. */
  private reset(): void {
    for (const [key, entry] of this.watched) {
      this.unsynced.add(key);
      this.subscribe(key, entry);
    }
    for (const entry of this.channels.values()) this.joinChannel(entry);
  }

  private async request(message: IpcMessage, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) throw new MizanError(0, 'ABORTED', 'Request aborted');
    try {
      return await this.port.request(message, signal);
    } catch (e) {
      throw toError(e);
    }
  }

  private emit(push: Push): void {
    for (const listener of this.pushListeners) listener(push);
  }
}

/** A rejection from the host: the envelope's inner object, with the status its code has over HTTP; anything else failed in the IPC itself. */
function toError(e: unknown): MizanError {
  if (isObject(e) && typeof e['code'] === 'string') return errorFromEnvelope(statusOfCode(e['code']), { error: e });
  return toMizanError(e);
}

/** `{name, type, data}` with the bytes in base64, as the core reads `uploads`. */
async function encodeFile(file: Blob): Promise<Record<string, unknown>> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const name = (file as { name?: unknown }).name;
  return { name: typeof name === 'string' ? name : '', type: file.type, data: btoa(binary) };
}

function ignore(): void {}
