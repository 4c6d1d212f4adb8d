import { type ContextInstance, type ContextState, ready } from '@mizan/base';
import * as React from 'react';
import {
  type Context,
  createContext,
  type ReactElement,
  type ReactNode,
  useContext,
  useEffect,
  useSyncExternalStore,
} from 'react';
import { useMizan } from './provider.js';

/** A named context of the server, as React sees it. Created once per context by generated code. */
export interface ContextDef<P, D> {
  /** The context's name on the wire (`/ctx/<name>/`). */
  readonly name: string;
  /** The provider component's name, used in error messages and devtools. */
  readonly displayName: string;
  /** Carries the instance from `ContextProvider` to the hooks below it. */
  readonly slot: Context<ContextInstance<D> | null>;
  /** Type-level only: the params this context takes. */
  readonly params?: P;
}

export function defineContext<P, D>(name: string, displayName: string): ContextDef<P, D> {
  const slot = createContext<ContextInstance<D> | null>(null);
  slot.displayName = displayName;
  return { name, displayName, slot };
}

export interface ContextProviderProps<P, D> {
  def: ContextDef<P, D>;
  params: P;
  children?: ReactNode;
}

/**
 * Keeps the instance of `def` with `params` subscribed while mounted and
 * hands it to the hooks below. Params are compared by their canonical key, so
 * a new object literal on every render is the same instance.
 */
export function ContextProvider<P, D>({ def, params, children }: ContextProviderProps<P, D>): ReactElement {
  const instance = useMizan().instance<D>(def.name, params as object);
  useEffect(() => instance.subscribe(() => undefined), [instance]);
  return <def.slot.Provider value={instance}>{children}</def.slot.Provider>;
}

/** The full state of the nearest instance of `def`. */
export function useContextState<D>(def: ContextDef<unknown, D>): ContextState<D> {
  const instance = useInstance(def, `use${def.displayName}()`);
  return useSyncExternalStore(instance.subscribe, instance.getState, instance.getState);
}

/**
 * One member function's data from the nearest instance of `def`. Re-renders
 * only when that member changes (a merge into another slot leaves it alone).
 */
export function useMember<D, K extends keyof D>(def: ContextDef<unknown, D>, member: K): D[K] | undefined {
  const instance = useInstance(def, `useMember(${def.displayName}, '${String(member)}')`);
  const read = () => instance.getState().data?.[member];
  return useSyncExternalStore(instance.subscribe, read, read);
}

/**
 * The data of the nearest instance of `def`, suspending until there is some
 * (the nearest `<Suspense>` shows its fallback; the fetch starts from here,
 * so it also works where the provider itself waits to mount). A fetch that
 * fails before there is any data throws its `MizanError` to the nearest
 * error boundary; refetch the instance (or let an invalidation do it) before
 * resetting the boundary. Later failures keep the data and are in
 * `useContextState`'s `error`.
 */
export function useSuspenseContext<D>(def: ContextDef<unknown, D>): D {
  const instance = useInstance(def, `useSuspense${def.displayName}()`);
  const state = useSyncExternalStore(instance.subscribe, instance.getState, instance.getState);
  if (state.data !== undefined) return state.data;
  if (state.error && !state.isFetching) throw state.error;
  const wait = ready(instance);
  // React 19 reads the promise with `use`; React 18 suspends on a thrown one.
  if (React.use) return React.use(wait);
  throw wait;
}

function useInstance<D>(def: ContextDef<unknown, D>, hook: string): ContextInstance<D> {
  const instance = useContext(def.slot);
  if (!instance) throw new Error(`${hook} must be used inside <${def.displayName}>`);
  return instance;
}
