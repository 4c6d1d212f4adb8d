import { getClient, type MizanClient, type MizanConfig } from '@mizan/base';
import { defineComponent, type InjectionKey, inject, type PropType, provide, watch } from 'vue';

/** One key for every copy of this module in a process (a server bundle's and the SSR worker's). */
const clientKey: InjectionKey<MizanClient> = Symbol.for('@mizan/vue:client');

/** The props of `MizanProvider`, for generated root providers that wrap it. */
export const mizanProviderProps = {
  /**
   * The client to provide. Default: the client of the `MizanProvider` above
   * (a server render's own client), else the shared client of `getClient()`.
   */
  client: { type: Object as PropType<MizanClient | undefined>, default: undefined },
  /** Applied to the client with `configure` before the children set up. */
  config: { type: Object as PropType<MizanConfig | undefined>, default: undefined },
} as const;

/** Provides (and optionally configures) the kernel client for the tree below. */
export const MizanProvider = defineComponent({
  name: 'MizanProvider',
  props: mizanProviderProps,
  setup(props, { slots }) {
    const client = props.client ?? inject(clientKey, null) ?? getClient();
    // In setup, not in a hook: children set up (and fetch) after their parent's setup.
    watch(
      () => props.config,
      (config) => config && client.configure(config),
      { immediate: true },
    );
    provide(clientKey, client);
    return () => slots['default']?.();
  },
});

/** The client of the nearest `<MizanProvider>`, else the shared default client. */
export function useMizan(): MizanClient {
  return inject(clientKey, null) ?? getClient();
}
