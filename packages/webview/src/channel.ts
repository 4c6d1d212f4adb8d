/**
 * The wire between a page and its host: a `postMessage` channel that hears
 * only its peer. Every message carries `mizan: 1`, so that a host or page
 * using the same channel for other things is not confused, and one of:
 *
 * - page to host: `{id, message}` (an IPC message, PROTOCOL.md §7), or
 *   `{id, cancel: true}` (the caller aborted it);
 * - host to page: `{id, reply}` or `{id, error}` (the error envelope's inner
 *   object), `{push}` (the socket's push object), `{status: {channel,
 *   params, status, error?}}` (a joined channel's state changed), or
 *   `{reset: true}` (the host forgot this page's subscriptions and joins).
 */

/** A two-way message channel whose `subscribe` hears only the trusted peer. */
export interface PostChannel {
  post(message: unknown): void;
  subscribe(listener: (message: unknown) => void): () => void;
}

/** The part of a `Window` (or an iframe's `contentWindow`, an `opener`) that messages go to. */
export interface PostTarget {
  postMessage(message: unknown, targetOrigin: string): void;
}

/** Where messages arrive: a page's `window`. */
export interface MessageSource {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

export interface WindowChannelOptions {
  /** The peer's window: `window.parent` for a page in an iframe, `iframe.contentWindow` for its host. */
  peer: PostTarget | (() => PostTarget | null | undefined);
  /**
   * The peer's exact origin (`https://app.example`). Messages are sent to
   * it only, and a message from any other origin — or from another window
   * of the same origin — is ignored, never dispatched.
   */
  origin: string;
  /** Where messages arrive. Default: this page's `window`. */
  window?: MessageSource;
}

/** A `postMessage` channel between two windows, checked by origin and by source on receipt. */
export function windowChannel(options: WindowChannelOptions): PostChannel {
  const { origin } = options;
  if (!origin || origin === '*') throw new TypeError('windowChannel needs the peer\'s exact origin, not "*"');
  const peer = () => (typeof options.peer === 'function' ? options.peer() : options.peer);
  const source = options.window ?? (globalThis as unknown as MessageSource);
  return {
    post(message) {
      peer()?.postMessage(message, origin);
    },
    subscribe(listener) {
      const handler = (event: MessageEvent) => {
        if (event.origin !== origin || event.source !== peer()) return;
        listener(event.data);
      };
      source.addEventListener('message', handler);
      return () => source.removeEventListener('message', handler);
    },
  };
}

/** The envelope tag every message of this wire carries. */
export const TAG = 1;

export type Envelope = { mizan: typeof TAG; [key: string]: unknown };

export function isEnvelope(message: unknown): message is Envelope {
  return typeof message === 'object' && message !== null && (message as { mizan?: unknown }).mizan === TAG;
}
