/**
 * The listener set every kernel store shares (context instances, mutations,
 * channels): `subscribe` is bound and returns its own unsubscribe, one
 * throwing listener does not starve the others, and a store hears when its
 * first listener arrives and its last one leaves.
 */
export class Subscribable {
  private readonly listeners = new Set<() => void>();

  subscribe = (listener: () => void): (() => void) => {
    // A wrapper per call, so the same function subscribed twice counts twice.
    const entry = () => listener();
    this.listeners.add(entry);
    if (this.listeners.size === 1) this.onFirstListener();
    return () => {
      if (this.listeners.delete(entry) && this.listeners.size === 0) this.onLastListener();
    };
  };

  protected get listenerCount(): number {
    return this.listeners.size;
  }

  protected notify(): void {
    for (const listener of this.listeners) {
      try {
        listener();
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
