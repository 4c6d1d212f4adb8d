/**
 * The host's side: serves one page's messages by relaying them to any other
 * transport (HTTP, the live socket — whatever reaches the server), and
 * forwards what that transport pushes back to the page. The host supplies
 * the identity (`context`): the page carries no credential of its own.
 */
import { MizanError, type RequestContext, type Transport } from '@mizan/base';
import { type Envelope, isEnvelope, type PostChannel, TAG, windowChannel } from './channel.js';

export type ServeWebviewOptions = {
  /** Where the messages go: `httpTransport(...)`, `socketTransport(...)`, or any `Transport`. */
  transport: Transport;
  /**
   * The identity and headers each request goes with (a token, a CSRF token
   * the host fetched), read per request. Default: none.
   */
  context?: () => RequestContext;
} & (
  | {
      /** The page's window (`iframe.contentWindow`, or a function reading it when it is replaced). */
      page: Parameters<typeof windowChannel>[0]['peer'];
      /** The page's exact origin: only its messages are served. */
      pageOrigin: string;
    }
  | {
      /** Any other channel to the page (a VS Code webview's `postMessage` and `onDidReceiveMessage`). */
      channel: PostChannel;
    }
);

type Params = Record<string, unknown>;

/** Serves the page until the returned function is called, which forgets its subscriptions and leaves its channels. */
export function serveWebview(options: ServeWebviewOptions): () => void {
  const { transport } = options;
  const channel = 'channel' in options ? options.channel : windowChannel({ peer: options.page, origin: options.pageOrigin });
  const send = (message: Omit<Envelope, 'mizan'>) => channel.post({ mizan: TAG, ...message });
  const inflight = new Map<number, AbortController>();
  /** What the page watches and joined, by instance key: the transport's release functions. */
  const watched = new Map<string, () => void>();
  const joined = new Map<string, () => void>();
  const context = () => options.context?.() ?? {};

  const stopPush = transport.onPush?.((push) => {
    if (push.merge?.length) send({ push: { action: 'merge', merge: push.merge } });
    if (push.invalidate?.length) send({ push: { action: 'invalidate', invalidate: push.invalidate } });
  });

  async function answer(message: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
    const init: RequestContext = { ...context(), signal };
    const name = (key: string) => {
      const value = message[key];
      if (typeof value !== 'string' || !value) throw new MizanError(400, 'BAD_REQUEST', `\`${key}\` is missing`);
      return value;
    };
    const params = (): Params => (isRecord(message['params']) ? message['params'] : {});
    const key = (kind: string, n: string, p: Params) => `${kind}\u0000${n}\u0000${JSON.stringify(p, Object.keys(p).sort())}`;
    switch (message['op']) {
      case 'call': {
        const args = isRecord(message['args']) ? { ...message['args'] } : {};
        if (isRecord(message['uploads'])) for (const [k, file] of Object.entries(message['uploads'])) args[k] = decodeFile(file);
        // Single-flight (PROTOCOL.md §3.5): the page's `refresh` keys go on with the call.
        const refresh = Array.isArray(message['refresh']) ? message['refresh'].filter((k): k is string => typeof k === 'string') : undefined;
        return (await transport.call(name('fn'), args, init, refresh)).body;
      }
      case 'fetch':
        return transport.fetchContext(name('context'), params(), init);
      case 'subscribe': {
        const k = key('ctx', name('context'), params());
        if (!watched.has(k)) watched.set(k, transport.watch?.(name('context'), params()) ?? noop);
        return { ok: true };
      }
      case 'unsubscribe': {
        const k = key('ctx', name('context'), params());
        watched.get(k)?.();
        watched.delete(k);
        return { ok: true };
      }
      case 'join': {
        const n = name('channel');
        const p = params();
        const k = key('chan', n, p);
        if (!transport.join) throw new MizanError(0, 'NOT_LIVE', `Channel \`${n}\` needs a live transport on the host`);
        if (joined.has(k)) return { ok: true };
        return new Promise((resolve, reject) => {
          let first = true;
          const leave = transport.join!(n, p, {
            status(status, error) {
              if (first && status !== 'connecting') {
                first = false;
                if (status === 'joined') resolve({ ok: true });
                else {
                  joined.delete(k);
                  leave();
                  reject(error ?? new MizanError(0, 'NETWORK_ERROR', 'The join failed'));
                }
                return;
              }
              if (!first) send({ status: { channel: n, params: p, status, ...(error && { error: inner(error) }) } });
            },
            message(payload) {
              send({ push: { action: 'message', channel: n, message: payload, params: p } });
            },
          });
          joined.set(k, leave);
        });
      }
      case 'leave': {
        const k = key('chan', name('channel'), params());
        joined.get(k)?.();
        joined.delete(k);
        return { ok: true };
      }
      case 'send': {
        if (!transport.send) throw new MizanError(0, 'NOT_LIVE', 'Channels need a live transport on the host');
        await transport.send(name('channel'), params(), message['message']);
        return { ok: true };
      }
      default:
        throw new MizanError(400, 'BAD_REQUEST', `Unknown op \`${String(message['op'])}\``);
    }
  }

  const stopListening = channel.subscribe((received) => {
    if (!isEnvelope(received) || typeof received['id'] !== 'number') return;
    const id = received['id'];
    if (received['cancel'] === true) {
      inflight.get(id)?.abort();
      inflight.delete(id);
      return;
    }
    const message = received['message'];
    if (!isRecord(message)) {
      send({ id, error: { code: 'BAD_REQUEST', message: 'A message must be an object: {"op": ...}' } });
      return;
    }
    const controller = new AbortController();
    inflight.set(id, controller);
    answer(message, controller.signal).then(
      (reply) => {
        if (inflight.delete(id)) send({ id, reply });
      },
      (error: unknown) => {
        if (inflight.delete(id)) send({ id, error: inner(error) });
      },
    );
  });

  return () => {
    stopListening();
    stopPush?.();
    for (const controller of inflight.values()) controller.abort();
    inflight.clear();
    for (const release of [...watched.values(), ...joined.values()]) release();
    watched.clear();
    joined.clear();
  };
}

/** The error envelope's inner object, as the page's transport reads it. */
function inner(error: unknown): Record<string, unknown> {
  if (error instanceof MizanError) {
    return { code: error.code, message: error.message, ...(error.details && { details: error.details }) };
  }
  return { code: 'NETWORK_ERROR', message: error instanceof Error ? error.message : String(error) };
}

/** A file of the message's `uploads` (`{name, type, data: base64}`), for a transport that sends files. */
function decodeFile(file: unknown): Blob {
  const spec = isRecord(file) ? file : {};
  const binary = atob(typeof spec['data'] === 'string' ? spec['data'] : '');
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  const type = typeof spec['type'] === 'string' ? spec['type'] : '';
  const name = typeof spec['name'] === 'string' ? spec['name'] : '';
  return typeof File !== 'undefined' ? new File([bytes], name, { type }) : new Blob([bytes], { type });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function noop(): void {}
