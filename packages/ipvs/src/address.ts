import { netModule } from './builtins.js';

// Tables repeat addresses (every destination message names its service's): parse each once.
const parsed = new Map<string, Buffer>();
const hexes = new Map<string, string>();
const CACHE_LIMIT = 1 << 16;

/** The 16-byte `union nf_inet_addr` the kernel uses for every IPVS address (shared: do not modify). */
export function addressToInetAddr(address: string): Buffer {
  let b = parsed.get(address);
  if (b === undefined) {
    if (parsed.size >= CACHE_LIMIT) parsed.clear();
    b = parseInetAddr(address);
    parsed.set(address, b);
  }
  return b;
}

/** Where IPv4 addresses are parsed for `inetAddrOf` and `addressKey`: its bytes 4-15 stay zero. */
const scratch = Buffer.alloc(16);

/**
 * The `union nf_inet_addr` of `address`, to be copied at once (into a message): an IPv4 address
 * is parsed into a buffer every call shares, without allocating (a table holds thousands, each
 * a fresh Buffer otherwise); an IPv6 one is addressToInetAddr's. Never kept, never modified.
 */
export function inetAddrOf(address: string): Buffer {
  return parseIPv4(address, scratch) ? scratch : addressToInetAddr(address);
}

/**
 * A string equal for two spellings of one address, for keys: an IPv4 address has only one (no
 * leading zeros, which parseIPv4 refuses) and is its own key; any other is its 32 hex digits.
 */
export function addressKey(address: string): string {
  return ipv4Number(address) >= 0 ? address : addressHex(address);
}

/** Two hex digits of each byte value. */
const HEX = Array.from({ length: 256 }, (_v, i) => i.toString(16).padStart(2, '0'));
/** The 24 hex digits of an IPv4 address's 12 zero bytes in `union nf_inet_addr`. */
const V4_TAIL = '0'.repeat(24);

/** The address as 32 hex digits: equal for two spellings of one address. */
export function addressHex(address: string): string {
  // An IPv4 address's digits are made from its four octets: a table's thousand services each
  // name one, and a Buffer and its hex text for each cost more than the key they make.
  if (parseIPv4(address, scratch)) return `${HEX[scratch[0]!]!}${HEX[scratch[1]!]!}${HEX[scratch[2]!]!}${HEX[scratch[3]!]!}${V4_TAIL}`;
  let h = hexes.get(address);
  if (h === undefined) {
    if (hexes.size >= CACHE_LIMIT) hexes.clear();
    h = addressToInetAddr(address).toString('hex');
    hexes.set(address, h);
  }
  return h;
}

/**
 * A dotted-quad IPv4 address as its 32-bit number (the first octet highest: 10.0.0.1 is
 * 0x0a000001), or -1 if it is not one: four decimal octets, no leading zeros.
 */
export function ipv4Number(address: string): number {
  let octet = 0;
  let digits = 0;
  let part = 0;
  let n = 0;
  for (let i = 0; i <= address.length; i++) {
    const c = i < address.length ? address.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 3) return -1;
      n = n * 256 + octet;
      part++;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  return part === 4 ? n : -1;
}

/** Dotted-quad IPv4 into `out` (four decimal octets, no leading zeros); false if it is not one. */
function parseIPv4(address: string, out: Buffer): boolean {
  const n = ipv4Number(address);
  if (n < 0) return false;
  out[0] = n >>> 24;
  out[1] = (n >>> 16) & 0xff;
  out[2] = (n >>> 8) & 0xff;
  out[3] = n & 0xff;
  return true;
}

function parseInetAddr(address: string): Buffer {
  const out = Buffer.alloc(16);
  // By hand rather than node:net's isIPv4 (a regular expression): tables hold thousands.
  if (parseIPv4(address, out)) return out;
  out.fill(0);
  if (!netModule().isIPv6(address)) throw new TypeError(`not an IP address: ${address}`);
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes its two hex groups.
  const text = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  const [head = '', rest] = text.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Text of an address read from the kernel (16 bytes; the first 4 for IPv4). */
export function inetAddrToAddress(bytes: Uint8Array, family: 'inet' | 'inet6'): string {
  return inetAddrAt(bytes, 0, family);
}

/** Text of the address at `offset` (4 bytes for IPv4, 16 for IPv6; the caller checks the length). */
export function inetAddrAt(b: Uint8Array, offset: number, family: 'inet' | 'inet6'): string {
  if (family === 'inet') return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[offset + i]! << 8) | b[offset + i + 1]!).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 prints addresses.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** An IPv4 prefix length as the big-endian netmask IPVS wants, and back. */
export const prefixToMask = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
export function maskToPrefix(mask: number): number {
  let n = 0;
  for (let m = mask >>> 0; m & 0x80000000; m = (m << 1) >>> 0) n++;
  return n;
}
