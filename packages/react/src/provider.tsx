import { MizanClient, type MizanConfig } from '@mizan/base';
import { type Context, createContext, type ReactElement, type ReactNode, useContext, useEffect, useRef, useState } from 'react';

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
   * (a server render's own client), else one made for this provider, so that
   * two renderings (two requests of a server, two tests) never share one.
   */
  client?: MizanClient;
  /** Applied to the client with `configure` before the children render. Keep its values stable. */
  config?: MizanConfig;
  children?: ReactNode;
}

/** Provides (and optionally configures) the kernel client for the tree below; mounts it while mounted. */
export function MizanProvider({ client, config, children }: MizanProviderProps): ReactElement {
  const inherited = useContext(ClientContext);
  const [own] = useState(() => (client || inherited ? undefined : new MizanClient()));
  const target = client ?? inherited ?? own!;
  const applied = useRef<MizanConfig | undefined>(undefined);
  // In render, not in an effect: children subscribe (and fetch) in their effects, which run first.
  if (config && !shallowEqual(applied.current, config)) {
    target.configure(config);
    applied.current = config;
  }
  useEffect(() => {
    target.mount();
    return () => target.unmount();
  }, [target]);
  return <ClientContext.Provider value={target}>{children}</ClientContext.Provider>;
}

/** The client of the nearest `<MizanProvider>`. */
export function useMizan(): MizanClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('Mizan hooks must be used inside <MizanProvider>');
  return client;
}

function shallowEqual(a: object | undefined, b: object): boolean {
  if (!a) return false;
  const ka = Object.keys(a);
  return (
    ka.length === Object.keys(b).length &&
    ka.every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k])
  );
}
