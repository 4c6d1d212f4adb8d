/** A render that passed its timeout (the worker tells the server so: `timedOut`). */
export class RenderTimeout extends Error {
  override readonly name = 'RenderTimeout';

  constructor(ms: number) {
    super(`the render took longer than ${ms} ms`);
  }
}

/** `promise`, or a `RenderTimeout` once `ms` have passed. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RenderTimeout(ms)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
