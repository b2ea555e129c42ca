/**
 * Where a turn's lines go: stdout's fdSink (fd-sink.ts), one synchronous write(2) of what it is given, retried on
 * EAGAIN, continued after a partial write (a pipe that is full), dropping its output on EPIPE instead of throwing.
 */
export interface LineSink {
  write(text: string): unknown;
}

/** A pino destination stream that also flushes on demand; `flush` is synchronous here, then calls back. */
export interface BatchedDestination {
  write(line: string): void;
  flushSync(): void;
  flush(callback?: (error?: Error) => void): void;
}

/** Past this many characters buffered in one turn, the buffer is written at once: memory stays bounded. */
export const BATCH_LIMIT_CHARS = 64 * 1024;

/**
 * The batched destinations holding lines not yet written, flushed when the process exits: one exit listener for
 * all of them, and a destination that is dropped while empty is not kept alive.
 */
const holding = new Set<Batch>();
let listening = false;
let exiting = false;

function flushAllAtExit(): void {
  exiting = true;
  for (const batch of holding) batch.flushSync();
}

/**
 * The lines logged during one turn of the event loop, written with one write(2) when the turn's I/O callbacks are
 * done (setImmediate runs in the same loop iteration, after the poll phase where requests are handled): a syscall
 * per line was the one syscall per decision the bare node:http baseline does not make (bench/README.md); with one
 * line per turn (one connection) nothing is saved and the setImmediate is the price (bench/log-batch.mjs). Every
 * line of the logger goes through the same buffer, so their order is kept. Flushed at once when a turn buffers
 * more than BATCH_LIMIT_CHARS, by pino's `fatal` (it calls flushSync), by `logger.flush()`, and when the process
 * exits (process.exit, an uncaught exception, an unhandled rejection, the loop running dry). Only a death
 * without an 'exit' event (SIGKILL, abort, a signal without a handler, out of memory) loses a line: at most those
 * of the turn it died in.
 */
class Batch implements BatchedDestination {
  private pending = '';
  private scheduled = false;
  private readonly flushNow = (): void => {
    this.scheduled = false;
    this.flushSync();
  };

  constructor(private readonly sink: LineSink) {}

  write(line: string): void {
    if (this.pending === '') holding.add(this);
    this.pending += line;
    if (exiting || this.pending.length > BATCH_LIMIT_CHARS) {
      this.flushSync();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
  }

  flushSync(): void {
    if (this.pending === '') return;
    const text = this.pending;
    // Emptied first: a sink that throws (an error other than EPIPE) must not have the same text written twice.
    this.pending = '';
    holding.delete(this);
    this.sink.write(text);
  }

  flush(callback?: (error?: Error) => void): void {
    try {
      this.flushSync();
    } catch (error) {
      callback?.(error as Error);
      return;
    }
    callback?.();
  }
}

/** A destination that batches the lines of a turn into one write to `sink` (see Batch). */
export function batchedDestination(sink: LineSink): BatchedDestination {
  if (!listening) {
    listening = true;
    process.on('exit', flushAllAtExit);
  }
  return new Batch(sink);
}
