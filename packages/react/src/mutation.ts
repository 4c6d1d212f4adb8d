import { Mutation, type MutationState } from '@mizan/base';
import { useMemo, useSyncExternalStore } from 'react';
import { useMizan } from './provider.js';

export interface MutationResult<A, R> extends MutationState<R> {
  /** Calls the function. Resolves with its result; rejects with a `MizanError`, also kept in `error`. */
  mutate(args: A): Promise<R>;
  /** Back to idle: no data, no error. */
  reset(): void;
}

/** Calls server function `fn`; its response's merge and invalidation reach every mounted context. */
export function useMutation<A, R>(fn: string): MutationResult<A, R> {
  const client = useMizan();
  const mutation = useMemo(() => new Mutation<A, R>(client, fn), [client, fn]);
  const state = useSyncExternalStore(mutation.subscribe, mutation.getState, mutation.getState);
  return useMemo(() => ({ ...state, mutate: mutation.mutate, reset: mutation.reset }), [state, mutation]);
}
