import { type Ref, type ShallowRef, type WatchHandle, watch } from 'vue';

/** What kernel instances and channels share: `subscribe` and a `getState` that returns the same object until something changes. */
export interface Store<S> {
  subscribe(listener: () => void): () => void;
  getState(): S;
}

/**
 * Keeps `state` holding `store`'s state (the kernel's object, not a copy)
 * through one subscription, moved when `store` changes and ended when the
 * returned watcher stops. Created in a component's hook, the watcher belongs
 * to the component: unmounting stops it.
 */
export function follow<S>(store: Readonly<Ref<Store<S>>>, state: ShallowRef<S>): WatchHandle {
  return watch(
    store,
    (current, _previous, onCleanup) => {
      const sync = () => (state.value = current.getState());
      sync();
      onCleanup(current.subscribe(sync));
    },
    { immediate: true, flush: 'sync' },
  );
}
