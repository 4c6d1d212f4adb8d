/**
 * Vue: `renderToString` inside `@mizan/vue`'s provider. Vue's renderer
 * cannot be aborted; at the timeout the render fails and its result, if it
 * ever comes, is dropped.
 */
import type { MizanClient } from '@mizan/base';
import { type Component, createSSRApp, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { withTimeout } from './timeout.js';

/** The adapter, loaded only when a Vue page is rendered (it is an optional peer). */
const ADAPTER: string = '@mizan/vue';

export async function renderVue(
  component: unknown,
  props: Record<string, unknown>,
  client: MizanClient,
  timeoutMs: number,
): Promise<string> {
  const { MizanProvider } = (await import(ADAPTER)) as { MizanProvider: Component };
  const app = createSSRApp({
    render: () => h(MizanProvider, { client }, { default: () => h(component as Component, props) }),
  });
  return withTimeout(renderToString(app), timeoutMs);
}
