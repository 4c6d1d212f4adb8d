/**
 * The listener set every kernel store shares (context instances, mutations,
 * channels, the client's event log): `subscribe` is bound and returns its
 * own unsubscribe, one throwing listener does not starve the others, and a
 * store hears when its first listener arrives and its last one leaves.
 * Listeners take no arguments (a store is read with `getState`) unless the
 * store says otherwise (the client's events).
 */
export class Subscribable<L extends (...args: never[]) => void = () => void> {
  private readonly listeners = new Set<L>();

  subscribe = (listener: L): (() => void) => {
    // A wrapper per call, so the same function subscribed twice counts twice.
    const entry = ((...args: Parameters<L>) => listener(...args)) as L;
    this.listeners.add(entry);
    if (this.listeners.size === 1) this.onFirstListener();
    return () => {
      if (this.listeners.delete(entry) && this.listeners.size === 0) this.onLastListener();
    };
  };

  /** How many listeners the store has: a context instance with any is mounted. */
  get subscribers(): number {
    return this.listeners.size;
  }

  protected notify(...args: Parameters<L>): void {
    for (const listener of this.listeners) {
      try {
        listener(...args);
      } catch (e) {
        // Reported, but after the others heard: one broken subscriber must not wedge a store.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  protected onFirstListener(): void {}

  protected onLastListener(): void {}
}
