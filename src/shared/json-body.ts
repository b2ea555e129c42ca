import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import getRawBody from 'raw-body';
import typeis from 'type-is';
import type { ErrorCode } from './app-error.js';
import { findUnsafeJson } from './json-safety.js';

/** Why a body was refused: the error answer, and whether the rest of the request was left unread. */
export interface BodyRefusal {
  code: ErrorCode;
  message: string;
  details?: unknown[];
  /** The rest of the body was not read: the connection cannot carry another request. */
  unread?: boolean;
}

export type BodyResult<T> = { ok: true; value: T } | { ok: false; refusal: BodyRefusal };

export const NOT_JSON_MESSAGE = 'Content-Type must be application/json';
const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];
const TOO_LARGE: BodyRefusal = { code: 'payload_too_large', message: 'Request body is larger than the configured limit', unread: true };
const UNREADABLE: BodyRefusal = { code: 'invalid_json', message: 'Request body could not be read', unread: true };
const NOT_UTF8: BodyRefusal = { code: 'invalid_json', message: 'Request body is not valid UTF-8' };
const NOT_JSON: BodyRefusal = { code: 'invalid_json', message: 'Request body is not valid JSON' };
export const UNSUPPORTED_ENCODING: BodyRefusal = { code: 'unsupported_media_type', message: 'Unsupported body encoding or charset' };

/**
 * Content-Type values type-is matches as JSON, as senders write them (WCS sends the first): answered by a Set
 * lookup instead of parsing the media type on every hook request.
 */
const PLAIN_JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8', 'application/json; charset=UTF-8', 'application/json;charset=UTF-8']);

/** Whether a request says it carries JSON; false also for a request without a body (no Content-Length, no chunks). */
export function isJsonRequest(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  // type-is's hasBody: a Transfer-Encoding, or a Content-Length (node's parser accepts only digits there).
  if (type !== undefined && PLAIN_JSON_TYPES.has(type) && (req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined)) {
    return true;
  }
  return Boolean(typeis(req, JSON_MEDIA_TYPES));
}

export interface ReadOptions {
  limitBytes: number;
  /**
   * Whether a compressed body (gzip, deflate, br) is accepted and inflated; the limit applies to the inflated
   * bytes. The hook refuses them: the signature covers, and the allow answer echoes, the bytes as sent.
   */
  inflate: boolean;
}

/** Where a body read ends: called once, with the bytes or the refusal. Must not throw (see readJsonBytesThen). */
export type BodyCallback = (result: BodyResult<Buffer>) => void;

/**
 * The bytes of a JSON request body, read up to the limit: the one place that checks the content type, the
 * Content-Encoding and the size of a body, for the WCS hook and the admin API alike. A callback, not a promise: the
 * hook answers from inside the body's 'end' listener, as a bare node:http server does, without the microtask turns
 * a promise (and every async function awaiting it) costs per request. `done` is called synchronously for a body
 * refused before reading; it must not throw (a throw from an 'end' listener would be an uncaught exception): the
 * hook catches its own failures (wcs-hook-handler.ts).
 */
export function readJsonBytesThen(req: IncomingMessage, options: ReadOptions, done: BodyCallback): void {
  if (!isJsonRequest(req)) return done(NOT_JSON_RESULT);
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return readBody(req, options.limitBytes, done);
  if (!options.inflate) return done(COMPRESSED_RESULT);
  const inflater = INFLATERS[encoding];
  if (inflater === undefined) return done(UNSUPPORTED_ENCODING_RESULT);
  void readInflated(req, req.pipe(inflater()), options.limitBytes).then(done);
}

/** readJsonBytesThen as a promise, for the admin API's middleware (src/shared/http.ts). */
export function readJsonBytes(req: IncomingMessage, options: ReadOptions): Promise<BodyResult<Buffer>> {
  return new Promise((resolve) => readJsonBytesThen(req, options, resolve));
}

async function readInflated(req: IncomingMessage, stream: Readable, limit: number): Promise<BodyResult<Buffer>> {
  try {
    return { ok: true, value: await getRawBody(stream, { limit }) };
  } catch (error) {
    req.unpipe();
    stream.destroy();
    // raw-body's errors carry a `type`; a broken compressed stream (zlib's error) has none.
    return { ok: false, refusal: (error as { type?: unknown } | null)?.type === 'entity.too.large' ? TOO_LARGE : UNREADABLE };
  }
}

/**
 * An uncompressed body, read straight from the request: what raw-body did for it (the limit against Content-Length
 * before reading, and against the bytes received; the length checked at the end; the same refusals), without its
 * per-call async resource, option parsing and copy. A hook body is a few hundred bytes, mostly one chunk, kept as
 * it came. As raw-body did, a refused stream is paused and left unread, and a stream that closes without ending
 * or aborting is not answered.
 */
