/** An in-memory transport that counts requests, for the kernel's pure batching logic. */
import {
  type CallResponse,
  type ContextInstance,
  MizanClient,
  type MizanConfig,
  MizanError,
  type Push,
  type RequestContext,
  type Transport,
} from '../../src/index.js';

export interface Call {
  fn: string;
  args: Record<string, unknown>;
  refresh?: readonly string[] | undefined;
}

export class MemoryTransport implements Transport {
  fetches: Array<{ name: string; params: Record<string, unknown> }> = [];
  /** The signal of each fetch, in order. */
  signals: AbortSignal[] = [];
  calls: Call[] = [];
  /** Bumped by tests to tell fresh bundles from old ones. */
  version = 1;
  /** When set, fetches wait for `release()`. */
  manual = false;
  /** When set, calls wait for `answer()`. */
  manualCalls = false;
  bundle: (name: string, params: Record<string, unknown>) => Record<string, unknown> = (name, params) => ({
    name,
    params,
    version: this.version,
  });
  /** The reply to a call: a body, or a function of the call (throw for an error reply). */
  callResponse: CallResponse<unknown> | ((call: Call) => CallResponse<unknown>) = { result: null, invalidate: [] };
  watch?: (name: string, params: Record<string, unknown>) => () => void;
  private waiting: Array<() => void> = [];
  private waitingCalls: Array<() => void> = [];
  private pushListeners = new Set<(push: Push) => void>();

  async fetchContext(name: string, params: Record<string, unknown>, init: RequestContext) {
    this.fetches.push({ name, params });
    if (init.signal) this.signals.push(init.signal);
    // Like a real transport, an abort ends the request at once.
    if (this.manual) {
      await new Promise<void>((resolve, reject) => {
        this.waiting.push(resolve);
        init.signal?.addEventListener('abort', () => reject(new MizanError(0, 'ABORTED', 'Request aborted')));
      });
    }
    return this.bundle(name, params);
  }

  async call(fn: string, args: Record<string, unknown>, _init: RequestContext, refresh?: readonly string[]) {
    const call: Call = { fn, args };
    if (refresh?.length) call.refresh = refresh;
    this.calls.push(call);
    if (this.manualCalls) await new Promise<void>((resolve) => this.waitingCalls.push(resolve));
    const { callResponse } = this;
    return { body: typeof callResponse === 'function' ? callResponse(call) : callResponse };
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

  /** Lets the oldest waiting call answer. */
  answer(): void {
    this.waitingCalls.shift()?.();
  }

  get inFlight(): number {
    return this.waiting.length;
  }

  get callsInFlight(): number {
    return this.waitingCalls.length;
  }
}

/** Lets pending microtasks and one macrotask run. */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** A client on a fresh `MemoryTransport`, without CSRF. */
export function memoryClient(config: MizanConfig = {}): { transport: MemoryTransport; client: MizanClient } {
  const transport = new MemoryTransport();
  const client = new MizanClient({ transport, csrf: false, ...config });
  return { transport, client };
}

/** Subscribes and waits for the first fetch to land; returns the unsubscribe. */
export async function mounted(instance: ContextInstance<unknown>): Promise<() => void> {
  const stop = instance.subscribe(() => undefined);
  await settle();
  return stop;
}
