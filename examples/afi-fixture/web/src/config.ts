import { type MizanConfig, websocket } from '@mizan/base';
import { webviewTransport } from '@mizan/webview';

/**
 * Every page's client configuration. `?live=1` puts the page on the socket
 * (`live: websocket()`, the one option an app sets); `?gc=<ms>` sets how long an
 * instance nobody watches is kept (`gcTimeMs`), for the browser suite's
 * unmount and remount scenario; `?host=<origin>` makes the page a webview
 * of the host page at that origin (`webview-host/`): every request is a
 * message to it, and it answers through its own transport.
 */
export function pageConfig(search: string = location.search): MizanConfig {
  const query = new URLSearchParams(search);
  const config: MizanConfig = { baseUrl: '/api/mizan' };
  if (query.get('live') === '1') config.live = websocket();
  const host = query.get('host');
  if (host !== null) config.transport = webviewTransport({ hostOrigin: host });
  const gc = query.get('gc');
  if (gc !== null) config.gcTimeMs = Number(gc);
  return config;
}
