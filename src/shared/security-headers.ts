import type { RequestHandler } from 'express';

/** Every answer: browsers must not guess a content type from an echoed body. Set by the front door. */
export const NO_SNIFF_HEADER = ['X-Content-Type-Options', 'nosniff'] as const;

/**
 * The admin API answers with secrets (a token at issue) and records: nothing may cache, frame or embed them, and
 * a browser that lands on it by mistake may run nothing. HSTS is left to the TLS-terminating proxy.
 */
export const ADMIN_SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Cache-Control', 'no-store'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
];

export const adminSecurityHeaders: RequestHandler = (_req, res, next) => {
  for (const [name, value] of ADMIN_SECURITY_HEADERS) res.setHeader(name, value);
  next();
};
