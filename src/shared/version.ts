import { readFileSync } from 'node:fs';

/**
 * The service's version, read once from package.json: the one place a release changes it (CHANGELOG.md names the
 * same number). The file sits two directories above this module both in `src/shared/` (tsx) and in `dist/shared/`
 * (the build), and the Docker image copies it next to `dist/`. The CLI's `--version` reads it from here too.
 */
function readPackageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof manifest.version !== 'string') throw new Error('package.json has no version');
  return manifest.version;
}

export const SERVICE_VERSION: string = readPackageVersion();

/** What `wcs_auth_build_info` and `/healthz` report about the running build. */
export const BUILD_INFO = {
  version: SERVICE_VERSION,
  nodeVersion: process.version,
} as const;
