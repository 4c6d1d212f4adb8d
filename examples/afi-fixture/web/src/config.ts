import type { MizanConfig } from '@mizan/base';

/**
 * Every page's client configuration. `?gc=<ms>` sets how long an instance
 * nobody watches is kept (`gcTimeMs`), for the browser suite's unmount and
 * remount scenario.
 */
export function pageConfig(search: string = location.search): MizanConfig {
  const gc = new URLSearchParams(search).get('gc');
  return gc === null ? { baseUrl: '/api/mizan' } : { baseUrl: '/api/mizan', gcTimeMs: Number(gc) };
}
