import { BlockList, isIP } from 'node:net';

/** An IPv4/IPv6 address or CIDR range, e.g. `203.0.113.0/24`, `2001:db8::/32`, `198.51.100.7`. */
export interface IpRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

const V4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

export function parseIpRange(value: string): IpRange | undefined {
  const slash = value.indexOf('/');
  const address = slash === -1 ? value : value.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { address, prefix: Number(prefixText), family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Whether `ip` falls in one of `ranges`. An IPv4 address written as IPv4-mapped IPv6 counts as IPv4. */
export function ipInRanges(ip: string, ranges: readonly IpRange[]): boolean {
  const plain = V4_MAPPED.exec(ip)?.[1] ?? ip;
  const version = isIP(plain);
  if (version === 0) return false;
  const list = new BlockList();
  for (const range of ranges) list.addSubnet(range.address, range.prefix, range.family);
  return list.check(plain, version === 4 ? 'ipv4' : 'ipv6');
}
