/**
 * One render: the component (imported once per file, cached), a client of
 * its own seeded with the page's contexts, and the framework's renderer.
 */
import { pathToFileURL } from 'node:url';
import { renderClient } from './client.js';

export type Renderer = 'react' | 'vue' | 'svelte';

/** The `params` of a `render` request (../shared/spec/SSR.md). */
export interface RenderParams {
  /** The module exporting the component: the app's server bundle, or any file Node imports. */
  file: string;
  /** Its export's name; default `default`. */
  export?: string;
  /** Default `react`. */
  renderer?: Renderer;
  props?: Record<string, unknown>;
  /** Bundles by instance key (`board;board_id=1`), as the server fetched them. */
  contexts?: Record<string, unknown>;
  /** Abort after this long; default 5000. */
  timeoutMs?: number;
}

/** Hands a piece of HTML to the server before the render completes. */
export type Emit = (html: string) => void;

const modules = new Map<string, Promise<Record<string, unknown>>>();

/** The module at `file`, imported once (a failed import is tried again next time). */
function load(file: string): Promise<Record<string, unknown>> {
  let module = modules.get(file);
  if (!module) {
    module = import(pathToFileURL(file).href) as Promise<Record<string, unknown>>;
    modules.set(file, module);
    module.catch(() => modules.delete(file));
  }
  return module;
}

/** Renders `params`, handing early pieces to `emit`; resolves with the rest of the HTML. */
export async function render(params: RenderParams, emit: Emit = () => undefined): Promise<string> {
  if (typeof params.file !== 'string' || !params.file) throw new Error('`file` is required: the module that exports the component');
  const name = params.export ?? 'default';
  const module = await load(params.file);
  const component = module[name];
  if (component === undefined) {
    const names = Object.keys(module).join(', ') || 'nothing';
    throw new Error(`${params.file} has no export \`${name}\` (it exports ${names})`);
  }
  const props = params.props ?? {};
  const client = renderClient(params.contexts ?? {});
  const timeoutMs = params.timeoutMs ?? 5000;
  switch (params.renderer ?? 'react') {
    case 'react':
      return (await import('./react.js')).renderReact(component, props, client, timeoutMs, emit);
    case 'vue':
      return (await import('./vue.js')).renderVue(component, props, client, timeoutMs);
    case 'svelte':
      return (await import('./svelte.js')).renderSvelte(component, props, client, timeoutMs);
    default:
      throw new Error(`unknown renderer \`${String(params.renderer)}\`; expected react, vue or svelte`);
  }
}
