/**
 * The page's side: the kernel's transport over `postMessage` to a host
 * that serves it (`serveWebview`), with correlation ids.
 */
import { type IpcEvents, ipcTransport, type Transport } from '@mizan/base';
import { type Envelope, isEnvelope, type PostChannel, TAG, windowChannel } from './channel.js';

export type WebviewTransportOptions =
  | {
      /** The host's window. Default `window.parent` (a page in an iframe). */
      host?: Parameters<typeof windowChannel>[0]['peer'];
      /** The host's exact origin: only its messages are heard. */
      hostOrigin: string;
    }
  | {
      /** Any other channel to the host (a VS Code webview's `acquireVsCodeApi()` and `window`). */
      channel: PostChannel;
    };

export function webviewTransport(options: WebviewTransportOptions): Transport {
  const channel =
    'channel' in options
      ? options.channel
      : windowChannel({ peer: options.host ?? (() => globalThis.parent), origin: options.hostOrigin });
  let nextId = 1;
  const pending = new Map<number, { resolve(reply: unknown): void; reject(error: unknown): void }>();
  let events: IpcEvents | undefined;
  let stop: (() => void) | undefined;

  const hear = (message: unknown) => {
    if (!isEnvelope(message)) return;
    const id = message['id'];
    if (typeof id === 'number') {
      const waiting = pending.get(id);
      if (!waiting) return;
      pending.delete(id);
      if ('error' in message) waiting.reject(message['error']);
      else waiting.resolve(message['reply']);
      return;
    }
    if ('push' in message) events?.push(message['push']);
    else if (message['reset'] === true) events?.reset();
    else if (isRecord(message['status'])) {
      const { channel: name, params, status, error } = message['status'];
      if (typeof name === 'string' && isRecord(params) && (status === 'connecting' || status === 'joined' || status === 'error')) {
        events?.status?.(name, params, status, error);
      }
    }
  };
  const post = (message: Omit<Envelope, 'mizan'>) => channel.post({ mizan: TAG, ...message });

  return ipcTransport({
    request(message, signal) {
      stop ??= channel.subscribe(hear);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const abort = () => {
          pending.delete(id);
          post({ id, cancel: true });
          reject({ code: 'ABORTED', message: 'Request aborted' });
        };
        signal?.addEventListener('abort', abort, { once: true });
        const settle =
          <T>(done: (value: T) => void) =>
          (value: T) => {
            signal?.removeEventListener('abort', abort);
            done(value);
          };
        pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
        post({ id, message });
      });
    },
    listen(given) {
      events = given;
      stop ??= channel.subscribe(hear);
      return () => {
        events = undefined;
        stop?.();
        stop = undefined;
        for (const waiting of pending.values()) waiting.reject(new Error('The transport was closed'));
        pending.clear();
      };
    },
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
