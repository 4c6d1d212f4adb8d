import { Mutation, type MutationState } from '@mizan/base';
import { useMizan } from './client.js';
import { track } from './track.svelte.js';

export interface MutationResult<A, R> extends Readonly<MutationState<R>> {
  /** Calls the function. Resolves with its result; rejects with a `MizanError`, also kept in `error`. */
  mutate(args: A): Promise<R>;
  /** Back to idle: no data, no error. */
  reset(): void;
}

/**
 * Calls server function `fn`; its response's merge and invalidation reach
 * every mounted context. `isPending`, `error` and `data` are tracked reads.
 */
export function useMutation<A, R>(fn: string): MutationResult<A, R> {
  const mutation = new Mutation<A, R>(useMizan(), fn);
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
  };
}
