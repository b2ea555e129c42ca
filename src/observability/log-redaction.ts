/**
 * Errors are logged by shape, not as they come: pino's default serializer copies every enumerable property, and
 * library errors carry what they were doing (ioredis: `command.args`, which holds the password of a failed AUTH, and
 * the keys and arguments of a failed script, i.e. token hashes and viewer ids). Only the fields below are logged,
 * and their text is scrubbed of the configured secrets and of anything shaped like a token.
 */
const KEPT_FIELDS = ['code', 'errno', 'syscall'] as const;
const MAX_TEXT = 2000;
const MAX_CAUSE_DEPTH = 2;

/** Opaque tokens, admin keys the service generates, JWTs, SHA-256 digests (token hashes in key names), URL credentials. */
const SHAPES: readonly [RegExp, string][] = [
  [/wta_[A-Za-z0-9_-]{8,}/g, '[redacted]'],
  [/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[redacted]'],
  [/\b[0-9a-fA-F]{64}\b/g, '[redacted]'],
  [/([a-z][a-z0-9+.-]*:\/\/)[^@\s/]*@/gi, '$1[redacted]@'],
];

export type TextScrubber = (text: string) => string;

/** Replaces every configured secret (longest first, so a secret containing another goes whole) and token shape. */
export function createScrubber(secrets: readonly string[]): TextScrubber {
  // Very short values would match ordinary text; config already requires long secrets (16+ characters for keys).
  const known = [...new Set(secrets.filter((secret) => secret.length >= 6))].sort((a, b) => b.length - a.length);
  return (text) => {
    let scrubbed = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
    for (const secret of known) if (scrubbed.includes(secret)) scrubbed = scrubbed.split(secret).join('[redacted]');
    for (const [pattern, replacement] of SHAPES) scrubbed = scrubbed.replace(pattern, replacement);
    return scrubbed;
  };
}

export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  code?: string | number;
  errno?: string | number;
  syscall?: string | number;
  cause?: SafeError | string;
}

/** pino serializer for `err`: the error's type, scrubbed message and stack, a few plain fields, its cause. */
export function createErrorSerializer(scrub: TextScrubber): (value: unknown) => unknown {
  const serialize = (value: unknown, depth: number): SafeError | string => {
    if (!(value instanceof Error)) return scrub(typeof value === 'string' ? value : safeString(value));
    const safe: SafeError = { type: value.constructor?.name ?? value.name, message: scrub(String(value.message)) };
    if (typeof value.stack === 'string') safe.stack = scrub(value.stack);
    const fields = value as unknown as Record<string, unknown>;
    for (const field of KEPT_FIELDS) {
      const kept = fields[field];
      if (typeof kept === 'number' || (typeof kept === 'string' && kept.length <= 64)) safe[field] = typeof kept === 'string' ? scrub(kept) : kept;
    }
    if (value.cause !== undefined && depth < MAX_CAUSE_DEPTH) safe.cause = serialize(value.cause, depth + 1);
    return safe;
  };
  return (value) => serialize(value, 0);
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'object' && value !== null ? `[${Object.prototype.toString.call(value).slice(8, -1)}]` : String(value);
  } catch {
    return '[unprintable]';
  }
}
