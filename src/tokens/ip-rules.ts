import { BlockList } from 'node:net';
import { parseCidr, type IpRange, type NormalizedIp } from '../shared/ip-address.js';

/**
 * A token's `allowedIps` as a node BlockList (used as an allow list). Ranges come in canonical form
 * (see parseCidr); IPv4 clients also match IPv4-mapped IPv6 ranges and back, as in the Redis script.
 */
export class IpRules {
  private readonly list = new BlockList();

  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const range = parseCidr(cidr);
      if (!range) throw new Error(`not a CIDR range: ${cidr}`);
      const [network = '', prefix = ''] = range.cidr.split('/');
      this.list.addSubnet(network, Number(prefix), network.includes(':') ? 'ipv6' : 'ipv4');
    }
  }

  allows(ip: NormalizedIp): boolean {
    return this.list.check(ip.text, ip.family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** The ranges the Redis script compares against, stored next to the record so the script need not parse CIDRs. */
export function ipRangesOf(cidrs: readonly string[]): Pick<IpRange, 'hex' | 'bits'>[] {
  return cidrs.map((cidr) => {
    const range = parseCidr(cidr);
    if (!range) throw new Error(`not a CIDR range: ${cidr}`);
    return { hex: range.hex, bits: range.bits };
  });
}
