import { z } from 'zod';

/** RFC 9110 field-name: a token of tchar. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;
/** Visible ASCII, space and tab; no CR, LF or other controls, so no header injection. */
const FIELD_VALUE = /^[\t\x20-\x7e]{0,1024}$/;

/**
 * Headers our answers must never let a token or operator override: they belong to the transport or to the
 * echo WCS relies on.
 */
const RESERVED = new Set(['content-type', 'content-length', 'transfer-encoding', 'connection', 'host', 'set-cookie', 'x-request-id']);

export const MAX_HEADERS = 20;

export const headerMapSchema = z
  .record(
    z
      .string()
      .regex(FIELD_NAME, { message: 'header names must be RFC 9110 tokens of at most 64 characters' })
      .refine((name) => !RESERVED.has(name.toLowerCase()), { message: 'this header name is reserved' }),
    z.string().regex(FIELD_VALUE, { message: 'header values must be printable ASCII, at most 1024 characters, no CR/LF' }),
  )
  .refine((headers) => Object.keys(headers).length <= MAX_HEADERS, { message: `at most ${MAX_HEADERS} headers` });
