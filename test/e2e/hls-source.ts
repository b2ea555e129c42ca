import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HlsSource {
  playlistPath: string;
  /** Segment file names currently listed in the playlist. */
  segments(): string[];
  stop(): Promise<void>;
}

function listedSegments(playlistPath: string): string[] {
  try {
    return readFileSync(playlistPath, 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
  } catch {
    return [];
  }
}

/**
 * ffmpeg publishing a live-like HLS stream (test pattern, no audio) into `<dir>/<stream>/<stream>.m3u8`, the
 * layout of WCS's HLS URLs. Kept cheap for a shared machine: 160x90 at 5 fps, one thread, 1 s segments, and a
 * hard stop after `maxSeconds` so a forgotten process ends by itself.
 */
export async function startHlsSource(options: {
  ffmpeg: string;
  dir: string;
  stream: string;
  minSegments: number;
  maxSeconds: number;
  /** fmp4: fMP4 init (`init.mp4`) and media segments (`.m4s`) instead of MPEG-TS. */
  segmentType?: 'mpegts' | 'fmp4';
}): Promise<HlsSource> {
  const fmp4 = options.segmentType === 'fmp4';
  const streamDir = join(options.dir, options.stream);
  mkdirSync(streamDir, { recursive: true });
  const playlistPath = join(streamDir, `${options.stream}.m3u8`);
  const child = spawn(
    options.ffmpeg,
    [
      ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-re'],
      ...['-f', 'lavfi', '-i', 'testsrc=size=160x90:rate=5', '-t', String(options.maxSeconds)],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-threads', '1'],
      ...['-g', '5', '-keyint_min', '5', '-sc_threshold', '0'],
      // temp_file: the playlist and segments are written under a temporary name and renamed, so nothing (the
      // WCS stand-in, the test) ever reads a half-written playlist.
      ...['-f', 'hls', '-hls_time', '1', '-hls_list_size', '6', '-hls_flags', 'delete_segments+temp_file'],
      ...(fmp4 ? ['-hls_segment_type', 'fmp4'] : []),
      ...['-hls_segment_filename', join(streamDir, `${options.stream}%d.${fmp4 ? 'm4s' : 'ts'}`), playlistPath],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  // Bounded by count, not by the clock: a slow machine gets more polls (300 × 100 ms at most).
  for (let attempt = 0; listedSegments(playlistPath).length < options.minSegments; attempt++) {
    if (child.exitCode !== null) throw new Error(`ffmpeg (HLS source) exited with ${child.exitCode}: ${stderr}`);
    if (attempt >= 300) {
      child.kill('SIGKILL');
      throw new Error(`ffmpeg produced fewer than ${options.minSegments} segments in time: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    playlistPath,
    segments: () => listedSegments(playlistPath),
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
