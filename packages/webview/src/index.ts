/**
 * Mizan for pages inside a host — a VS Code webview, an iframe, an Electron
 * window — over `postMessage` (PROTOCOL.md §7):
 *
 * - in the page, `webviewTransport({ hostOrigin })` is the kernel's
 *   transport: every request is a message to the host, paired with its
 *   reply by id; pushes come back the same way;
 * - in the host, `serveWebview({ page, pageOrigin, transport })` relays the
 *   page's messages to any other transport (HTTP, the live socket) with the
 *   host's identity, and forwards that transport's pushes to the page.
 *
 * Both sides check origins: a message from any origin but the expected one
 * (or from another window) is ignored, never dispatched.
 */
export { type MessageSource, type PostChannel, type PostTarget, windowChannel, type WindowChannelOptions } from './channel.js';
export { serveWebview, type ServeWebviewOptions } from './host.js';
export { webviewTransport, type WebviewTransportOptions } from './page.js';
