import { MizanClient, type MizanConfig } from '@mizan/base';
import { defineComponent, type InjectionKey, inject, onMounted, onUnmounted, type PropType, provide, watch } from 'vue';

/** One key for every copy of this module in a process (a server bundle's and the SSR worker's). */
const clientKey: InjectionKey<MizanClient> = Symbol.for('@mizan/vue:client');

/** The props of `MizanProvider`, for generated root providers that wrap it. */
export const mizanProviderProps = {
  /**
   * The client to provide. Default: the client of the `MizanProvider` above
   * (a server render's own client), else one made for this provider, so that
   * two renderings (two requests of a server, two tests) never share one.
   */
  client: { type: Object as PropType<MizanClient | undefined>, default: undefined },
  /** Applied to the client with `configure` before the children set up. */
  config: { type: Object as PropType<MizanConfig | undefined>, default: undefined },
} as const;

/** Provides (and optionally configures) the kernel client for the tree below; mounts it while mounted. */
export const MizanProvider = defineComponent({
  name: 'MizanProvider',
  props: mizanProviderProps,
  setup(props, { slots }) {
    const client = props.client ?? inject(clientKey, null) ?? new MizanClient();
    // In setup, not in a hook: children set up (and fetch) after their parent's setup.
    watch(
      () => props.config,
      (config) => config && client.configure(config),
      { immediate: true },
    );
    // Never on the server: a server render touches no global.
    onMounted(() => client.mount());
    onUnmounted(() => client.unmount());
    provide(clientKey, client);
    return () => slots['default']?.();
  },
});

/** The client of the nearest `<MizanProvider>`. */
export function useMizan(): MizanClient {
  const client = inject(clientKey, null);
  if (!client) throw new Error('Mizan composables must be used inside <MizanProvider>');
  return client;
}
