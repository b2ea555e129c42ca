import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

export interface ViewerResult {
  exitCode: number | null;
  /** Video frames ffmpeg decoded (one framecrc line each). */
  frames: number;
  stderr: string;
}

export interface Viewer {
  frames(): number;
  stderr(): string;
  /** Resolves when ffmpeg exits. */
  done: Promise<ViewerResult>;
  kill(): void;
}

/**
 * ffmpeg as an HLS viewer: reads the playlist (reloading it while the stream is live), fetches segments and
 * decodes video, printing one framecrc line per decoded frame. TLS certificates are not verified (ffmpeg's
 * default), as the test nginx uses a self-signed one.
 */
export function startViewer(ffmpeg: string, url: string, options: { maxFrames: number }): Viewer {
  const child = spawn(
    ffmpeg,
    [
      ...['-nostdin', '-hide_banner', '-loglevel', 'warning'],
      // Fail rather than wait forever on a stalled connection.
      ...['-rw_timeout', '15000000'],
      ...['-i', url, '-map', '0:v:0', '-frames:v', String(options.maxFrames), '-f', 'framecrc', '-'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let frames = 0;
  let stderr = '';
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    frames += lines.filter((line) => line !== '' && !line.startsWith('#')).length;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<ViewerResult>((resolve) => {
    child.once('close', (code) => {
      process.off('exit', killOnExit);
      resolve({ exitCode: code, frames, stderr });
    });
  });
  return { frames: () => frames, stderr: () => stderr, done, kill: () => void child.kill('SIGKILL') };
}

/** Plays until `maxFrames` are decoded or ffmpeg gives up; killed after `timeoutMs` so a test never hangs. */
export async function playHls(ffmpeg: string, url: string, options: { maxFrames: number; timeoutMs: number }): Promise<ViewerResult> {
  const viewer = startViewer(ffmpeg, url, options);
  const timer = setTimeout(() => viewer.kill(), options.timeoutMs);
  try {
    return await viewer.done;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A viewer that is playing when its token is revoked: plays `url` until it decodes frames, calls `revoke`, and
 * asserts that the viewer then stops by itself with a 403 (the next playlist fetch is refused); killed after 90 s.
 */
export async function playThenRevoke(ffmpeg: string, url: string, revoke: () => Promise<void>): Promise<ViewerResult> {
  const viewer = startViewer(ffmpeg, url, { maxFrames: 100_000 });
  const killer = setTimeout(() => viewer.kill(), 90_000);
  try {
    // Until the viewer has decoded some frames (bounded by count: 600 × 100 ms).
    for (let i = 0; i < 600 && viewer.frames() < 5; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(viewer.frames() >= 5, `the viewer should be playing before the revocation: ${viewer.stderr()}`);
    await revoke();
    const result = await viewer.done;
    assert.ok(result.frames < 100_000);
    assert.match(result.stderr, /403/);
    return result;
  } finally {
    clearTimeout(killer);
  }
}
