import { getClient, type MizanClient, type MizanConfig } from '@mizan/base';
import { type Context, createContext, type ReactElement, type ReactNode, useContext, useRef } from 'react';

/**
 * One React context for every copy of this module in a process: a server
 * bundle that inlines `@mizan/react` and the SSR worker's own copy then hand
 * the render's client to each other.
 */
const ClientContext: Context<MizanClient | null> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('@mizan/react:client')
] ??= Object.assign(createContext<MizanClient | null>(null), { displayName: 'MizanClient' })) as Context<MizanClient | null>;

export interface MizanProviderProps {
  /**
   * The client to provide. Default: the client of the `MizanProvider` above
   * (a server render's own client), else the shared client of `getClient()`.
   */
  client?: MizanClient;
  /** Applied to the client with `configure` before the children render. Keep its values stable. */
  config?: MizanConfig;
  children?: ReactNode;
}

/** Provides (and optionally configures) the kernel client for the tree below. */
export function MizanProvider({ client, config, children }: MizanProviderProps): ReactElement {
  const inherited = useContext(ClientContext);
  const target = client ?? inherited ?? getClient();
  const applied = useRef<MizanConfig | undefined>(undefined);
  // In render, not in an effect: children subscribe (and fetch) in their effects, which run first.
  if (config && !shallowEqual(applied.current, config)) {
    target.configure(config);
    applied.current = config;
  }
  return <ClientContext.Provider value={target}>{children}</ClientContext.Provider>;
}

/** The client of the nearest `<MizanProvider>`, else the shared default client. */
export function useMizan(): MizanClient {
  return useContext(ClientContext) ?? getClient();
}

function shallowEqual(a: object | undefined, b: object): boolean {
  if (!a) return false;
  const ka = Object.keys(a);
  return (
    ka.length === Object.keys(b).length &&
    ka.every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k])
  );
}
