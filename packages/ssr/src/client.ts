/**
 * The client a render reads from: one per render (never the shared
 * `getClient()`, which would carry one caller's data into another's page),
 * seeded with the context instances the server fetched for the page.
 */
import { instanceKey, MizanClient, MizanError, type Transport } from '@mizan/base';

/** Nothing is fetched or called while rendering: the server fetched what the page declared. */
const offline: Transport = {
  call: (fn) => Promise.reject(notOnServer(`\`${fn}\` was called`)),
  fetchContext: (name, params) =>
    Promise.reject(
      notOnServer(`\`${instanceKey(name, params)}\` was read but not fetched: declare it on the page (Page::reads) to render it`),
    ),
};

function notOnServer(what: string): MizanError {
  return new MizanError(0, 'NOT_ON_SERVER', `${what} during server rendering`);
}

/**
 * A client of the render's own, seeded with `contexts` (bundles by instance
 * key). It keeps nothing past the render: no gc timers, no retries, no
 * transport beyond one that refuses.
 */
export function renderClient(contexts: Record<string, unknown>): MizanClient {
  const client = new MizanClient({ transport: offline, gcTimeMs: Infinity, retry: 0, csrf: false });
  client.hydrate(contexts);
  return client;
}
