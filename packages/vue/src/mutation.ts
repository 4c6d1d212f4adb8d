import { type MizanError, Mutation } from '@mizan/base';
import { computed, getCurrentScope, onScopeDispose, type Ref, shallowRef } from 'vue';
import { useMizan } from './provider.js';

export interface MutationResult<A, R> {
  /** Calls the function. Resolves with its result; rejects with a `MizanError`, also kept in `error`. */
  mutate(args: A): Promise<R>;
  /** Back to idle: no data, no error. */
  reset(): void;
  isPending: Readonly<Ref<boolean>>;
  error: Readonly<Ref<MizanError | null>>;
  data: Readonly<Ref<R | undefined>>;
}

/**
 * Calls server function `fn`; its response's merge and invalidation reach
 * every mounted context. Returns refs, so it can be destructured.
 */
export function useMutation<A, R>(fn: string): MutationResult<A, R> {
  const mutation = new Mutation<A, R>(useMizan(), fn);
  const state = shallowRef(mutation.getState());
  const stop = mutation.subscribe(() => (state.value = mutation.getState()));
  if (getCurrentScope()) onScopeDispose(stop);
  return {
    mutate: mutation.mutate,
    reset: mutation.reset,
    isPending: computed(() => state.value.isPending),
    error: computed(() => state.value.error),
    data: computed(() => state.value.data),
  };
}
