/**
 * One function's calls as UI state, for adapters: `mutate` runs
 * `client.call` and records pending / result / error. Shaped for
 * `useSyncExternalStore`.
 *
 * Calls made while one is pending are queued, never dropped: each is sent
 * when the one before it settled (failed or not), so the server sees them
 * in the order they were made, and their optimistic changes show at once,
 * stacked in that order.
 */
import type { CallOptions, MizanClient, Optimistic } from './client.js';
import { type MizanError, toMizanError } from './error.js';
import { Subscribable } from './subscribable.js';

export interface MutationState<A, R> {
  /** The result of the latest settled call. */
  data: R | undefined;
  /** Its error. */
  error: MizanError | null;
  /** The arguments of the latest call: pending, or settled when none is. */
  variables: A | undefined;
  /** A call is pending or queued. */
  isPending: boolean;
}

/**
 * What a mutation hook takes: `S` is the data of the contexts its function
 * changes (the generated hook says which), slot by slot.
 */
export interface MutationOptions<A, S = Record<string, unknown>> {
  /** Changes shown at once in the shown instances the call may change; see `CallOptions.optimistic`. */
  optimistic?: Optimistic<A, S>;
}

const IDLE: MutationState<never, never> = { data: undefined, error: null, variables: undefined, isPending: false };

export class Mutation<A, R, S = Record<string, unknown>> extends Subscribable {
  // `declare`: fields set in the constructor (or later) emit no class-field
  // initializer, bytes every app's bundle would carry (bench/client-size).
  declare readonly fn: string;
  private declare readonly client: Pick<MizanClient, 'call'>;
  private declare readonly options: CallOptions<A, S>;
  private state: MutationState<A, R> = IDLE;
  /** Bumped by `reset`: calls made before it no longer write the state. */
  private epoch = 0;
  private pending = 0;
  /** Settles when the latest call did: the next one waits for it. */
  private queue: Promise<unknown> = Promise.resolve();

  /** `options`: what the generated client knows (`affects`) and the hook's `optimistic` changes. */
  constructor(client: Pick<MizanClient, 'call'>, fn: string, options: CallOptions<A, S> = {}) {
    super();
    this.client = client;
    this.fn = fn;
    this.options = options;
  }

  getState = (): MutationState<A, R> => this.state;

  /**
   * Calls the function once the calls before it settled; resolves with its
   * result, rejects with a `MizanError`. The state then shows this call's
   * result or error (and `isPending` while later calls wait).
   */
  mutate = (args: A): Promise<R> => {
    const epoch = this.epoch;
    this.pending++;
    this.set({ ...this.state, error: null, variables: args, isPending: true });
    const call = this.client.call<R, A & object, S>(this.fn, args as A & object, { ...this.options, after: this.queue });
    this.queue = call.catch(() => undefined);
    const done = (patch: Pick<MutationState<A, R>, 'data' | 'error'>) => {
      if (epoch === this.epoch) this.set({ ...patch, variables: args, isPending: --this.pending > 0 });
    };
    return call.then(
      (data) => {
        done({ data, error: null });
        return data;
      },
      (e: unknown) => {
        const error = toMizanError(e);
        done({ data: undefined, error });
        throw error;
      },
    );
  };

  /** Back to idle: no data, no error; calls still pending settle without changing the state. */
  reset = (): void => {
    this.epoch++;
    this.pending = 0;
    this.set(IDLE);
  };

  private set(state: MutationState<A, R>): void {
    this.state = state;
    this.notify();
  }
}
