/**
 * One function call's UI state, for adapters: `mutate` runs `client.call`
 * and records pending / result / error. Shaped for `useSyncExternalStore`.
 */
import type { MizanClient } from './client.js';
import { type MizanError, toMizanError } from './error.js';
import { Subscribable } from './subscribable.js';

export interface MutationState<R> {
  data: R | undefined;
  error: MizanError | null;
  isPending: boolean;
}

const IDLE: MutationState<never> = { data: undefined, error: null, isPending: false };

export class Mutation<A, R> extends Subscribable {
  readonly fn: string;
  private readonly client: Pick<MizanClient, 'call'>;
  private state: MutationState<R> = IDLE;
  /** Only the latest `mutate` (since the last `reset`) may write the state. */
  private seq = 0;

  constructor(client: Pick<MizanClient, 'call'>, fn: string) {
    super();
    this.client = client;
    this.fn = fn;
  }

  getState = (): MutationState<R> => this.state;

  /** Calls the function; resolves with its result, rejects with a `MizanError` (also kept in `error`). */
  mutate = async (args: A): Promise<R> => {
    const seq = ++this.seq;
    this.set({ ...this.state, error: null, isPending: true });
    try {
      const data = await this.client.call<R>(this.fn, args as object);
      if (seq === this.seq) this.set({ data, error: null, isPending: false });
      return data;
    } catch (e) {
      const error = toMizanError(e);
      if (seq === this.seq) this.set({ data: undefined, error, isPending: false });
      throw error;
    }
  };

  reset = (): void => {
    this.seq++;
    this.set(IDLE);
  };

  private set(state: MutationState<R>): void {
    this.state = state;
    this.notify();
  }
}