function readBody(req: IncomingMessage, limit: number, done: BodyCallback): void {
  const declared = req.headers['content-length'];
  const length = declared === undefined ? -1 : Number.parseInt(declared, 10);
  if (length > limit) return done(halt(req, TOO_LARGE));
  if (req.readableEncoding !== null || !req.readable) return done(halt(req, UNREADABLE));
  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  let received = 0;
  const cleanup = () => {
    req.removeListener('aborted', onFailed);
    req.removeListener('data', onData);
    req.removeListener('end', onEnd);
    req.removeListener('error', onFailed);
    req.removeListener('close', cleanup);
  };
  const finish = (result: BodyResult<Buffer>) => {
    cleanup();
    done(result.ok ? result : halt(req, result.refusal));
  };
  function onFailed(): void {
    finish(UNREADABLE_RESULT);
  }
  function onData(chunk: Buffer): void {
    received += chunk.length;
    if (received > limit) return finish(TOO_LARGE_RESULT);
    if (first === undefined) first = chunk;
    else (chunks ??= [first]).push(chunk);
  }
  function onEnd(): void {
    if (length !== -1 && received !== length) return finish(UNREADABLE_RESULT);
    finish({ ok: true, value: chunks !== undefined ? Buffer.concat(chunks, received) : (first ?? Buffer.alloc(0)) });
  }
  req.on('aborted', onFailed);
  req.on('close', cleanup);
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onFailed);
}

const NOT_JSON_RESULT: BodyResult<Buffer> = { ok: false, refusal: { code: 'unsupported_media_type', message: NOT_JSON_MESSAGE } };
const COMPRESSED_RESULT: BodyResult<Buffer> = {
  ok: false,
  refusal: { code: 'unsupported_media_type', message: 'Content-Encoding is not supported: send the body uncompressed' },
};
const UNSUPPORTED_ENCODING_RESULT: BodyResult<Buffer> = { ok: false, refusal: UNSUPPORTED_ENCODING };
const TOO_LARGE_RESULT: BodyResult<Buffer> = { ok: false, refusal: TOO_LARGE };
const UNREADABLE_RESULT: BodyResult<Buffer> = { ok: false, refusal: UNREADABLE };

/** A refused body is left unread (paused), as raw-body left it. */
function halt(req: IncomingMessage, refusal: BodyRefusal): BodyResult<Buffer> {
  req.unpipe();
  req.pause();
  return { ok: false, refusal };
}

const INFLATERS: Record<string, () => Transform> = { gzip: createGunzip, deflate: createInflate, br: createBrotliDecompress };

/**
 * Parses JSON bytes. Invalid UTF-8 is refused rather than decoded into U+FFFD: a token would then be compared in
 * a form nobody sent. `lenient: false` (the hook) parses the bytes as sent, any JSON value; the admin API's
 * bodies (`lenient: true`) may start with a byte-order mark, may be empty (`{}`) and must be an object or array.
 */
export function parseJsonBytes(raw: Buffer, options: { lenient: boolean; charset?: string }): BodyResult<unknown> {
  if (!options.lenient) {
    const strict = parseStrictJson(raw);
    return strict.ok ? { ok: true, value: strict.value } : strict;
  }
  if (!isUtf8(raw)) return { ok: false, refusal: NOT_UTF8 };
  let text: string;
  try {
    // TextDecoder drops a leading byte-order mark; a charset it does not know is refused.
    text = new TextDecoder(options.charset ?? 'utf-8').decode(raw);
  } catch {
    return { ok: false, refusal: UNSUPPORTED_ENCODING };
  }
  if (text.length === 0) return { ok: true, value: {} };
  const first = /^[\x20\x09\x0a\x0d]*(.)/s.exec(text)?.[1];
  if (first !== '{' && first !== '[') return { ok: false, refusal: NOT_JSON };
  return parseText(text);
}

/** `lenient: false`, with the decoded text kept (the JSON was parsed from it). */
export function parseStrictJson(raw: Buffer): { ok: true; value: unknown; text: string } | { ok: false; refusal: BodyRefusal } {
  if (!isUtf8(raw)) return { ok: false, refusal: NOT_UTF8 };
  const text = raw.toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) as unknown, text };
  } catch {
    return { ok: false, refusal: NOT_JSON };
  }
}

function parseText(text: string): BodyResult<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, refusal: NOT_JSON };
  }
}

/** Parsed JSON that nests too deep, carries `__proto__` keys or ill-formed Unicode, as the refusal it gets. */
export function unsafeJsonRefusal(value: unknown): BodyRefusal | undefined {
  const problem = findUnsafeJson(value);
  return problem && { code: 'validation_failed', message: `${problem.field}: ${problem.message}`, details: [problem] };
}

/**
 * The charset a JSON request declares, when it is one the admin API reads (UTF-8 by default, or another UTF);
 * undefined for any other. The hook reads every body as UTF-8, whatever it declares.
 */
export function declaredUtfCharset(req: IncomingMessage): string | undefined {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase() ?? 'utf-8';
  return charset.startsWith('utf-') ? charset : undefined;
}

/** Reads what is left of a refused body, so the connection can carry the next request. */
export function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded || req.destroyed) return resolve();
    req.once('end', resolve);
    req.once('close', resolve);
    req.resume();
  });
}
