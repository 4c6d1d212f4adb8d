/**
 * A context instance: one context with one set of params, its latest bundle,
 * the optimistic changes shown over it, and the components watching it.
 * Shaped for `useSyncExternalStore`: `subscribe` and `getState` are bound,
 * and `getState` returns the same object until the state changes.
 */
import { isObject, type MizanError, toMizanError } from './error.js';
import { applyMergeEntry, type MergeEntry } from './merge.js';
import { Subscribable } from './subscribable.js';

export type ContextStatus = 'idle' | 'loading' | 'success' | 'error';

export interface ContextState<T> {
  /** The server's data with the pending optimistic changes applied. */
  data: T | undefined;
  /** `idle` until the first fetch; `loading` while there is no data yet. */
  status: ContextStatus;
  error: MizanError | null;
  /** Any fetch in flight, the first one or a refetch. */
  isFetching: boolean;
  /** `Date.now()` of the last data change; 0 before any data. */
  updatedAt: number;
}

/** What an instance needs from its client. */
export interface InstanceHost {
  gcTimeMs(): number;
  fetch(instance: ContextInstance<unknown>, signal: AbortSignal): Promise<Record<string, unknown>>;
  /** Tells a push transport to watch the instance; the returned function stops it. */
  watch(instance: ContextInstance<unknown>): (() => void) | undefined;
  drop(instance: ContextInstance<unknown>): void;
}

/**
 * An optimistic change of one slot. `after` is set once its mutation
 * succeeded without bringing the new data along: the change is shown until a
 * fetch started after that (the one the invalidation starts) lands.
 */
export interface Layer {
  slot: string;
  update(current: unknown): unknown;
  after?: number;
}

const IDLE: ContextState<never> = { data: undefined, status: 'idle', error: null, isFetching: false, updatedAt: 0 };

export class ContextInstance<T = Record<string, unknown>> extends Subscribable {
  // `declare`: fields set in the constructor (or later) emit no class-field
  // initializer, bytes every app's bundle would carry (bench/client-size).
  declare readonly name: string;
  /** The instance key (see `instanceKey`). */
  declare readonly key: string;
  /** The params, as given by the latest `client.instance()` call for this key. */
  declare params: Record<string, unknown>;

  private state: ContextState<T> = IDLE;
  /** The server's data, before the optimistic layers. */
  private declare base: T | undefined;
  private layers: Layer[] = [];
  private declare readonly host: InstanceHost;
  /** No data yet, or the data may be out of date (invalidated, or the last fetch failed). */
  private stale = true;
  /** Invalidated while a fetch was in flight: fetch once more after it. */
  private again = false;
  /** Newer data arrived (a refresh) while a fetch was in flight: that fetch's result is dropped. */
  private superseded = false;
  private declare running: Promise<void> | undefined;
  private declare controller: AbortController | undefined;
  /** Fetches started so far; numbers them for the layers' `after`. */
  private fetches = 0;
  /** Merges received while a fetch is in flight, re-applied to its result. */
  private lateMerges: MergeEntry[] = [];
  private declare gcTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Set from the first subscriber until the instance is dropped, not only
   * while it has subscribers: a push for an unmounted instance still marks it
   * stale, so a remount within the gc delay can trust its data.
   */
  private declare unwatch: (() => void) | undefined;

  constructor(host: InstanceHost, name: string, params: Record<string, unknown>, key: string) {
    super();
    this.host = host;
    this.name = name;
    this.params = params;
    this.key = key;
    this.scheduleGc();
  }

  /** The first subscriber fetches when there is no data or it is stale; the last one leaving schedules GC. */
  protected override onFirstListener(): void {
    clearTimeout(this.gcTimer);
    this.unwatch ??= this.host.watch(this);
    if (this.stale) void this.fetch();
  }

  /**
   * Nobody shows the instance any more: a fetch in flight is aborted (a tick
   * later, so that a remount in the same tick keeps it), and GC is scheduled.
   */
  protected override onLastListener(): void {
    this.scheduleGc();
    setTimeout(() => this.subscribers || this.controller?.abort(), 0);
  }

  getState = (): ContextState<T> => this.state;

  /** Fetches now (or once more after the fetch in flight). Resolves when settled; never rejects. */
  refetch(): Promise<void> {
    this.stale = true;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    return this.fetch();
  }

  /** @internal An invalidation hit: refetch when watched, else only mark stale. */
  invalidate(): void {
    this.stale = true;
    if (!this.subscribers) return;
    if (this.running) this.again = true;
    else void this.fetch();
  }

  /** @internal */
  merge(entry: MergeEntry): void {
    if (this.running) this.lateMerges.push(entry);
    if (isObject(this.base)) this.update({ data: applyMergeEntry(this.base, entry) as T, updatedAt: Date.now() });
  }

