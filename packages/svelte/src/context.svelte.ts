import type { ContextInstance, ContextState } from '@mizan/base';
import { getContext, setContext } from 'svelte';
import { useMizan } from './client.js';
import { track } from './track.svelte.js';

/** What a `ContextProvider` shares with the hooks below it. */
interface Provided<D> {
  readonly instance: ContextInstance<D>;
  readonly state: ContextState<D>;
}

/** A named context of the server, as Svelte sees it. Created once per context by generated code. */
export interface ContextDef<P, D> {
  /** The context's name on the wire (`/ctx/<name>/`). */
  readonly name: string;
  /** The provider component's name, used in error messages. */
  readonly displayName: string;
  /** The `setContext` key from `ContextProvider` to the hooks below it. */
  readonly key: symbol;
  /** Type-level only: the params this context takes, and its data. */
  readonly params?: P;
  readonly data?: D;
}

export function defineContext<P, D>(name: string, displayName: string): ContextDef<P, D> {
  return { name, displayName, key: Symbol(displayName) };
}

/**
 * `ContextProvider`'s work, during its initialisation: the instance of `def`
 * with the current `params()` (compared by canonical key, so a new object is
 * the same instance), subscribed while the provider is mounted, shared with
 * `setContext`.
 */
export function provideContext<P extends object, D>(def: ContextDef<P, D>, params: () => P): void {
  const client = useMizan();
  const instance = $derived(client.instance<D>(def.name, params()));
  const state = track(() => instance);
  setContext<Provided<D>>(def.key, {
    get instance() {
      return instance;
    },
    get state() {
      return state();
    },
  });
}

/** The state of the nearest instance of `def`: `data`, `status`, `error`, `isFetching`, each a tracked read. */
export function useContextState<D>(def: ContextDef<unknown, D>): Readonly<ContextState<D>> {
  const found = provided(def, `use${def.displayName}()`);
  return {
    get data() {
      return found.state.data;
    },
    get status() {
      return found.state.status;
    },
    get error() {
      return found.state.error;
    },
    get isFetching() {
      return found.state.isFetching;
    },
    get updatedAt() {
      return found.state.updatedAt;
    },
  };
}

/**
 * One member function's data from the nearest instance of `def`, as
 * `.current`. A `$derived`: its readers update only when that member changes.
 */
export function useMember<D, K extends keyof D>(def: ContextDef<unknown, D>, member: K): { readonly current: D[K] | undefined } {
  const found = provided(def, `useMember(${def.displayName}, '${String(member)}')`);
  const value = $derived(found.state.data?.[member]);
  return {
    get current() {
      return value;
    },
  };
}

function provided<D>(def: ContextDef<unknown, D>, hook: string): Provided<D> {
  const found = getContext<Provided<D> | undefined>(def.key);
  if (!found) throw new Error(`${hook} must be used inside <${def.displayName}>`);
  return found;
}
