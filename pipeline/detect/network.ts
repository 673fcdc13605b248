/** Address facts detections share: public or not, and the network an address belongs to. Pure. */
import { BlockList, isIPv4, isIPv6 } from "node:net";

/** Addresses that never come from the internet: RFC 1918, loopback, link-local, CGNAT, ULA, documentation-free. */
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, "ipv6");
}

/** Whether an address is routable on the internet; false for anything that is not an address. */
export function isPublicAddress(ip: string): boolean {
  const v4 = isIPv4(ip);
  if (!v4 && !isIPv6(ip)) return false;
  const mapped = !v4 && ip.toLowerCase().startsWith("::ffff:") ? ip.slice(7) : undefined;
  if (mapped && isIPv4(mapped)) return !NOT_PUBLIC.check(mapped, "ipv4");
  return !NOT_PUBLIC.check(ip, v4 ? "ipv4" : "ipv6");
}

/**
 * The network an address belongs to, as `a.b.c.0/24` or `x:x:x::/48` (prefixes configurable): the unit a
 * first-seen baseline remembers, so a DHCP lease change inside one office is not news.
 */
export function networkOf(ip: string, v4Prefix = 24, v6Prefix = 48): string | undefined {
  if (isIPv4(ip)) {
    const n = ip.split(".").reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
    const mask = v4Prefix === 0 ? 0 : (0xffffffff << (32 - v4Prefix)) >>> 0;
    const base = (n & mask) >>> 0;
    return `${[base >>> 24, (base >>> 16) & 255, (base >>> 8) & 255, base & 255].join(".")}/${v4Prefix}`;
  }
  if (isIPv6(ip)) {
    const groups = expandIPv6(ip);
    if (!groups) return undefined;
    const out: number[] = [];
    for (let i = 0; i < 8; i++) {
      const bits = Math.max(0, Math.min(16, v6Prefix - i * 16));
      const mask = bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff;
      out.push((groups[i] as number) & mask);
    }
    return `${compressIPv6(out)}/${v6Prefix}`;
  }
  return undefined;
}

/** Whether an address lies in one of the given CIDR networks (`203.0.113.0/24`, `2001:db8::/32`, or a bare address). */
export function inNetworks(ip: string, networks: BlockList): boolean {
  if (isIPv4(ip)) return networks.check(ip, "ipv4");
  if (isIPv6(ip)) return networks.check(ip, "ipv6");
  return false;
}

/** A BlockList of CIDRs; throws with the entry that is not one. Used by settings refinements. */
export function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = "", prefixText] = cidr.split("/");
    const type = isIPv4(address) ? "ipv4" : isIPv6(address) ? "ipv6" : undefined;
    const prefix = prefixText === undefined ? (type === "ipv4" ? 32 : 128) : Number(prefixText);
    if (!type || !Number.isInteger(prefix) || prefix < 0 || prefix > (type === "ipv4" ? 32 : 128)) throw new Error(`not a network: ${cidr}`);
    list.addSubnet(address, prefix, type);
  }
  return list;
}

function expandIPv6(ip: string): number[] | undefined {
  const [head = "", tail] = ip.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  if (left.some(Number.isNaN) || right.some(Number.isNaN)) return undefined;
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return undefined;
  return [...left, ...Array<number>(missing).fill(0), ...right];
}

function compressIPv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
