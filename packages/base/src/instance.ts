/**
 * A context instance: one context with one set of params, its latest bundle,
 * and the components watching it. Shaped for `useSyncExternalStore`:
 * `subscribe` and `getState` are bound, and `getState` returns the same object
 * until the state changes.
 */
import { isObject, type MizanError, toMizanError } from './error.js';
import { applyMergeEntry, type MergeEntry } from './merge.js';
import { Subscribable } from './subscribable.js';

export type ContextStatus = 'idle' | 'loading' | 'success' | 'error';

export interface ContextState<T> {
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
  fetchContext(name: string, params: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Tells a push transport to watch the instance; the returned function stops it. */
  watch(instance: ContextInstance<unknown>): (() => void) | undefined;
  drop(instance: ContextInstance<unknown>): void;
}

const IDLE: ContextState<never> = { data: undefined, status: 'idle', error: null, isFetching: false, updatedAt: 0 };

export class ContextInstance<T = Record<string, unknown>> extends Subscribable {
  readonly name: string;
  /** The instance key (see `instanceKey`). */
  readonly key: string;
  /** The params, as given by the latest `client.instance()` call for this key. */
  params: Record<string, unknown>;

  private state: ContextState<T> = IDLE;
  private readonly host: InstanceHost;
  /** No data yet, or the data may be out of date (invalidated, or the last fetch failed). */
  private stale = true;
  /** Invalidated while a fetch was in flight: fetch once more after it. */
  private again = false;
  private running: Promise<void> | undefined;
  /** Merges received while a fetch is in flight, re-applied to its result. */
  private lateMerges: MergeEntry[] = [];
  private gcTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Set from the first subscriber until the instance is dropped, not only
   * while it has subscribers: a push for an unmounted instance still marks it
   * stale, so a remount within the gc delay can trust its data.
   */
  private unwatch: (() => void) | undefined;

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

  protected override onLastListener(): void {
    this.scheduleGc();
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
    if (this.listenerCount === 0) return;
    if (this.running) this.again = true;
    else void this.fetch();
  }

  /** @internal */
  merge(entry: MergeEntry): void {
    if (this.running) this.lateMerges.push(entry);
    const data: unknown = this.state.data;
    if (isObject(data)) this.update({ data: applyMergeEntry(data, entry) as T, updatedAt: Date.now() });
  }

  /** @internal The client's transport changed: watch the instance through the new one. */
  rewatch(): void {
    if (!this.unwatch) return;
    this.unwatch();
    this.unwatch = this.host.watch(this);
  }

  /** @internal Data known to be fresh (hydration). */
  seed(data: T): void {
    this.stale = false;
    this.update({ data, status: 'success', error: null, updatedAt: Date.now() });
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
    this.update({ isFetching: true, status: this.state.data === undefined ? 'loading' : this.state.status });
    let next: Partial<ContextState<T>>;
    do {
      this.again = false;
      this.stale = false;
      this.lateMerges = [];
      try {
        let data = await this.host.fetchContext(this.name, this.params);
        for (const entry of this.lateMerges) data = applyMergeEntry(data, entry);
        next = { data: data as T, status: 'success', error: null, updatedAt: Date.now() };
      } catch (e) {
        this.stale = true;
        next = { status: 'error', error: toMizanError(e) };
      }
      if (this.again) this.update(next);
    } while (this.again);
    this.running = undefined;
    this.update({ ...next, isFetching: false });
    settle();
  }

  private update(patch: Partial<ContextState<T>>): void {
    this.state = { ...this.state, ...patch };
    this.notify();
  }

  private scheduleGc(): void {
    clearTimeout(this.gcTimer);
    const ms = this.host.gcTimeMs();
    if (!(ms < Infinity)) return;
    this.gcTimer = setTimeout(() => {
      if (this.listenerCount > 0) return;
      this.unwatch?.();
      this.unwatch = undefined;
      this.host.drop(this);
    }, ms);
    // Never keep a server-side process alive just to collect garbage.
    (this.gcTimer as unknown as { unref?: () => void }).unref?.();
  }
}
