import { NLA_F_NESTED, NLA_TYPE_MASK } from './constants.js';

const align4 = (n: number): number => (n + 3) & ~3;

/**
 * One attribute to encode, as a small descriptor: values are written straight into the
 * message buffer (no Buffer per attribute), because a table of 10,000 destinations is
 * encoded in one go and allocation dominated the cost.
 */
export type Attr =
  | { readonly type: number; readonly kind: 'u8' | 'u16' | 'be16' | 'u32' | 'be32'; readonly n: number }
  | { readonly type: number; readonly kind: 'str'; readonly s: string }
  | { readonly type: number; readonly kind: 'bin'; readonly value: Buffer }
  | { readonly type: number; readonly kind: 'nest'; readonly nested: readonly Attr[] };

export const u8 = (type: number, n: number): Attr => ({ type, kind: 'u8', n });
export const u16 = (type: number, n: number): Attr => ({ type, kind: 'u16', n });
/** Big-endian (network order) u16: IPVS ports. */
export const be16 = (type: number, n: number): Attr => ({ type, kind: 'be16', n });
export const u32 = (type: number, n: number): Attr => ({ type, kind: 'u32', n });
export const be32 = (type: number, n: number): Attr => ({ type, kind: 'be32', n });
/** A NUL-terminated ASCII string, as NLA_NUL_STRING requires. */
export const str = (type: number, s: string): Attr => ({ type, kind: 'str', s });
export const bin = (type: number, value: Buffer): Attr => ({ type, kind: 'bin', value });
export const nest = (type: number, nested: readonly Attr[]): Attr => ({ type, kind: 'nest', nested });

const WIDTH = { u8: 1, u16: 2, be16: 2, u32: 4, be32: 4 } as const;

function payloadLength(a: Attr): number {
  switch (a.kind) {
    case 'str':
      return a.s.length + 1;
    case 'bin':
      return a.value.length;
    case 'nest': {
      let n = 0;
      for (const c of a.nested) n += align4(4 + payloadLength(c));
      return n;
    }
    default:
      return WIDTH[a.kind];
  }
}

/** Bytes the attributes take, each padded to 4. */
export function attrsLength(attrs: readonly Attr[]): number {
  let n = 0;
  for (const a of attrs) n += align4(4 + payloadLength(a));
  return n;
}

/** Writes the attributes at `at` (the buffer is zero-filled, so padding needs no writes); returns the end. */
export function writeAttrs(attrs: readonly Attr[], out: Buffer, at: number): number {
  let p = at;
  for (const a of attrs) {
    const len = 4 + payloadLength(a);
    out.writeUInt16LE(len, p);
    // The `netlink` package never sets NLA_F_NESTED; the kernel's IPVS parser does not need
    // it, but dumps and strict parsers do, so it is always set on nested attributes here.
    out.writeUInt16LE(a.kind === 'nest' ? a.type | NLA_F_NESTED : a.type, p + 2);
    const v = p + 4;
    switch (a.kind) {
      case 'u8':
        out[v] = a.n & 0xff;
        break;
      case 'u16':
        out.writeUInt16LE(a.n, v);
        break;
      case 'be16':
        out.writeUInt16BE(a.n, v);
        break;
      case 'u32':
        out.writeUInt32LE(a.n >>> 0, v);
        break;
      case 'be32':
        out.writeUInt32BE(a.n >>> 0, v);
        break;
      case 'str':
        out.write(a.s, v, 'latin1');
        break;
      case 'bin':
        a.value.copy(out, v);
        break;
      case 'nest':
        writeAttrs(a.nested, out, v);
        break;
    }
    p += align4(len);
  }
  return p;
}

/** Encodes attributes back to back, each padded to 4 bytes. */
export function encodeAttrs(attrs: readonly Attr[]): Buffer {
  const out = Buffer.alloc(attrsLength(attrs));
  writeAttrs(attrs, out, 0);
  return out;
}

/** Attributes by type (the last one wins, as the kernel's nla_parse does). */
export type AttrMap = ReadonlyMap<number, Buffer>;

/** Parses a run of attributes; a truncated or overlong attribute throws. */
export function parseAttrs(buf: Buffer): AttrMap {
  const out = new Map<number, Buffer>();
  let p = 0;
  while (p + 4 <= buf.length) {
    const len = buf.readUInt16LE(p);
    const type = buf.readUInt16LE(p + 2) & NLA_TYPE_MASK;
    if (len < 4 || p + len > buf.length) throw new Error(`malformed attribute at offset ${p} (length ${len})`);
    out.set(type, buf.subarray(p + 4, p + len));
    p += align4(len);
  }
  return out;
}

export const readU8 = (m: AttrMap, t: number): number | undefined => m.get(t)?.readUInt8(0);
export const readU16 = (m: AttrMap, t: number): number | undefined => m.get(t)?.readUInt16LE(0);
export const readBe16 = (m: AttrMap, t: number): number | undefined => m.get(t)?.readUInt16BE(0);
export const readU32 = (m: AttrMap, t: number): number | undefined => m.get(t)?.readUInt32LE(0);
export const readBe32 = (m: AttrMap, t: number): number | undefined => m.get(t)?.readUInt32BE(0);
export function readU64(m: AttrMap, t: number): bigint | undefined {
  return m.get(t)?.readBigUInt64LE(0);
}
export function readString(m: AttrMap, t: number): string | undefined {
  const b = m.get(t);
  if (b === undefined) return undefined;
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('ascii');
}
