import type { MizanClient } from '@mizan/base';
import { getContext, setContext } from 'svelte';

/** One key for every copy of this module in a process (a server bundle's and the SSR worker's). */
const CLIENT = Symbol.for('@mizan/svelte:client');

/** Makes `client` the one `useMizan()` returns below the calling component. */
export function provideClient(client: MizanClient): void {
  setContext(CLIENT, client);
}

/**
 * The context map that makes `client` the one `useMizan()` returns in a
 * server render: `render(Page, { props, context: clientContext(client) })`.
 */
export function clientContext(client: MizanClient): Map<unknown, unknown> {
  return new Map([[CLIENT, client]]);
}

/** The client of the nearest `<MizanProvider>` (or a server render's context), if any. */
export function inheritedClient(): MizanClient | undefined {
  return getContext<MizanClient | undefined>(CLIENT);
}

/** The client of the nearest `<MizanProvider>` (or a server render's context). */
export function useMizan(): MizanClient {
  const client = inheritedClient();
  if (!client) throw new Error('Mizan hooks must be used inside <MizanProvider>');
  return client;
}
