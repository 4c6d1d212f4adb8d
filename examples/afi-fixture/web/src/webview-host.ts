/**
 * A host page, as a VS Code extension or an Electron shell would be: it
 * shows `?page=<url>` (a test page of another origin, started with
 * `?host=<this origin>`) in an iframe and serves that page's requests with
 * its own transport (HTTP to this origin's API), forwarding nothing from
 * any other origin or window.
 */
import { httpTransport } from '@mizan/base';
import { serveWebview } from '@mizan/webview';

const pageUrl = new URL(new URLSearchParams(location.search).get('page') ?? '/react/', location.href);
const frame = document.createElement('iframe');
frame.title = 'page';
frame.src = pageUrl.href;
document.body.append(frame);

serveWebview({
  page: () => frame.contentWindow,
  pageOrigin: pageUrl.origin,
  transport: httpTransport({ baseUrl: '/api/mizan' }),
});
