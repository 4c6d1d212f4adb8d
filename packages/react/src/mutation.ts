import { type CallOptions, Mutation, type MutationOptions, type MutationState } from '@mizan/base';
import { useMemo, useRef, useSyncExternalStore } from 'react';
import { useMizan } from './provider.js';

export interface MutationResult<A, R> extends MutationState<A, R> {
  /**
   * Calls the function (after the calls of this hook still pending: they are
   * queued, never dropped). Resolves with its result; rejects with a
   * `MizanError`, also kept in `error`.
   */
  mutate(args: A): Promise<R>;
  /** Back to idle: no data, no error. */
  reset(): void;
}

/**
 * Calls server function `fn`; its response's merge, refreshed bundles and
 * invalidation reach every mounted context. `call` is what the generated
 * client knows of `fn` (`affects`); `options` what the component adds
 * (`optimistic`), read at each `mutate`.
 */
export function useMutation<A, R, S = Record<string, unknown>>(
  fn: string,
  call: CallOptions<A, S> = {},
  options: MutationOptions<A, S> = {},
): MutationResult<A, R> {
  const client = useMizan();
  const latest = useRef(options);
  latest.current = options;
  const mutation = useMemo(
    () =>
      new Mutation<A, R, S>(client, fn, {
        ...call,
        get optimistic() {
          return latest.current.optimistic;
        },
      }),
    // `call` is a literal of generated code: the same for the hook's lifetime.
    [client, fn],
  );
  const state = useSyncExternalStore(mutation.subscribe, mutation.getState, mutation.getState);
  return useMemo(() => ({ ...state, mutate: mutation.mutate, reset: mutation.reset }), [state, mutation]);
}
