import { readFileSync } from 'node:fs';
import { UsageError } from './cli-io.js';

/** Flags that shape a token (issue and update); each maps to a field of the admin API's request bodies. */
export const TOKEN_FLAG_OPTIONS = {
  stream: { type: 'string', multiple: true },
  'app-key': { type: 'string', multiple: true },
  action: { type: 'string', multiple: true },
  ttl: { type: 'string' },
  'expires-at': { type: 'string' },
  'not-before': { type: 'string' },
  'max-uses': { type: 'string' },
  'max-viewers': { type: 'string' },
  'viewer-id': { type: 'string' },
  'max-viewer-sessions': { type: 'string' },
  'allowed-ip': { type: 'string', multiple: true },
  'bind-ip': { type: 'string' },
  header: { type: 'string', multiple: true },
  metadata: { type: 'string', multiple: true },
  body: { type: 'string' },
} as const;

export const TOKEN_FLAG_HELP = `Token fields:
  --stream NAME          a stream name or pattern (repeat for several; e.g. 'event-42-*')
  --app-key KEY          a WCS application key it is valid for (repeat; default all)
  --action play|publish  (repeat; default play)
  --ttl SECONDS          lifetime, or --expires-at ISO-8601
  --not-before ISO-8601  not valid before (update: 'none' removes it)
  --max-uses N           distinct viewer sessions (update: 'none' removes the limit)
  --max-viewers N        concurrent viewer sessions (update: 'none' removes the limit)
  --viewer-id ID         the viewer this token is for (sessions API, per-viewer limit; update: 'none' removes it)
  --max-viewer-sessions N  live sessions the viewer may have across tokens (update: 'none' removes the limit)
  --allowed-ip CIDR      only from these addresses (repeat; update: 'none' removes the rule)
  --bind-ip true|false   bind to the first viewer's address
  --header NAME=VALUE    a header for WCS's 200 answer (repeat)
  --metadata KEY=VALUE   free metadata (repeat)
  --body JSON|@FILE      the request body as JSON (flags given too are merged over it)`;

type Values = { [K in keyof typeof TOKEN_FLAG_OPTIONS]?: (typeof TOKEN_FLAG_OPTIONS)[K] extends { multiple: true } ? string[] : string };

export function wholeNumber(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} must be a whole number (got "${value}")`);
  return Number(value);
}

const orNone = <T>(value: string, parse: (v: string) => T, forUpdate: boolean): T | null =>
  forUpdate && value === 'none' ? null : parse(value);

function pairs(flag: string, values: string[] | undefined): Record<string, string> | undefined {
  if (!values) return undefined;
  return Object.fromEntries(
    values.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new UsageError(`--${flag} must look like NAME=VALUE (got "${pair}")`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** The body given with --body: inline JSON, or @path to a file holding it. */
export function bodyFlag(value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  const text = value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new UsageError('--body must be a JSON object (or @file holding one)');
  }
}

/** The request body that the flags describe, over --body. Only given flags appear, so the API's defaults apply. */
export function tokenBody(values: Values, forUpdate: boolean): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    streams: values.stream,
    appKeys: values['app-key'],
    actions: values.action,
    ttlSeconds: values.ttl === undefined ? undefined : wholeNumber('ttl', values.ttl),
    expiresAt: values['expires-at'],
    notBefore: values['not-before'] === undefined ? undefined : orNone(values['not-before'], (v) => v, forUpdate),
    maxUses: values['max-uses'] === undefined ? undefined : orNone(values['max-uses'], (v) => wholeNumber('max-uses', v), forUpdate),
    maxViewers:
      values['max-viewers'] === undefined ? undefined : orNone(values['max-viewers'], (v) => wholeNumber('max-viewers', v), forUpdate),
    viewerId: values['viewer-id'] === undefined ? undefined : orNone(values['viewer-id'], (v) => v, forUpdate),
    maxViewerSessions:
      values['max-viewer-sessions'] === undefined
        ? undefined
        : orNone(values['max-viewer-sessions'], (v) => wholeNumber('max-viewer-sessions', v), forUpdate),
    allowedIps:
      values['allowed-ip'] === undefined ? undefined : forUpdate && values['allowed-ip'].join() === 'none' ? null : values['allowed-ip'],
    bindIpOnFirstUse: values['bind-ip'] === undefined ? undefined : booleanFlag('bind-ip', values['bind-ip']),
    headers: pairs('header', values.header),
    metadata: pairs('metadata', values.metadata),
  };
  const given = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  return { ...bodyFlag(values.body), ...given };
}

export function booleanFlag(flag: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`--${flag} must be true or false (got "${value}")`);
}
