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
