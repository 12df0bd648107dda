import * as net from 'net';

/**
 * Just enough IP arithmetic for NetworkPolicy `ipBlock` peers (IPv4 and IPv6).
 * Addresses are kept as bigints so one code path serves both families; the families
 * never match each other, as in Kubernetes (0.0.0.0/0 does not cover IPv6 traffic).
 */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

export interface Cidr {
  readonly family: 4 | 6;
  /** The network address, host bits cleared. */
  readonly network: bigint;
  readonly prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/** Parses a dotted IPv4 or an IPv6 address; undefined when it is not one. */
export function parseIp(text: string): IpAddress | undefined {
  const s = text.trim();
  if (net.isIPv4(s)) return { family: 4, value: ipv4ToBigInt(s) };
  if (net.isIPv6(s) && !s.includes('%')) return { family: 6, value: ipv6ToBigInt(s) };
  return undefined;
}

/** Parses `address/prefix`; a bare address is a host route (/32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const bits = BITS[ip.family];
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  return { family: ip.family, network: ip.value & mask(ip.family, prefix), prefix };
}

/**
 * Why `text` is not a CIDR Kubernetes and every reader take the same way, or undefined: dotted decimal
 * without leading zeros (`010.020.000.000/24` is octal to some parsers and decimal to others, which
 * Kubernetes' strict validation refuses), a prefix within the family, and no host bits set
 * (`10.20.0.5/24` names the network 10.20.0.0/24 and is almost always a typo).
 */
export function cidrProblem(text: string, family?: 4 | 6): string | undefined {
  const [addr, prefixText, extra] = text.split('/');
  if (extra !== undefined || prefixText === undefined) return 'expected address/prefix, e.g. 10.20.0.0/16';
  if (/^\d+(\.\d+){3}$/.test(addr) && addr.split('.').some((o) => o.length > 1 && o.startsWith('0'))) return 'octets must not have leading zeros';
  const ip = parseIp(addr);
  if (!ip) return `${JSON.stringify(addr)} is not an IPv4 or IPv6 address`;
  if (family && ip.family !== family) return `expected an IPv${family} CIDR`;
  if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > BITS[ip.family]) return `prefix must be 0 to ${BITS[ip.family]}, without leading zeros`;
  const cidr = parseCidr(text)!;
  if (cidr.network !== ip.value) return `host bits are set; the network is ${formatIp(cidr.family, cidr.network)}/${cidr.prefix}`;
  return undefined;
}

/** Why `text` is not an IP address or a CIDR, or undefined. */
export function addressOrCidrProblem(text: string): string | undefined {
  if (text.includes('/')) return cidrProblem(text);
  if (/^\d+(\.\d+){3}$/.test(text) && text.split('.').some((o) => o.length > 1 && o.startsWith('0'))) return 'octets must not have leading zeros';
  return parseIp(text) ? undefined : 'is not an IPv4 or IPv6 address or CIDR';
}

/** Whether `inner` is a strict subset of `outer` (what NetworkPolicy validation asks of `except`). */
export function isStrictSubnet(inner: Cidr, outer: Cidr): boolean {
  return inner.family === outer.family && inner.prefix > outer.prefix && cidrContains(outer, { family: inner.family, value: inner.network });
}

function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  return cidr.family === ip.family && (ip.value & mask(ip.family, cidr.prefix)) === cidr.network;
}

function mask(family: 4 | 6, prefix: number): bigint {
  const bits = BigInt(BITS[family]);
  const all = (1n << bits) - 1n;
  return prefix === 0 ? 0n : (all >> (bits - BigInt(prefix))) << (bits - BigInt(prefix));
}

function ipv4ToBigInt(s: string): bigint {
  return s.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(s: string): bigint {
  // An embedded IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
  let text = s;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]);
    text = text.slice(0, v4.index) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail === undefined ? [] : tail ? tail.split(':') : [];
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array(zeros).fill('0'), ...tailGroups];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}
