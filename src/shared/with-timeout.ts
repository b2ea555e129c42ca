export class TimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`operation timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Settles with the promise or rejects with TimeoutError after `timeoutMs`, whichever comes first.
 *
 * The event loop runs due timers before it reads sockets. When it was busy (many requests at once), a store's
 * reply can be waiting unread when the timer comes due; giving up in the timer itself would answer "store
 * unavailable" for a store that did answer. So the rejection waits for the next check phase (setImmediate),
 * after that turn's socket reads: the wait stays bounded (the timeout plus one turn of the loop).
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => setImmediate(() => reject(new TimeoutError(timeoutMs))), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
