import { NLA_F_NESTED, NLA_TYPE_MASK } from './constants.js';

const align4 = (n: number): number => (n + 3) & ~3;

/** One attribute to encode: the value is already in wire order, or a list of nested attributes. */
export type Attr = { readonly type: number; readonly value: Buffer } | { readonly type: number; readonly nested: readonly Attr[] };

export const u8 = (type: number, v: number): Attr => ({ type, value: Buffer.from([v & 0xff]) });

export function u16(type: number, v: number): Attr {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return { type, value: b };
}

/** Big-endian (network order) u16: IPVS ports. */
export function be16(type: number, v: number): Attr {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return { type, value: b };
}

export function u32(type: number, v: number): Attr {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return { type, value: b };
}

export function be32(type: number, v: number): Attr {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return { type, value: b };
}

/** A NUL-terminated string, as NLA_NUL_STRING requires. */
export const str = (type: number, s: string): Attr => ({ type, value: Buffer.concat([Buffer.from(s, 'ascii'), Buffer.alloc(1)]) });

export const bin = (type: number, value: Buffer): Attr => ({ type, value });

export const nest = (type: number, nested: readonly Attr[]): Attr => ({ type, nested });

function attrLength(a: Attr): number {
  return 'value' in a ? 4 + a.value.length : 4 + a.nested.reduce((n, c) => n + align4(attrLength(c)), 0);
}

function writeAttr(a: Attr, out: Buffer, at: number): number {
  const len = attrLength(a);
  out.writeUInt16LE(len, at);
  // The `netlink` package never sets NLA_F_NESTED; the kernel's IPVS parser does not need
  // it, but dumps and strict parsers do, so it is always set on nested attributes here.
  out.writeUInt16LE('value' in a ? a.type : a.type | NLA_F_NESTED, at + 2);
  if ('value' in a) {
    a.value.copy(out, at + 4);
  } else {
    let p = at + 4;
    for (const c of a.nested) p = writeAttr(c, out, p);
  }
  return at + align4(len);
}

/** Encodes attributes back to back, each padded to 4 bytes. */
export function encodeAttrs(attrs: readonly Attr[]): Buffer {
  const out = Buffer.alloc(attrs.reduce((n, a) => n + align4(attrLength(a)), 0));
  let p = 0;
  for (const a of attrs) p = writeAttr(a, out, p);
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
