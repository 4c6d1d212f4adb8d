/**
 * The kernel's transport in a Tauri v2 window, over the `mizan-tauri`
 * plugin (PROTOCOL.md §7): each request is one `plugin:mizan|exchange`
 * invoke, pushes arrive as the plugin's `mizan://push` event for this
 * webview. No HTTP server is involved; generated clients and components are
 * the same as over HTTP.
 *
 * ```ts
 * import { configure } from '@mizan/base';
 * import { tauriTransport } from '@mizan/tauri';
 * configure({ transport: tauriTransport() });   // or <MizanProvider config={{ transport: tauriTransport() }}>
 * ```
 *
 * Errors reject with the same `MizanError` as over HTTP (code, status,
 * details); the caller's identity is the app's business (the plugin's
 * `identity` hook), so no token or CSRF travels.
 */
import { type IpcEvents, ipcTransport, type Transport } from '@mizan/base';
import { invoke as tauriInvoke } from '@tauri-apps/api/core';
import type { Event, UnlistenFn } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';

/** The plugin's command (`mizan_tauri::PLUGIN`). */
export const EXCHANGE_COMMAND = 'plugin:mizan|exchange';
/** Pushes for this webview (`mizan_tauri::PUSH_EVENT`). */
export const PUSH_EVENT = 'mizan://push';
/** The plugin dropped this page's connection (`mizan_tauri::RESET_EVENT`). */
export const RESET_EVENT = 'mizan://reset';

export interface TauriTransportOptions {
  /** Tauri's `invoke`. Default: `@tauri-apps/api/core`'s. */
  invoke?: (command: string, body: Uint8Array) => Promise<unknown>;
  /**
   * Listens to an event sent to this webview. Default: the current
   * webview's `listen` (`@tauri-apps/api/webview`), so that a push for
   * another window is never heard here.
   */
  listen?: <T>(event: string, handler: (event: Event<T>) => void) => Promise<UnlistenFn>;
}

export function tauriTransport(options: TauriTransportOptions = {}): Transport {
  const invoke = options.invoke ?? ((command: string, body: Uint8Array) => tauriInvoke(command, body));
  const listen = options.listen ?? (<T>(event: string, handler: (event: Event<T>) => void) => getCurrentWebview().listen<T>(event, handler));
  const encoder = new TextEncoder();
  return ipcTransport({
    // The message's UTF-8 bytes are the request body: the plugin hands them to the core unparsed.
    request: (message) => invoke(EXCHANGE_COMMAND, encoder.encode(JSON.stringify(message))),
    async listen(events: IpcEvents) {
      const stops = await Promise.all([
        listen<unknown>(PUSH_EVENT, (event) => events.push(event.payload)),
        listen<unknown>(RESET_EVENT, () => events.reset()),
      ]);
      return () => {
        for (const stop of stops) stop();
      };
    },
  });
}
