/**
 * The value of query parameter `name` read the way nginx reads `$arg_<name>`: the name compared without regard to
 * case, the value taken raw (not percent-decoded) up to the next `&`. The shipped nginx config keys its cache of
 * segment authorizations on `$arg_<name>`, so the service must not see a token where nginx sees none, or another one.
 *
 * - `undefined`: no such parameter, or an empty value;
 * - `null`: the parameter was given more than once (nginx would use the first; the service refuses to guess);
 * - `'refused'`: a parameter name is percent-encoded (`%74oken`), which a decoding reader would take for the token
 *   while nginx does not: the whole URI is refused, as the shipped nginx config refuses it.
 */
export function readQueryParam(query: string, name: string): string | undefined | null | 'refused' {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const part of query.split('&')) {
    const equals = part.indexOf('=');
    const key = equals === -1 ? part : part.slice(0, equals);
    if (key.includes('%')) return 'refused';
    if (equals !== -1 && key.toLowerCase() === wanted) values.push(part.slice(equals + 1));
  }
  if (values.length > 1) return null;
  const value = values[0];
  return value === undefined || value === '' ? undefined : value;
}
