import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BUSY_RETRY_MS, fdSink } from '../../src/observability/fd-sink.js';

function scratchDir(): string {
  return fs.mkdtempSync(join(tmpdir(), 'fd-sink-'));
}

/** A FIFO with a non-blocking write end (a reader is open, so the open succeeds) and the read end it needed. */
function fifo(dir: string): { path: string; reader: number; writer: number } {
  const path = join(dir, 'fifo');
  const made = spawnSync('mkfifo', [path]);
  assert.equal(made.status, 0, `mkfifo: ${String(made.stderr)}`);
  const reader = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writer = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  return { path, reader, writer };
}

/** fs.writeSync watched while `run` runs: each call's outcome, the bytes it wrote or the error code it threw. */
function watchWrites(run: () => void): (number | string)[] {
  const outcomes: (number | string)[] = [];
  const original = fs.writeSync;
  fs.writeSync = ((...args: Parameters<typeof fs.writeSync>) => {
    try {
      const written = (original as (...all: unknown[]) => number)(...args);
      outcomes.push(written);
      return written;
    } catch (error) {
      outcomes.push(String((error as NodeJS.ErrnoException).code));
      throw error;
    }
  }) as typeof fs.writeSync;
  try {
    run();
  } finally {
    fs.writeSync = original;
  }
  return outcomes;
}

test('each text is written whole, in order, with one write(2) when the descriptor takes it all', () => {
  const dir = scratchDir();
  const path = join(dir, 'out');
  const fd = fs.openSync(path, 'w');
  try {
    const sink = fdSink(fd);
    const texts = ['{"msg":"one"}\n', '{"msg":"zwei – ü, 流, 😀"}\n', 'x'.repeat(70_000) + '\n'];
    const outcomes = watchWrites(() => texts.forEach((text) => sink.write(text)));
    assert.deepEqual(outcomes, texts.map((text) => Buffer.byteLength(text)));
    assert.equal(fs.readFileSync(path, 'utf8'), texts.join(''));
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a full pipe: the rest of a partly written text waits (EAGAIN) and goes on once the reader reads, byte for byte', async () => {
  const dir = scratchDir();
  const { path, reader, writer } = fifo(dir);
  const out = join(dir, 'out');
  // cat reads from a blocking read end of its own (open now: a writer exists), so it sees the end of input once
  // the writer is closed, whatever the sink did. It starts only after the sink has met a full pipe, and writes to
  // a file, so nothing waits on this process while the sink waits.
  const catInput = fs.openSync(path, fs.constants.O_RDONLY);
  const cat = spawn('sh', ['-c', 'sleep 0.3; exec cat > "$0"', out], { stdio: [catInput, 'ignore', 'ignore'] });
  fs.closeSync(catInput);
  const exited = once(cat, 'exit');
  try {
    // Multi-byte characters throughout, so the pipe's capacity cuts the text inside a character.
    const text = Array.from({ length: 12_000 }, (_, i) => `{"n":${i},"s":"ü流😀"}\n`).join('');
    const started = performance.now();
    const outcomes = watchWrites(() => fdSink(writer).write(text));
    const waited = performance.now() - started;
    fs.closeSync(writer);
    await exited;
    assert.equal(fs.readFileSync(out, 'utf8'), text);
    const written = outcomes.filter((outcome): outcome is number => typeof outcome === 'number');
    assert.ok(written.length >= 2 && written[0]! < Buffer.byteLength(text), `a partial write first: ${outcomes.join(', ')}`);
    assert.ok(outcomes.includes('EAGAIN'), `the full pipe answered EAGAIN: ${outcomes.join(', ')}`);
    assert.equal(written.reduce((sum, n) => sum + n, 0), Buffer.byteLength(text));
    assert.ok(waited >= BUSY_RETRY_MS, `waited ${waited.toFixed(0)} ms between tries`);
  } finally {
    fs.closeSync(reader);
    cat.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('EPIPE (the reader is gone) drops that text and every later one without throwing; other errors are thrown', () => {
  const dir = scratchDir();
  const { reader, writer } = fifo(dir);
  try {
    fs.closeSync(reader);
    const sink = fdSink(writer);
    const first = watchWrites(() => sink.write('{"msg":"nobody reads"}\n'));
    assert.deepEqual(first, ['EPIPE']);
    const later = watchWrites(() => sink.write('{"msg":"still nobody"}\n'));
    assert.deepEqual(later, [], 'no write(2) once the reader is known to be gone');
  } finally {
    fs.closeSync(writer);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const closed = fs.openSync('/dev/null', 'w');
  fs.closeSync(closed);
  assert.throws(() => fdSink(closed).write('x\n'), (error: NodeJS.ErrnoException) => error.code === 'EBADF');
});