  /**
   * @internal Data known to be fresh, taken as if fetched now: a hydrated
   * bundle, or a single-flight refresh. A fetch in flight may predate it: its
   * result is dropped.
   */
  receive(data: T): void {
    this.stale = false;
    this.superseded = !!this.running;
    this.update({ data, status: 'success', error: null, updatedAt: Date.now() });
  }

  /** @internal Shows `update` over `slot` at once; `undefined` when there is no such slot to change yet. */
  layer(slot: string, update: Layer['update']): Layer | undefined {
    if (!isObject(this.base) || !(slot in this.base)) return undefined;
    const layer: Layer = { slot, update };
    this.layers.push(layer);
    this.update({});
    return layer;
  }

  /** @internal Takes an optimistic change back (its mutation failed, or its result is in). */
  unlayer(layer: Layer): void {
    this.layers = this.layers.filter((l) => l !== layer);
    this.update({});
  }

  /** @internal The change's mutation succeeded and a refetch will bring its result: keep it until that lands. */
  settle(layer: Layer): void {
    layer.after = this.fetches;
  }

  /** @internal The client's transport changed: watch the instance through the new one. */
  rewatch(): void {
    if (!this.unwatch) return;
    this.unwatch();
    this.unwatch = this.host.watch(this);
  }

  private fetch(): Promise<void> {
    if (!this.running) {
      // Set before the loop starts: its first notification may already call refetch().
      let settle!: () => void;
      this.running = new Promise((resolve) => (settle = resolve));
      void this.loop(settle);
    }
    return this.running;
  }

  private async loop(settle: () => void): Promise<void> {
    this.update({ isFetching: true, status: this.base === undefined ? 'loading' : this.state.status });
    let next: Partial<ContextState<T>>;
    do {
      this.again = this.superseded = this.stale = false;
      this.lateMerges = [];
      const id = ++this.fetches;
      const controller = (this.controller = new AbortController());
      try {
        let data = await this.host.fetch(this as ContextInstance<unknown>, controller.signal);
        for (const entry of this.lateMerges) data = applyMergeEntry(data, entry);
        next = this.superseded ? {} : { data: data as T, status: 'success', error: null, updatedAt: Date.now() };
      } catch (e) {
        this.stale = true;
        next = { status: 'error', error: toMizanError(e) };
      }
      if (controller.signal.aborted) {
        // Nobody shows it any more: back to what it was, fetched again on the next subscribe.
        this.stale = true;
        next = { status: this.base === undefined ? 'idle' : this.state.status };
        break;
      }
      // What the mutations behind settled layers changed is in this result.
      this.layers = this.layers.filter((l) => l.after === undefined || l.after >= id);
      if (this.again) this.update(next);
    } while (this.again);
    this.running = this.controller = undefined;
    this.update({ ...next, isFetching: false });
    settle();
  }

  /** Applies `patch` (its `data` is the server's) and shows the layers over it. */
  private update(patch: Partial<ContextState<T>>): void {
    if ('data' in patch) this.base = patch.data;
    let data = this.base;
    for (const { slot, update } of this.layers) {
      try {
        data = { ...data, [slot]: update((data as Record<string, unknown>)[slot]) } as T;
      } catch (e) {
        // A change that no longer applies to newer data is left out, not fatal to the instance.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
    this.state = { ...this.state, ...patch, data };
    this.notify();
  }

  private scheduleGc(): void {
    clearTimeout(this.gcTimer);
    const ms = this.host.gcTimeMs();
    if (!(ms < Infinity)) return;
    this.gcTimer = setTimeout(() => {
      if (this.subscribers) return;
      this.controller?.abort();
      this.unwatch?.();
      this.unwatch = undefined;
      this.host.drop(this as ContextInstance<unknown>);
    }, ms);
    // Never keep a server-side process alive just to collect garbage.
    (this.gcTimer as unknown as { unref?: () => void }).unref?.();
  }
}

const waiting = new WeakMap<ContextInstance<unknown>, Promise<unknown>>();

/**
 * The instance's data once it has some, fetching it if needed: what a
 * suspending read waits for (React's `use`, a server render that streams).
 * Rejects with the error when the fetch fails before there is any data. The
 * same promise until it settles; meanwhile it holds the instance like a
 * subscriber does (it is shown, by a component that waits for it).
 */
export function ready<T>(instance: ContextInstance<T>): Promise<T> {
  const { data } = instance.getState();
  if (data !== undefined) return Promise.resolve(data);
  let promise = waiting.get(instance) as Promise<T> | undefined;
  if (!promise) {
    promise = new Promise<T>((resolve, reject) => {
      const check = () => {
        const state = instance.getState();
        if (state.data !== undefined) resolve(state.data);
        else if (state.error && !state.isFetching) reject(state.error);
        else return;
        waiting.delete(instance);
        queueMicrotask(stop);
      };
      // The first subscriber fetches (again, after an error).
      const stop = instance.subscribe(check);
    });
    waiting.set(instance, promise);
  }
  return promise;
}
