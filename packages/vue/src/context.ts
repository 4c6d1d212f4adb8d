import { type ContextInstance, type ContextState, ready } from '@mizan/base';
import {
  computed,
  defineComponent,
  type InjectionKey,
  inject,
  onMounted,
  onServerPrefetch,
  type PropType,
  provide,
  type Ref,
  type ShallowRef,
  shallowRef,
} from 'vue';
import { follow } from './follow.js';
import { useMizan } from './provider.js';

/** What a `ContextProvider` hands to the composables below it. */
interface Provided<D> {
  instance: Readonly<Ref<ContextInstance<D>>>;
  /** The instance's state, fed by the provider's one subscription: the kernel's object, not a copy. */
  state: Readonly<ShallowRef<ContextState<D>>>;
}

/** A named context of the server, as Vue sees it. Created once per context by generated code. */
export interface ContextDef<P, D> {
  /** The context's name on the wire (`/ctx/<name>/`). */
  readonly name: string;
  /** The provider component's name, used in error messages and devtools. */
  readonly displayName: string;
  /** Carries the instance from `ContextProvider` to the composables below it. */
  readonly key: InjectionKey<Provided<D>>;
  /** Type-level only: the params this context takes. */
  readonly params?: P;
}

export function defineContext<P, D>(name: string, displayName: string): ContextDef<P, D> {
  return { name, displayName, key: Symbol(displayName) };
}

/**
 * Keeps the instance of `def` with `params` subscribed while mounted and
 * provides it, with its state, to the composables below. Params are compared
 * by their canonical key, so a new object on every render is the same
 * instance. During server rendering it fetches the instance first
 * (`onServerPrefetch`) and subscribes to nothing.
 */
export const ContextProvider = defineComponent({
  name: 'ContextProvider',
  props: {
    def: { type: Object as PropType<ContextDef<unknown, unknown>>, required: true },
    params: { type: Object as PropType<object>, required: true },
  },
  setup(props, { slots }) {
    const client = useMizan();
    const instance = computed(() => client.instance(props.def.name, props.params));
    const state = shallowRef(instance.value.getState());
    // In a hook, so the watcher belongs to this component (unmounting stops it, and stopping
    // it unsubscribes). Never on the server, where nothing would unsubscribe.
    onMounted(() => follow(instance, state));
    onServerPrefetch(async () => {
      if (instance.value.getState().status !== 'success') await instance.value.refetch();
      state.value = instance.value.getState();
    });
    provide(props.def.key, { instance, state });
    return () => slots['default']?.();
  },
});

/** The state of the nearest instance of `def`, as a shallow ref: `data`, `status`, `error`, `isFetching`. */
export function useContextState<D>(def: ContextDef<unknown, D>): Readonly<ShallowRef<ContextState<D>>> {
  return provided(def, `use${def.displayName}()`).state;
}

/**
 * One member function's data from the nearest instance of `def`. A computed
 * ref: it changes (and re-renders its readers) only when that member changes.
 */
export function useMember<D, K extends keyof D>(def: ContextDef<unknown, D>, member: K): Readonly<Ref<D[K] | undefined>> {
  const { state } = provided(def, `useMember(${def.displayName}, '${String(member)}')`);
  return computed(() => state.value.data?.[member]);
}

/**
 * For an async `setup` under `<Suspense>`: waits until the nearest instance
 * of `def` has data (fetching it if needed, on the server too), then gives
 * its data as a computed ref that is never `undefined`. A fetch that fails
 * before there is any data rejects, so the error reaches `onErrorCaptured`.
 */
export async function useSuspenseContext<D>(def: ContextDef<unknown, D>): Promise<Readonly<Ref<D>>> {
  // Read before the first `await`: after it, `inject` has no component.
  const { instance, state } = provided(def, `useSuspense${def.displayName}()`);
  await ready(instance.value);
  return computed(() => (state.value.data ?? instance.value.getState().data) as D);
}

function provided<D>(def: ContextDef<unknown, D>, composable: string): Provided<D> {
  const found = inject(def.key, null);
  if (!found) throw new Error(`${composable} must be used inside <${def.displayName}>`);
  return found;
}
