import { z } from 'zod';
import { parseCidr } from '../shared/ip-address.js';

/** An address or CIDR range, read into its canonical CIDR (host bits cleared); `message` names what is wrong. */
export function cidrSchema(message: string) {
  return z.string().transform((value, ctx) => {
    const range = parseCidr(value);
    if (!range) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return range.cidr;
  });
}
