import { BlockList, isIP } from 'node:net';

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * Parses a comma-separated list of addresses and CIDR blocks (`127.0.0.1/8, ::1/128, 10.0.0.5`). A bare address
 * is a single host. Throws with a message naming the bad entry.
 */
export function parseCidrList(value: string): Cidr[] {
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  return entries.map((entry) => {
    const [address = '', prefixText, extra] = entry.split('/');
    const version = isIP(address);
    if (version === 0 || extra !== undefined) throw new Error(`"${entry}" is not an IP address or CIDR block`);
    const family = version === 4 ? 'ipv4' : 'ipv6';
    const max = version === 4 ? 32 : 128;
    if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) throw new Error(`"${entry}" has a bad prefix length`);
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (prefix > max) throw new Error(`"${entry}" has a prefix length over ${max}`);
    return { address, prefix, family };
  });
}

/** Membership test over parsed CIDR blocks. IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) match IPv4 blocks. */
export class CidrList {
  private readonly blocks = new BlockList();
  private readonly empty: boolean;

  constructor(cidrs: readonly Cidr[]) {
    for (const cidr of cidrs) this.blocks.addSubnet(cidr.address, cidr.prefix, cidr.family);
    this.empty = cidrs.length === 0;
  }

  contains(address: string | undefined): boolean {
    if (this.empty || address === undefined) return false;
    const version = isIP(address);
    if (version === 0) return false;
    return this.blocks.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}
