import { getClient, type MizanClient } from '@mizan/base';
import { getContext, setContext } from 'svelte';

const CLIENT = Symbol('MizanClient');

/** Makes `client` the one `useMizan()` returns below the calling component. */
export function provideClient(client: MizanClient): void {
  setContext(CLIENT, client);
}

/** The client of the nearest `<MizanProvider>`, else the shared default client. */
export function useMizan(): MizanClient {
  return getContext<MizanClient | undefined>(CLIENT) ?? getClient();
}
