/**
 * What a server-rendered page carries for the client: `window.__MIZAN_SSR_DATA__`
 * (../shared/spec/SSR.md), `{"contexts": {<instance key>: <bundle>}, "props": {...}}`.
 * The client seeds its instances from `contexts` when it is created.
 */
import { isObject } from './error.js';

/** The page's hydration data, if the server rendered it. */
export function ssrData(): { contexts: Record<string, unknown>; props: Record<string, unknown> } | undefined {
  const data = (globalThis as { __MIZAN_SSR_DATA__?: unknown }).__MIZAN_SSR_DATA__;
  if (!isObject(data)) return undefined;
  return {
    contexts: isObject(data['contexts']) ? data['contexts'] : {},
    props: isObject(data['props']) ? data['props'] : {},
  };
}

/** The props the server rendered the page's component with: hydrate it with the same. */
export function pageProps<P extends object = Record<string, unknown>>(): P | undefined {
  return ssrData()?.props as P | undefined;
}
