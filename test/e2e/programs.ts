import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** sbin directories are searched too: Debian installs nginx as /usr/sbin/nginx, often not on a user's PATH. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** The full path of an installed program, or undefined. */
export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const path = join(dir, name);
    if (existsSync(path) && spawnSync(path, ['-version'], { stdio: 'ignore', timeout: 10_000 }).error === undefined) return path;
  }
  return undefined;
}

export interface E2ePrograms {
  nginx: string;
  ffmpeg: string;
  openssl: string;
}

/**
 * The real programs the end-to-end suite drives, or a message naming what is missing and how to install it
 * (scripts/install-system-deps.sh installs them in CI).
 */
export function findE2ePrograms(): { programs: E2ePrograms; missing?: undefined } | { programs?: undefined; missing: string } {
  const nginx = findProgram('nginx');
  const ffmpeg = findProgram('ffmpeg');
  const openssl = findProgram('openssl');
  if (nginx && ffmpeg && openssl) return { programs: { nginx, ffmpeg, openssl } };
  const absent = [!nginx && 'nginx', !ffmpeg && 'ffmpeg', !openssl && 'openssl'].filter((name) => typeof name === 'string');
  return {
    missing:
      `end-to-end playback tests skipped: ${absent.join(', ')} not found. ` +
      `Install with: apt-get update && apt-get install -y ${absent.join(' ')} (or run scripts/install-system-deps.sh as root).`,
  };
}
