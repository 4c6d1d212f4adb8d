/**
 * `@mizan/ssr`: the worker the Rust server runs (`dist/worker.js`, see
 * `mizan_ssr::PoolConfig::node`), and its render function for use in a
 * process of your own.
 */
export { renderClient } from './client.js';
export { type Emit, type RenderParams, type Renderer, render } from './render.js';
export { RenderTimeout } from './timeout.js';
