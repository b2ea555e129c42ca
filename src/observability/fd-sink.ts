import fs from 'node:fs';
import type { LineSink } from './batched-destination.js';

/** How long a write that would block waits before it is tried again: sonic-boom's BUSY_WRITE_TIMEOUT. */
export const BUSY_RETRY_MS = 100;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Whole texts written to a file descriptor with write(2), synchronously: the sink under the batched stdout
 * (batched-destination.ts). It does what pino's synchronous sonic-boom did there, without sonic-boom's work per
 * write: sonic-boom measures the text, writes it, then encodes it to a new Buffer once more only to learn that
 * nothing is left (releaseWritingBuf), and emits `write` and a `drain` tick. Under load a turn's batch is ~20 KB, so
 * each turn paid for a buffer outside node's pool: ~1.2 µs per decision line at 40 lines a turn (bench/README.md,
 * "Ninth pass").
 *
 * What sonic-boom's sync mode did stays: a partial write (a pipe with less room than the text) goes on with the
 * rest; a write that would block (EAGAIN, EBUSY: a non-blocking descriptor that is full) is tried again after
 * BUSY_RETRY_MS, as long as it takes; EPIPE (the reader is gone) drops this text and every later one, as pino's
 * broken-pipe filter does; any other error is thrown, as pino then did.
 */
export function fdSink(fd: number): LineSink {
  let broken = false;
  return {
    write(text: string): void {
      if (broken) return;
      let rest: string | Buffer = text;
      for (;;) {
        let written: number;
        try {
          // fs.writeSync is read from the module at each call (tests watch it).
          // Two overloads of writeSync, one for a text and one for bytes.
          written = typeof rest === 'string' ? fs.writeSync(fd, rest) : fs.writeSync(fd, rest);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException | null)?.code;
          if (code === 'EAGAIN' || code === 'EBUSY') {
            Atomics.wait(sleeper, 0, 0, BUSY_RETRY_MS);
            continue;
          }
          if (code === 'EPIPE') {
            broken = true;
            return;
          }
          throw error;
        }
        if (typeof rest === 'string') {
          // Almost always all of it: told by the byte count, without encoding the text again.
          if (written === Buffer.byteLength(rest)) return;
          rest = Buffer.from(rest).subarray(written);
        } else {
          if (written === rest.length) return;
          rest = rest.subarray(written);
        }
      }
    },
  };
}
