/**
 * Svelte 5: `svelte/server`'s `render`, with the render's client in the
 * context `@mizan/svelte` reads (`clientContext`).
 */
import type { MizanClient } from '@mizan/base';
import type { Component } from 'svelte';
import { render } from 'svelte/server';
import { withTimeout } from './timeout.js';

/** The adapter, loaded only when a Svelte page is rendered (it is an optional peer). */
const ADAPTER: string = '@mizan/svelte';

export async function renderSvelte(
  component: unknown,
  props: Record<string, unknown>,
  client: MizanClient,
  timeoutMs: number,
): Promise<string> {
  const { clientContext } = (await import(ADAPTER)) as { clientContext(client: MizanClient): Map<unknown, unknown> };
  // `render` is synchronous in some Svelte 5 releases and a promise-like in others.
  const rendered = await withTimeout(
    Promise.resolve(render(component as Component<Record<string, unknown>>, { props, context: clientContext(client) })),
    timeoutMs,
  );
  return rendered.body;
}
