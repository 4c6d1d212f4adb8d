import type { MizanClient } from '@mizan/base';
import { getContext, setContext } from 'svelte';

const CLIENT = Symbol('MizanClient');

/** Makes `client` the one `useMizan()` returns below the calling component. */
export function provideClient(client: MizanClient): void {
  setContext(CLIENT, client);
}

/** The client of the nearest `<MizanProvider>`. */
export function useMizan(): MizanClient {
  const client = getContext<MizanClient | undefined>(CLIENT);
  if (!client) throw new Error('Mizan hooks must be used inside <MizanProvider>');
  return client;
}
