import { untrack } from 'svelte';

/** What the kernel's instances and mutations share: `subscribe` and a `getState` that returns the same object until something changes. */
export interface Store<S> {
  subscribe(listener: () => void): () => void;
  getState(): S;
}

/**
 * Reads a kernel store through runes: the returned function is a tracked read
 * of `store().getState()` (the kernel's object, never a copy), refreshed by one
 * subscription that lives as long as the calling component. The subscription
 * is an `$effect`: it starts when the component mounts (never during server
 * rendering), moves when `store()` changes, and ends when the component is
 * destroyed.
 */
export function track<S>(store: () => Store<S>): () => S {
  let version = $state(0);
  $effect(() => {
    const current = store();
    return untrack(() => {
      const stop = current.subscribe(() => version++);
      // What changed between this component's first render and now (another
      // component's subscription may have started a fetch) is read again.
      version++;
      return stop;
    });
  });
  return () => {
    void version;
    return store().getState();
  };
}
