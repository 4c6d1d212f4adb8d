import { type CallOptions, type MizanError, Mutation, type MutationOptions } from '@mizan/base';
import { computed, getCurrentScope, onScopeDispose, type Ref, shallowRef } from 'vue';
import { useMizan } from './provider.js';

export interface MutationResult<A, R> {
  /**
   * Calls the function (after the calls of this composable still pending:
   * they are queued, never dropped). Resolves with its result; rejects with
   * a `MizanError`, also kept in `error`.
   */
  mutate(args: A): Promise<R>;
  /** Back to idle: no data, no error. */
  reset(): void;
  isPending: Readonly<Ref<boolean>>;
  error: Readonly<Ref<MizanError | null>>;
  data: Readonly<Ref<R | undefined>>;
  /** The arguments of the latest call. */
  variables: Readonly<Ref<A | undefined>>;
}

/**
 * Calls server function `fn`; its response's merge, refreshed bundles and
 * invalidation reach every mounted context. `call` is what the generated
 * client knows of `fn` (`affects`); `options` what the component adds
 * (`optimistic`). Returns refs, so it can be destructured.
 */
export function useMutation<A, R, S = Record<string, unknown>>(
  fn: string,
  call: CallOptions<A, S> = {},
  options: MutationOptions<A, S> = {},
): MutationResult<A, R> {
  const mutation = new Mutation<A, R, S>(useMizan(), fn, { ...call, ...options });
  const state = shallowRef(mutation.getState());
  const stop = mutation.subscribe(() => (state.value = mutation.getState()));
  if (getCurrentScope()) onScopeDispose(stop);
  return {
    mutate: mutation.mutate,
    reset: mutation.reset,
    isPending: computed(() => state.value.isPending),
    error: computed(() => state.value.error),
    data: computed(() => state.value.data),
    variables: computed(() => state.value.variables),
  };
}
