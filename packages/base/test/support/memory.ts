/** An in-memory transport that counts requests, for the kernel's pure batching logic. */
import type { CallResponse, Push, RequestContext, Transport } from '../../src/index.js';

export class MemoryTransport implements Transport {
  fetches: Array<{ name: string; params: Record<string, unknown> }> = [];
  calls: Array<{ fn: string; args: Record<string, unknown> }> = [];
  /** Bumped by tests to tell fresh bundles from old ones. */
  version = 1;
  /** When set, fetches wait for `release()`. */
  manual = false;
  bundle: (name: string, params: Record<string, unknown>) => Record<string, unknown> = (name, params) => ({
    name,
    params,
    version: this.version,
  });
  callResponse: CallResponse<unknown> = { result: null, invalidate: [] };
  watch?: (name: string, params: Record<string, unknown>) => () => void;
  private waiting: Array<() => void> = [];
  private pushListeners = new Set<(push: Push) => void>();

  async fetchContext(name: string, params: Record<string, unknown>, _init: RequestContext) {
    this.fetches.push({ name, params });
    if (this.manual) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.bundle(name, params);
  }

  async call(fn: string, args: Record<string, unknown>, _init: RequestContext) {
    this.calls.push({ fn, args });
    return { body: this.callResponse };
  }

  onPush(listener: (push: Push) => void) {
    this.pushListeners.add(listener);
    return () => void this.pushListeners.delete(listener);
  }

  push(push: Push): void {
    for (const listener of this.pushListeners) listener(push);
  }

  /** Lets every waiting fetch answer. */
  release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  get inFlight(): number {
    return this.waiting.length;
  }
}

/** Lets pending microtasks and one macrotask run. */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
