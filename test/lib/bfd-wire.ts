// BFD packets as seen on the wire: parses `tcpdump -tt -n -x` output of IPv4 and IPv6 UDP
// datagrams and decodes their payload with the package's own codec.
import { decode, type ControlPacket } from '@tandem/bfd';

export interface WirePacket {
  /** tcpdump's timestamp, wall-clock ms. */
  readonly t: number;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** TTL, or the IPv6 hop limit. */
  readonly ttl: number;
  /** TOS, or the IPv6 traffic class. */
  readonly tos: number;
  /** The UDP payload. */
  readonly payload: Buffer;
  /** The decoded control packet, if the payload is one. */
  readonly bfd?: ControlPacket;
  /** tcpdump's one-line summary. */
  readonly summary: string;
}

/** An IPv6 address from its 16 bytes, in RFC 5952's form (as tcpdump and tandem print it). */
function ipv6Text(b: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16));
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}

/** The addresses, hop limit, traffic class and UDP header's offset of an IPv4 or IPv6 UDP datagram; undefined for anything else. */
function ipHeader(b: Buffer): { src: string; dst: string; ttl: number; tos: number; udp: number } | undefined {
  const version = b[0]! >> 4;
  if (version === 4 && b.length >= 28 && b[9] === 17) {
    return { src: [...b.subarray(12, 16)].join('.'), dst: [...b.subarray(16, 20)].join('.'), ttl: b[8]!, tos: b[1]!, udp: (b[0]! & 0x0f) * 4 };
  }
  // No extension headers: the next header is UDP.
  if (version === 6 && b.length >= 48 && b[6] === 17) {
    return { src: ipv6Text(b.subarray(8, 24)), dst: ipv6Text(b.subarray(24, 40)), ttl: b[7]!, tos: ((b[0]! & 0x0f) << 4) | (b[1]! >> 4), udp: 40 };
  }
  return undefined;
}

/** Parses `tcpdump -tt -n -x` text (IPv4 or IPv6, UDP); lines of other packets are skipped. */
export function parseTcpdump(text: string): WirePacket[] {
  const out: WirePacket[] = [];
  let head: string | undefined;
  let hex = '';
  const flush = (): void => {
    if (head === undefined) return;
    const b = Buffer.from(hex, 'hex');
    head = head.trim();
    hex = '';
    const ip = ipHeader(b);
    if (ip === undefined) return;
    const payload = b.subarray(ip.udp + 8);
    const d = decode(payload);
    out.push({
      t: Number(head.split(' ')[0]) * 1000,
      src: ip.src,
      dst: ip.dst,
      srcPort: b.readUInt16BE(ip.udp),
      dstPort: b.readUInt16BE(ip.udp + 2),
      ttl: ip.ttl,
      tos: ip.tos,
      payload,
      ...(d.ok ? { bfd: d.packet } : {}),
      summary: head.replace(/^\S+\s+/, ''),
    });
  };
  for (const line of text.split('\n')) {
    if (/^\d+\.\d+ /.test(line)) {
      flush();
      head = line;
    } else if (/^\s+0x[0-9a-f]+:/.test(line)) {
      hex += line.replace(/^\s+0x[0-9a-f]+:\s*/, '').replace(/\s+/g, '');
    }
  }
  flush();
  return out;
}

/** Gaps in ms between consecutive packets. */
export function gaps(packets: readonly WirePacket[]): number[] {
  return packets.slice(1).map((p, i) => p.t - packets[i]!.t);
}

/** Order statistics of a sample. */
export function summarise(xs: readonly number[]): { n: number; min: number; p1: number; p50: number; mean: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (f: number): number => s[Math.min(s.length - 1, Math.floor(f * s.length))] ?? NaN;
  return { n: s.length, min: s[0] ?? NaN, p1: q(0.01), p50: q(0.5), mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length), p99: q(0.99), max: s.at(-1) ?? NaN };
}
