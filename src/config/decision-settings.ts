import { z } from 'zod';
import type { EdgeSigningSettings } from '../playback/edge-signature.js';
import { ENFORCEABLE_METHODS } from '../playback/enforced-methods.js';
import { headerMapSchema } from '../shared/http-headers.js';
import { parseCidrList } from '../shared/ip-address.js';
import { booleanString, integerString, nameString, parsedWith, pathString, secret, splitList, type EnvOf, type ReportProblem } from './env-values.js';
import { servedPathClash } from './served-paths.js';

const DEFAULT_HOOK_BASE_PATH = '/wcs';
const DEFAULT_NGINX_AUTH_PATH = '/nginx/auth';

const headerMapJson = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object such as {"X-Auth-Service":"wcs-token-auth"}' });
      return z.NEVER;
    }
  })
  .pipe(headerMapSchema);

const methodList = z.string().transform((value, ctx) => {
  const methods = [...new Set(splitList(value))];
  const known = Object.keys(ENFORCEABLE_METHODS);
  const unknown = methods.find((method) => !known.includes(method));
  if (unknown !== undefined) {
    ctx.addIssue({ code: 'custom', message: `"${unknown}" cannot be enforced (choose from ${known.join(', ')}; events are never refused)` });
    return z.NEVER;
  }
  return methods;
});

const cidrList = parsedWith(
  (value) => (value.trim() === 'none' ? [] : parseCidrList(value)),
  '; expected e.g. 127.0.0.0/8,::1/128 or none',
);

/** A regular expression for the end of a path segment; `none` disables it. */
const suffixRegex = z.string().transform((value, ctx) => {
  if (value === 'none') return null;
  try {
    return new RegExp(`(?:${value})$`);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a valid regular expression (or none)' });
    return z.NEVER;
  }
});

/** How a decision is asked for and answered: the WCS hook, nginx's auth_request, and edge signatures. */
export const decisionEnv = {
  WCS_HOOK_BASE_PATH: pathString.default(DEFAULT_HOOK_BASE_PATH),
  // wta_exp, wta_tid, wta_ip and wta_sig are the edge signature's own parameters: nginx leaves them out of its auth
  // cache key, so a token under one of those names would be left out too.
  TOKEN_QUERY_PARAM: nameString
    .refine((name) => !name.toLowerCase().startsWith('wta_'), { message: 'must not start with wta_ (the edge signature parameters use that prefix)' })
    .default('token'),
  WCS_SIGNING_SECRET: secret(z.string().min(1, { message: 'must not be empty (unset it to disable signing)' }).optional(), 'value'),
  HOOK_ALLOW_HEADERS: headerMapJson.default({}),
  EXPOSE_DENY_REASON: booleanString.default(false),
  ENFORCED_METHODS: methodList.default(['playHLS']),
  BODY_LIMIT_BYTES: integerString(256, 10 * 1024 * 1024).default(64 * 1024),
  NGINX_AUTH_PATH: pathString.default(DEFAULT_NGINX_AUTH_PATH),
  TRUSTED_PROXY_CIDRS: cidrList.default(parseCidrList('127.0.0.0/8,::1/128')),
  NGINX_STREAM_VARIANT_SUFFIX: suffixRegex.default(/(?:-[0-9]+p)$/),
  // The same value is written into nginx's config (secure_link_md5), where quotes, `$` or spaces would break it.
  EDGE_SIGNING_SECRET: secret(
    z
      .string()
      .regex(/^[A-Za-z0-9+/=_-]{32,512}$/, { message: 'must be 32-512 characters of letters, digits, + / = _ - (unset it to disable edge signatures)' })
      .optional(),
    'value',
  ),
  EDGE_SIGNATURE_TTL_SECONDS: integerString(1, 3600).default(30),
  EDGE_SIGNATURE_BIND_ADDRESS: booleanString.default(true),
};

export function decisionSettings(e: EnvOf<typeof decisionEnv>, report: ReportProblem) {
  // The decision paths are answered before any other route, so the rule that they shadow none is kept here, once.
  const hookClash = servedPathClash(e.WCS_HOOK_BASE_PATH, DEFAULT_HOOK_BASE_PATH);
  if (hookClash) report('WCS_HOOK_BASE_PATH', hookClash);
  const nginxClash = servedPathClash(e.NGINX_AUTH_PATH, DEFAULT_NGINX_AUTH_PATH);
  if (nginxClash) report('NGINX_AUTH_PATH', nginxClash);
  const edgeSigning: EdgeSigningSettings | undefined =
    e.EDGE_SIGNING_SECRET === undefined
      ? undefined
      : { secret: e.EDGE_SIGNING_SECRET, ttlSeconds: e.EDGE_SIGNATURE_TTL_SECONDS, bindAddress: e.EDGE_SIGNATURE_BIND_ADDRESS };
  return {
    hookBasePath: e.WCS_HOOK_BASE_PATH,
    tokenQueryParam: e.TOKEN_QUERY_PARAM,
    signingSecret: e.WCS_SIGNING_SECRET,
    allowHeaders: e.HOOK_ALLOW_HEADERS,
    exposeDenyReason: e.EXPOSE_DENY_REASON,
    /** WCS methods whose token is checked (see ENFORCEABLE_METHODS); every other method is echoed. */
    enforcedMethods: e.ENFORCED_METHODS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    /** GET endpoint for nginx's auth_request. */
    nginxAuthPath: e.NGINX_AUTH_PATH,
    /** Direct peers whose X-Real-IP / X-Forwarded-For are believed. */
    trustedProxies: e.TRUSTED_PROXY_CIDRS,
    /** Removed from the first path segment of an HLS URI to find the stream (ABR variants); null keeps it. */
    nginxStreamVariantSuffix: e.NGINX_STREAM_VARIANT_SUFFIX,
    /** Signatures nginx checks on segments without calling the service (EDGE_SIGNING_SECRET); undefined = off. */
    edgeSigning,
  };
}
