import { readFileSync, statSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { JsonWebKey } from 'node:crypto';
import type { Logger } from 'pino';
import type { JwtAlgorithm } from './jwt-algorithms.js';
import { buildSigningKey, buildVerificationKey, materialFromEnv, type JwtKey, type SigningKey } from './jwt-key.js';
import type { JwtKeySpec } from './jwt-key-spec.js';

export interface KeyRingSpecs {
  /** JWT_KEYS: keys that verify tokens minted elsewhere. */
  verify: readonly JwtKeySpec[];
  /** JWT_SIGNING_KEYS: the first signs issued tokens; all are published and verify. */
  signing: readonly JwtKeySpec[];
}

/** A key that cannot be loaded; `variable` names the setting to fix. The message never contains key material. */
export class JwtKeyError extends Error {
  constructor(
    readonly variable: 'JWT_KEYS' | 'JWT_SIGNING_KEYS',
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'JwtKeyError';
  }
}

interface KeySet {
  byKid: ReadonlyMap<string, JwtKey>;
  signing: SigningKey | undefined;
  publicJwks: readonly JsonWebKey[];
}

type ReadMaterial = (spec: JwtKeySpec) => Buffer;

function buildKeySet(specs: KeyRingSpecs, read: ReadMaterial): KeySet {
  const byKid = new Map<string, JwtKey>();
  const publicJwks: JsonWebKey[] = [];
  let signing: SigningKey | undefined;
  const load = (variable: JwtKeyError['variable'], list: readonly JwtKeySpec[], each: (spec: JwtKeySpec, material: Buffer) => void) => {
    for (const [index, spec] of list.entries()) {
      const where = `entry ${index + 1} (kid "${spec.kid}")`;
      if (byKid.has(spec.kid)) throw new JwtKeyError(variable, `${where}: kid "${spec.kid}" is also used by another key`);
      let material: Buffer;
      try {
        material = read(spec);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new JwtKeyError(variable, `${where}: cannot read ${spec.source.kind === 'file' ? spec.source.path : 'key'}${code ? ` (${code})` : ''}`);
      }
      try {
        each(spec, material);
      } catch (error) {
        throw new JwtKeyError(variable, `${where}: ${(error as Error).message}`);
      }
    }
  };
  load('JWT_SIGNING_KEYS', specs.signing, (spec, material) => {
    const built = buildSigningKey(spec, material);
    signing ??= built.signing;
    byKid.set(spec.kid, built.verification);
    if (built.signing.publicJwk) publicJwks.push(built.signing.publicJwk);
  });
  load('JWT_KEYS', specs.verify, (spec, material) => byKid.set(spec.kid, buildVerificationKey(spec, material)));
  return { byKid, signing, publicJwks };
}

function fileSpecs(specs: KeyRingSpecs): string[] {
  return [...specs.signing, ...specs.verify].flatMap((spec) => (spec.source.kind === 'file' ? [spec.source.path] : []));
}

/**
 * The configured keys (JWT_KEYS and JWT_SIGNING_KEYS), loaded once at start. Files can be rotated without a
 * restart: reload() re-reads them (on SIGHUP, and when a watched file changes) and swaps the whole set at once, or
 * keeps the previous set when the new files are not valid — a running service never loses its keys to a typo.
 */
export class KeyRing {
  private current: KeySet;
  private fileVersions = new Map<string, string>();
  private watcher: NodeJS.Timeout | undefined;
  private reloading: Promise<boolean> | undefined;

  /** Throws JwtKeyError when a key cannot be loaded: the service must not start with a broken key list. */
  constructor(
    private readonly specs: KeyRingSpecs,
    private readonly logger: Logger,
  ) {
    this.current = buildKeySet(specs, (spec) => (spec.source.kind === 'file' ? readFileSync(spec.source.path) : materialFromEnv(spec.source.value)));
    for (const path of fileSpecs(specs)) this.fileVersions.set(path, fileVersion(statSync(path)));
  }

  find(kid: string): JwtKey | undefined {
    return this.current.byKid.get(kid);
  }

  /** Keys that allow `alg`, for tokens without a `kid`. */
  keysFor(alg: JwtAlgorithm): JwtKey[] {
    return [...this.current.byKid.values()].filter((key) => key.algorithms.includes(alg));
  }

  get signingKey(): SigningKey | undefined {
    return this.current.signing;
  }

  /** The public keys this service signs with (current and previous), for /.well-known/jwks.json. */
  get publicJwks(): readonly JsonWebKey[] {
    return this.current.publicJwks;
  }

  get kids(): string[] {
    return [...this.current.byKid.keys()];
  }

  /** Re-reads every key; resolves true when the new set is in place, false when the old one was kept. */
  reload(): Promise<boolean> {
    this.reloading ??= this.readAndSwap().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  /** Polls the key files' metadata every `intervalMs` and reloads when one changed (also a symlink swapped). */
  watch(intervalMs: number, onReload?: (ok: boolean) => void): void {
    if (intervalMs <= 0 || fileSpecs(this.specs).length === 0) return;
    clearInterval(this.watcher);
    this.watcher = setInterval(() => {
      void this.fileVersionsChanged().then(async (changed) => {
        if (changed) onReload?.(await this.reload());
      });
    }, intervalMs).unref();
  }

  close(): void {
    clearInterval(this.watcher);
  }

  private async readAndSwap(): Promise<boolean> {
    const contents = new Map<string, Buffer | Error>();
    for (const path of fileSpecs(this.specs)) {
      contents.set(path, await readFile(path).catch((error: Error) => error));
    }
    try {
      this.current = buildKeySet(this.specs, (spec) => {
        if (spec.source.kind === 'env') return materialFromEnv(spec.source.value);
        const content = contents.get(spec.source.path);
        if (content instanceof Error || content === undefined) throw content ?? new Error('not read');
        return content;
      });
      await this.fileVersionsChanged();
      this.logger.info({ event: 'jwt_keys_reloaded', kids: this.kids }, 'JWT keys reloaded');
      return true;
    } catch (error) {
      // Keeping the previous keys is the safe side: they were valid a moment ago, the new files are not.
      this.logger.error({ event: 'jwt_keys_reload_failed', problem: (error as Error).message }, 'JWT keys not reloaded; keeping the previous keys');
      return false;
    }
  }

  private async fileVersionsChanged(): Promise<boolean> {
    let changed = false;
    for (const path of fileSpecs(this.specs)) {
      const version = await stat(path).then(fileVersion, () => 'missing');
      if (this.fileVersions.get(path) !== version) changed = true;
      this.fileVersions.set(path, version);
    }
    return changed;
  }
}

function fileVersion(stats: Stats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}
