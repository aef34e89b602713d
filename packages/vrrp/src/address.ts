import { netModule } from './builtins.js';

/** Address family of an instance: 4 or 6. */
export type Family = 4 | 6;

/** Bytes of an IPv4 or IPv6 address in network order; throws on text that is not an address. */
export function addressToBytes(text: string): Buffer {
  const net = netModule();
  if (net.isIPv4(text)) return Buffer.from(text.split('.').map((p) => Number(p)));
  if (net.isIPv6(text)) return ipv6ToBytes(text);
  throw new TypeError(`not an IP address: ${text}`);
}

function ipv6ToBytes(text: string): Buffer {
  const withoutZone = text.split('%')[0] ?? text;
  let head = withoutZone;
  let tail = '';
  const dbl = withoutZone.indexOf('::');
  if (dbl >= 0) {
    head = withoutZone.slice(0, dbl);
    tail = withoutZone.slice(dbl + 2);
  }
  const expand = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const v4 = addressToBytes(group);
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        out.push(parseInt(group, 16));
      }
    }
    return out;
  };
  const h = expand(head);
  const t = expand(tail);
  const groups = dbl >= 0 ? [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
  const buf = Buffer.alloc(16);
  groups.forEach((g, i) => buf.writeUInt16BE(g, i * 2));
  return buf;
}

/** Canonical text of a 4- or 16-byte address (RFC 5952 compression for IPv6). */
export function bytesToAddress(buf: Uint8Array): string {
  if (buf.length === 4) return Array.from(buf).join('.');
  if (buf.length !== 16) throw new TypeError(`address of ${buf.length} bytes`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((buf[i]! << 8) | buf[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Family of an address text, or undefined. */
export function familyOf(text: string): Family | undefined {
  const net = netModule();
  if (net.isIPv4(text)) return 4;
  if (net.isIPv6(text)) return 6;
  return undefined;
}

/** Compares two addresses of one family as unsigned big-endian numbers (RFC 5798 §6.4.3 tie-break). */
export function compareAddresses(a: string, b: string): number {
  return Buffer.compare(addressToBytes(a), addressToBytes(b));
}

/** A multicast group address (224.0.0.0/4, ff00::/8). */
export function isMulticast(text: string): boolean {
  const f = familyOf(text);
  if (f === 4) return (addressToBytes(text)[0]! & 0xf0) === 0xe0;
  return f === 6 && addressToBytes(text)[0] === 0xff;
}
