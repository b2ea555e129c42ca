import { createHmac, randomUUID } from 'node:crypto';
import { ConnectionError, type DecisionRequest, type DecisionResult } from '../clients/typescript/src/index.js';
import { cell, CONNECTION_HELP, CONNECTION_OPTIONS, EXIT, fieldTable, parseOnlySubcommand, printJson, UsageError, type CliIo } from './cli-io.js';
import { connect, serviceUrl } from './connection.js';

export const HOOK_TRY_HELP = `Usage: wcs-token-auth hook try --token TOKEN --stream NAME [options]

Sends a WCS-shaped hook request (the newer playHLS body, pretty-printed and signed as WCS signs it) to a running
service, shows its decision (200 = allow, 403 = deny), and, with an admin key, the reason from the admin dry run
(POST /v1/decisions with the same body). This is a real request: an allow counts as a viewer session of the
token (a use of a maxUses token), as a viewer's would; --dry-run sends only the dry run.
  --token TOKEN          the token the viewer presents
  --stream NAME          the stream asked for
  --method NAME          the WCS method (default playHLS)
  --app-key KEY          the WCS application key (default defaultApp)
  --client-ip IP         the viewer's address, in sessionId (default 192.0.2.10)
  --session-id ID        mediaSessionId, one viewer's playback session (default: a new one)
  --signing-secret S     WCS's rest_hook_secret_key (default: $WCS_SIGNING_SECRET; unset: not signed)
  --hook-base-path PATH  the service's WCS_HOOK_BASE_PATH (default: $WCS_HOOK_BASE_PATH, else /wcs)
  --token-param NAME     the service's TOKEN_QUERY_PARAM (default: $TOKEN_QUERY_PARAM, else token)
  --dry-run              ask the admin dry run only; send no hook request

Exit status: 0 allowed, 1 denied, 5 the service could not be reached or did not decide (5xx).

${CONNECTION_HELP}`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  token: { type: 'string' },
  stream: { type: 'string' },
  method: { type: 'string' },
  'app-key': { type: 'string' },
  'client-ip': { type: 'string' },
  'session-id': { type: 'string' },
  'signing-secret': { type: 'string' },
  'hook-base-path': { type: 'string' },
  'token-param': { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

export async function hookCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseOnlySubcommand(args, io, { group: 'hook', sub: 'try', help: HOOK_TRY_HELP, options: OPTIONS });
  if (parsed.exit !== undefined) return parsed.exit;
  const { values } = parsed;
  if (!values.token || !values.stream) throw new UsageError('hook try needs --token and --stream');
  const method = values.method ?? 'playHLS';
  if (!/^[A-Za-z]{1,64}$/.test(method)) throw new UsageError('--method must be a WCS method name such as playHLS');
  const clientIp = values['client-ip'] ?? '192.0.2.10';
  const body = {
    nodeId: 'wcs-token-auth-cli@127.0.0.1',
    appKey: values['app-key'] ?? 'defaultApp',
    sessionId: `/${clientIp.includes(':') ? `[${clientIp}]` : clientIp}:50000/127.0.0.1:8445`,
    mediaSessionId: values['session-id'] ?? `${randomUUID()}-cli-HLS`,
    name: values.stream,
    mediaProvider: 'HLS',
    custom: { [values['token-param'] ?? io.env.TOKEN_QUERY_PARAM ?? 'token']: values.token },
  };
  const adminKey = values['admin-key'] ?? io.env.WTA_ADMIN_KEY;
  if (values['dry-run'] && !adminKey) throw new UsageError('--dry-run needs an admin key (WTA_ADMIN_KEY or --admin-key)');

  const hook = values['dry-run'] ? undefined : await sendHook(serviceUrl(values, io), method, body, values, io);
  const dryRun = adminKey ? await connect(values, io).verify({ method: method as NonNullable<DecisionRequest['method']>, body }) : undefined;
  const allow = hook ? hook.status === 200 : dryRun?.allow === true;
  if (values.json) printJson(io, { allow, hookStatus: hook?.status ?? null, dryRun: dryRun ?? null });
  else io.out(report(allow, hook, dryRun));
  if (hook && hook.status !== 200 && hook.status !== 403) return hook.status >= 500 ? EXIT.unavailable : EXIT.failed;
  return allow ? EXIT.ok : EXIT.failed;
}

/** POSTs the body as WCS does: pretty-printed bytes, `Authorization: WCS <HMAC-MD5 hex>` over exactly those bytes. */
async function sendHook(
  url: string,
  method: string,
  body: object,
  values: { 'signing-secret'?: string | undefined; 'hook-base-path'?: string | undefined },
  io: CliIo,
): Promise<{ status: number }> {
  const raw = JSON.stringify(body, null, 2);
  const secret = values['signing-secret'] ?? io.env.WCS_SIGNING_SECRET;
  const base = (values['hook-base-path'] ?? io.env.WCS_HOOK_BASE_PATH ?? '/wcs').replace(/\/+$/, '');
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (secret) headers.Authorization = `WCS ${createHmac('md5', secret).update(raw).digest('hex')}`;
  const response = await fetch(`${url.replace(/\/+$/, '')}${base}/${method}`, { method: 'POST', headers, body: raw }).catch((error: unknown) => {
    throw new ConnectionError(`cannot reach the service at ${url}: ${(error as Error).message}`);
  });
  await response.body?.cancel();
  return { status: response.status };
}

function report(allow: boolean, hook: { status: number } | undefined, dryRun: DecisionResult | undefined): string {
  const rows: [string, unknown][] = [
    ['decision', allow ? 'allow' : 'deny'],
    ['hook answer', hook ? `HTTP ${hook.status}` : 'not sent (--dry-run)'],
    ['reason (dry run)', dryRun?.reason ?? 'unknown: no admin key, so no dry run'],
    ['token id', dryRun?.tokenId],
    ['headers on allow', cell(dryRun?.headers)],
  ];
  let text = fieldTable(rows);
  if (hook && dryRun && (hook.status === 200) !== dryRun.allow) {
    text +=
      '\nThe hook and the dry run disagree. The dry run checks neither the WCS signature nor brute-force throttling:\n' +
      'check WCS_SIGNING_SECRET (--signing-secret) and the service log line for this request (reason field).\n';
  }
  return text;
}
