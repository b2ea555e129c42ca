import { symbols, type Logger } from 'pino';

/**
 * The parts of a pino logger a line needs, read once: what pino's `write` → `_asJson` would take from the logger
 * on every call. A line written from them is the line pino writes: the level's cached prefix (`{"level":30`), the
 * logger's timestamp function, its bindings (serialized once, when the child was made), the fields, the message
 * and the end (`}` and the EOL).
 */
export interface FixedLineWriter {
  /** Whether the level is enabled now (a level can be changed at run time). */
  enabled(): boolean;
  /** Writes one line: `fields` is the `,"key":value` text of the line's own fields, already serialized. */
  write(fields: string): void;
}

/** pino 9 has it; its type declarations do not list it. */
const MSG_PREFIX_SYM = (symbols as unknown as Record<string, symbol | undefined>).msgPrefixSym;

interface PinoInternals {
  [key: symbol]: unknown;
}

/**
 * A writer for lines of `level` with the fixed message `msg` on `logger`, or undefined when the logger uses a
 * pino feature this does not reproduce (mixin, hooks, a log formatter, a nested key, a message prefix, a stream
 * that wants the line's metadata, a message key serializer): the caller then logs through pino as before.
 * The caller serializes the fields as pino does (see jsonField) and must not log keys that the logger redacts or
 * serializes: redaction and serializers are not applied here.
 */
export function fixedLineWriter(logger: Logger, level: string, msg: string): FixedLineWriter | undefined {
  const internals = logger as unknown as PinoInternals;
  const hooks = internals[symbols.hooksSym] as { logMethod?: unknown; streamWrite?: unknown } | undefined;
  const formatters = internals[symbols.formattersSym] as { log?: unknown } | undefined;
  const serializers = internals[symbols.serializersSym] as Record<string, unknown> | undefined;
  const stream = internals[symbols.streamSym] as { write(line: string): unknown; [key: symbol]: unknown } | undefined;
  const messageKey = internals[symbols.messageKeySym];
  const levelValue = logger.levels.values[level];
  const prefix = levelValue === undefined ? undefined : (internals[symbols.lsCacheSym] as Record<number, string> | undefined)?.[levelValue];
  const time = internals[symbols.timeSym] as (() => string) | undefined;
  if (
    internals[symbols.mixinSym] ||
    hooks?.logMethod ||
    hooks?.streamWrite ||
    formatters?.log ||
    internals[symbols.nestedKeySym] ||
    (MSG_PREFIX_SYM !== undefined && internals[MSG_PREFIX_SYM]) ||
    typeof messageKey !== 'string' ||
    serializers?.[messageKey] ||
    stream === undefined ||
    stream[symbols.needsMetadataGsym] === true ||
    prefix === undefined ||
    levelValue === undefined ||
    typeof time !== 'function'
  ) {
    return undefined;
  }
  const chindings = internals[symbols.chindingsSym] as string;
  const end = internals[symbols.endSym] as string;
  const tail = `,${JSON.stringify(messageKey)}:${JSON.stringify(msg)}${end}`;
  return {
    enabled: () => logger.levelVal <= levelValue,
    write: (fields) => {
      stream.write(prefix + time.call(logger) + chindings + fields + tail);
    },
  };
}

/**
 * A string as pino's `asString` (lib/tools.js, pino 9) writes it, character for character: up to 100 characters
 * without a control character, only `"` and `\` are escaped (a lone surrogate is written as it is, unlike
 * JSON.stringify); anything else goes through JSON.stringify.
 */
function pinoString(text: string): string {
  const length = text.length;
  if (length > 100) return JSON.stringify(text);
  let result = '';
  let last = 0;
  let found = false;
  let point = 255;
  for (let i = 0; i < length && point >= 32; i++) {
    point = text.charCodeAt(i);
    if (point === 34 || point === 92) {
      result += `${text.slice(last, i)}\\`;
      last = i;
      found = true;
    }
  }
  if (point < 32) return JSON.stringify(text);
  return `"${found ? result + text.slice(last) : text}"`;
}

/**
 * `,"key":value` as pino's `_asJson` writes a field without serializer: nothing for undefined, `null` for a
 * number that is not finite, strings as pinoString, booleans and numbers as they print, null as `null`.
 * `keyText` is `,"key":`, made once by the caller.
 */
export function jsonField(keyText: string, value: string | number | boolean | null | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return keyText + pinoString(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return `${keyText}null`;
  return keyText + String(value);
}
