import { performance } from 'node:perf_hooks';

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

interface Waiting {
  deadline: number;
  settled: boolean;
  reject: (error: unknown) => void;
}

/**
 * The waits of one timeout length, in arrival order: their deadlines only grow, so one timer for the oldest
 * unsettled wait serves them all. Per wait this costs an entry and a flag instead of a timer set and cleared
 * (a Timeout object, a list insert, an unenroll); the timer is unref'd while nothing waits, so it never keeps
 * the process alive on its own, and the list is dropped each time it empties.
 */
class TimeoutQueue {
  private waits: Waiting[] = [];
  private head = 0;
  private unsettled = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  add(reject: (error: unknown) => void): Waiting {
    const wait: Waiting = { deadline: performance.now() + this.timeoutMs, settled: false, reject };
    this.waits.push(wait);
    this.unsettled += 1;
    if (this.timer === undefined) this.timer = setTimeout(() => this.due(), this.timeoutMs);
    else if (!this.timer.hasRef()) this.timer.ref();
    return wait;
  }

  settle(wait: Waiting): void {
    if (wait.settled) return;
    wait.settled = true;
    this.unsettled -= 1;
    if (this.unsettled === 0) {
      this.waits = [];
      this.head = 0;
      this.timer?.unref();
    }
  }

  /** Gives up every wait whose deadline has come (node's timers have whole-millisecond precision), then re-arms. */
  private due(): void {
    this.timer = undefined;
    const now = performance.now() + 1;
    while (this.head < this.waits.length) {
      const wait = this.waits[this.head] as Waiting;
      if (!wait.settled && wait.deadline > now) break;
      this.head += 1;
      if (wait.settled) continue;
      this.settle(wait);
      // As withTimeout: the rejection waits for the check phase, after this turn's socket reads.
      setImmediate(() => wait.reject(new TimeoutError(this.timeoutMs)));
    }
    // Under steady load the list may never empty: what the head has passed is dropped here, once per timeout.
    if (this.head > 0) {
      this.waits = this.waits.slice(this.head);
      this.head = 0;
    }
    const next = this.waits[0];
    if (next !== undefined) this.timer = setTimeout(() => this.due(), Math.max(1, Math.ceil(next.deadline - performance.now())));
  }
}

const queues = new Map<number, TimeoutQueue>();

/**
 * withTimeout for a timeout length used again and again (a decision's STORE_TIMEOUT_MS): the same answers and the
 * same deferred rejection, with one shared timer per length instead of one per call. Not for lengths that vary
 * per call (each length keeps its queue).
 */
export function withSharedTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let queue = queues.get(timeoutMs);
  if (queue === undefined) {
    queue = new TimeoutQueue(timeoutMs);
    queues.set(timeoutMs, queue);
  }
  const shared = queue;
  return new Promise<T>((resolve, reject) => {
    const wait = shared.add(reject);
    promise.then(
      (value) => {
        shared.settle(wait);
        resolve(value);
      },
      (error: unknown) => {
        shared.settle(wait);
        reject(error);
      },
    );
  });
}
