import { type CallOptions, Mutation, type MutationOptions, type MutationState } from '@mizan/base';
import { useMizan } from './client.js';
import { track } from './track.svelte.js';

export interface MutationResult<A, R> extends Readonly<MutationState<A, R>> {
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
 * (`optimistic`). `isPending`, `error`, `data` and `variables` are tracked
 * reads.
 */
export function useMutation<A, R, S = Record<string, unknown>>(
  fn: string,
  call: CallOptions<A, S> = {},
  options: MutationOptions<A, S> = {},
): MutationResult<A, R> {
  const mutation = new Mutation<A, R, S>(useMizan(), fn, { ...call, ...options });
  const state = track(() => mutation);
  return {
    mutate: mutation.mutate,
    reset: mutation.reset,
    get isPending() {
      return state().isPending;
    },
    get error() {
      return state().error;
    },
    get data() {
      return state().data;
    },
    get variables() {
      return state().variables;
    },
  };
}
