import type { RequestHandler } from 'express';

/** Every answer: browsers must not guess a content type from an echoed body. */
export const noSniff: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next();
};

/**
 * The admin API answers with secrets (a token at issue) and records: nothing may cache, frame or embed them, and
 * a browser that lands on it by mistake may run nothing. HSTS is left to the TLS-terminating proxy.
 */
export const adminSecurityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  next();
};
