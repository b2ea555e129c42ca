import { z } from 'zod';

/** The fields of one concern's part of the environment schema, and what they parse to. */
export type EnvShape = z.ZodRawShape;
export type EnvOf<Shape extends EnvShape> = z.output<z.ZodObject<Shape>>;

/**
 * Reports a problem that spans several variables, naming the variable to change. Field-level problems come from
 * the schema itself; both end up as `VARIABLE: why` lines of one ConfigError.
 */
export type ReportProblem = (variable: string, message: string) => void;

/** The spellings process managers and compose files use; anything else is refused rather than guessed. */
export const booleanString = z.stringbool({
  truthy: ['true', '1', 'yes'],
  falsy: ['false', '0', 'no'],
  case: 'sensitive',
  error: 'must be true or false',
});

export const integerString = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().int().min(min, { message: `must be at least ${min}` }).max(max, { message: `must be at most ${max}` }));

/** A URL path; trailing slashes are dropped so that `/wcs/` and `/wcs` mean the same route. */
export const pathString = z
  .string()
  .regex(/^\/[A-Za-z0-9._~\-/]*$/, { message: 'must be a URL path starting with /' })
  .transform((value) => (value.length > 1 ? value.replace(/\/+$/, '') : value));

export const nameString = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 characters of letters, digits, _ . -' });

/** Comma-separated, trimmed, empty items dropped. */
export const splitList = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

export const stringList = z
  .string()
  .transform(splitList)
  .pipe(z.array(z.string().max(256)).min(1, { message: 'must list at least one value' }));

/** A parser that throws with a message fit for the operator (the value itself is not repeated). */
export const parsedWith = <T>(parse: (value: string) => T, hint = '') =>
  z.string().transform((value, ctx): T => {
    try {
      return parse(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `${(error as Error).message}${hint}` });
      return z.NEVER;
    }
  });

/**
 * How a setting holds a secret: the whole value, the credentials of a URL, the credentials in ADMIN_API_KEYS, or
 * `env:NAME` references to variables holding keys. Read by config/secrets.ts, so marking the setting is enough.
 */
export type SecretForm = 'value' | 'url-credentials' | 'admin-keys' | 'key-references';

export const secret = <Schema extends z.ZodType>(schema: Schema, form: SecretForm): Schema => schema.meta({ secret: form });
