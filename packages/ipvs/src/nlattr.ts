import { NLA_F_NESTED, NLA_TYPE_MASK } from './constants.js';

const align4 = (n: number): number => (n + 3) & ~3;

/** Whether words are stored least significant byte first here (netlink's host order is the machine's). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** `b` as host-order 32-bit words (its start and length are multiples of 4). */
const wordsOf = (b: Buffer): Uint32Array => new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);

/**
 * Writes generic-netlink messages and their attributes straight into one growing buffer, with
 * no object per message or attribute: a table of 10,000 destinations is encoded in one go, and
 * allocation (and the collector after it) dominated the cost of building descriptors first.
 * Nested attributes always carry NLA_F_NESTED: the kernel's IPVS parser does not need it, but
 * strict parsers do (the `netlink` package never set it).
 */
export class MessageWriter {
  /**
   * The buffer being written (read it after claim(): a write may replace it). Fields, not
   * getters: the writers of a table's 11,000 messages read them for each one, in code that has
   * barely run, where every call counts. Only the writer assigns them.
   */
  buffer: Buffer;
  /** The buffer as host-order 32-bit words (every message and attribute starts at a multiple of 4). */
  words: Uint32Array;
  private p = 0;
  private mark = 0;
  private header = -1;
  private readonly nests: number[] = [];

  constructor(size = 4096) {
    this.buffer = alignedBuffer(size);
    this.words = wordsOf(this.buffer);
  }

  /** Bytes written since the last take(). */
  get length(): number {
    return this.p - this.mark;
  }

  private room(n: number): void {
    if (this.p + n <= this.buffer.length) return;
    // Views handed out by take() keep the old buffer; it is not written again. Only what was
    // written since moves to the new one (a batch of 43 datagrams would otherwise copy every
    // datagram before it at each growth), and the places kept shift with it.
    const shift = this.mark;
    const live = this.p - shift;
    const grown = alignedBuffer(Math.max(this.buffer.length, 2 * (live + n)));
    this.buffer.copy(grown, 0, shift, this.p);
    this.buffer = grown;
    this.words = wordsOf(grown);
    this.p = live;
    this.mark = 0;
    if (this.header >= 0) this.header -= shift;
    for (let i = 0; i < this.nests.length; i++) this.nests[i]! -= shift;
  }

  private u16At(at: number, n: number): void {
    this.buffer[at] = n & 0xff;
    this.buffer[at + 1] = (n >>> 8) & 0xff;
  }

  private u32At(at: number, n: number): void {
    this.buffer[at] = n & 0xff;
    this.buffer[at + 1] = (n >>> 8) & 0xff;
    this.buffer[at + 2] = (n >>> 16) & 0xff;
    this.buffer[at + 3] = (n >>> 24) & 0xff;
  }

  /** Starts a message: nlmsghdr (pid 0) and genlmsghdr; end() writes its length. */
  begin(type: number, flags: number, seq: number, cmd: number, version: number): void {
    this.room(20);
    const h = this.p;
    this.header = h;
    // Five words, each stored at once: a table's 11,000 messages each begin and end once.
    const u = this.words;
    const i = h >>> 2;
    u[i] = 0;
    u[i + 1] = pairWord(type, flags);
    u[i + 2] = seq;
    u[i + 3] = 0;
    u[i + 4] = bytesWord(cmd, version, 0, 0);
    this.p += 20;
  }

  /** Ends the message begun last. */
  end(): void {
    this.words[this.header >>> 2] = this.p - this.header;
    this.header = -1;
  }

  /**
   * Takes `n` bytes for a writer that lays them out itself (the put*Attr functions below), and
   * returns where they start in `buffer`, which is the buffer only until the next write.
   */
  claim(n: number): number {
    this.room(n);
    const at = this.p;
    this.p += n;
    return at;
  }

  /** An attribute header for `len` payload bytes, its padding zeroed; returns where the payload goes. */
  private attr(type: number, len: number): number {
    const total = align4(4 + len);
    this.room(total);
    const at = this.p;
    this.u16At(at, 4 + len);
    this.u16At(at + 2, type);
    for (let i = at + 4 + len; i < at + total; i++) this.buffer[i] = 0;
    this.p += total;
    return at + 4;
  }

  // Each writer computes the payload's place before touching this.buffer: attr() and claim() may replace it.
  u8(type: number, n: number): void {
    const at = this.claim(8);
    putU8Attr(this.buffer, at, type, n);
  }
  u16(type: number, n: number): void {
    const at = this.claim(8);
    putU16Attr(this.buffer, at, type, n);
  }
  /** Big-endian (network order) u16: IPVS ports. */
  be16(type: number, n: number): void {
    const at = this.claim(8);
    putBe16Attr(this.buffer, at, type, n);
  }
  u32(type: number, n: number): void {
    const at = this.claim(8);
    putU32Attr(this.buffer, at, type, n);
  }
  /** Two host-order u32 back to back (struct ip_vs_flags). */
  u32Pair(type: number, a: number, b: number): void {
    const v = this.attr(type, 8);
    this.u32At(v, a >>> 0);
    this.u32At(v + 4, b >>> 0);
  }
  be32(type: number, n: number): void {
    const v = this.attr(type, 4);
    this.buffer[v] = (n >>> 24) & 0xff;
    this.buffer[v + 1] = (n >>> 16) & 0xff;
    this.buffer[v + 2] = (n >>> 8) & 0xff;
    this.buffer[v + 3] = n & 0xff;
  }
  /** A NUL-terminated ASCII string, as NLA_NUL_STRING requires. */
  str(type: number, s: string): void {
    const v = this.attr(type, s.length + 1);
    const b = this.buffer;
    // A short name (a scheduler's, an interface's) byte by byte: Buffer.write's own costs are
    // more than its copy's. Both keep each character's low byte ('latin1').
    if (s.length <= 32) for (let i = 0; i < s.length; i++) b[v + i] = s.charCodeAt(i) & 0xff;
    else b.write(s, v, 'latin1');
    b[v + s.length] = 0;
  }
  bytes(type: number, b: Uint8Array): void {
    const v = this.attr(type, b.length);
    this.buffer.set(b, v);
  }
  /** Opens a nested attribute; endNest() closes it. */
  nest(type: number): void {
    this.room(4);
    this.nests.push(this.p);
    this.u16At(this.p + 2, type | NLA_F_NESTED);
    this.p += 4;
  }
  endNest(): void {
    const at = this.nests.pop() ?? 0;
    this.u16At(at, this.p - at);
  }

  /** The bytes written since the last take(), as a view: later writes only append (or move to a new buffer). */
  take(): Buffer {
    const out = this.buffer.subarray(this.mark, this.p);
    this.mark = this.p;
    return out;
  }
}

/**
 * A buffer of at least `size` bytes (a multiple of 4) that starts on a multiple of 4, so that
 * words can be laid over it: node's pool hands out 8-aligned slices, but that is its choice,
 * not a promise.
 */
function alignedBuffer(size: number): Buffer {
  const n = (size + 3) & ~3;
  const b = Buffer.allocUnsafe(n);
  return (b.byteOffset & 3) === 0 ? b : Buffer.allocUnsafeSlow(n);
}

/** Four bytes, in memory order, as the host-order word that holds them. */
export function bytesWord(a: number, b: number, c: number, d: number): number {
  return LITTLE_ENDIAN ? ((a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | ((d & 0xff) << 24)) >>> 0 : (((a & 0xff) << 24) | ((b & 0xff) << 16) | ((c & 0xff) << 8) | (d & 0xff)) >>> 0;
}

/** Two host-order u16, the first at the lower address, as one word: an attribute's length and type, a message's type and flags. */
export function pairWord(first: number, second: number): number {
  return LITTLE_ENDIAN ? ((first & 0xffff) | ((second & 0xffff) << 16)) >>> 0 : (((first & 0xffff) << 16) | (second & 0xffff)) >>> 0;
}

// Attributes laid out straight into a claimed span, each in one call: the same bytes as the
// writer's methods (header, payload, zeroed padding), for the messages a table sends by the
// thousand (messages.ts's destinations). Each returns where the next attribute goes.

function putU32(b: Uint8Array, at: number, n: number): void {
  b[at] = n & 0xff;
  b[at + 1] = (n >>> 8) & 0xff;
  b[at + 2] = (n >>> 16) & 0xff;
  b[at + 3] = (n >>> 24) & 0xff;
}

function putHeader(b: Uint8Array, at: number, len: number, type: number): void {
  b[at] = len & 0xff;
  b[at + 1] = len >>> 8;
  b[at + 2] = type & 0xff;
  b[at + 3] = type >>> 8;
}

/** The header of a nested attribute `len` bytes long, itself included (NLA_F_NESTED set). */
export function putNestHeader(b: Uint8Array, at: number, len: number, type: number): number {
  putHeader(b, at, len, type | NLA_F_NESTED);
  return at + 4;
}

/** A u8 attribute: 8 bytes, its padding zeroed. */
export function putU8Attr(b: Uint8Array, at: number, type: number, n: number): number {
  putHeader(b, at, 5, type);
  putU32(b, at + 4, n & 0xff);
  return at + 8;
}

/** A u16 attribute (host order): 8 bytes, its padding zeroed. */
export function putU16Attr(b: Uint8Array, at: number, type: number, n: number): number {
  putHeader(b, at, 6, type);
  putU32(b, at + 4, n & 0xffff);
  return at + 8;
}

/** A big-endian u16 attribute (IPVS ports): 8 bytes, its padding zeroed. */
export function putBe16Attr(b: Uint8Array, at: number, type: number, n: number): number {
  putHeader(b, at, 6, type);
  putU32(b, at + 4, ((n >>> 8) & 0xff) | ((n & 0xff) << 8));
  return at + 8;
}

export function putU32Attr(b: Uint8Array, at: number, type: number, n: number): number {
  putHeader(b, at, 8, type);
  putU32(b, at + 4, n >>> 0);
  return at + 8;
}

/** `bytes` as an attribute (a multiple of 4 long: no padding). */
export function putBytesAttr(b: Uint8Array, at: number, type: number, bytes: Uint8Array): number {
  putHeader(b, at, 4 + bytes.length, type);
  b.set(bytes, at + 4);
  return at + 4 + bytes.length;
}

/** Attributes alone (no message header), as `write` puts them. */
export function encodeAttrs(write: (w: MessageWriter) => void): Buffer {
  const w = new MessageWriter(256);
  write(w);
  return Buffer.from(w.take());
}

const readU16 = (b: Uint8Array, p: number): number => b[p]! | (b[p + 1]! << 8);
const readU32 = (b: Uint8Array, p: number): number => (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;

/**
 * Where each attribute of one run lies, by type: the kernel's nla_parse (the last of a type
 * wins, unknown types are skipped, trailing bytes shorter than a header are ignored) without
 * copying anything. Each type may require a least length, as the kernel's policy tables do,
 * so the readers need no checks of their own. A decoder keeps one index per nesting level and
 * reuses it for every message: a dump of 10,000 destinations allocates no maps.
 */
export class AttrIndex {
  private readonly at: Int32Array;
  private readonly len: Int32Array;
  private buf: Uint8Array = new Uint8Array(0);

  /** `minLengths[type]`: the least payload length of that type (0 or absent: any). */
  constructor(
    private readonly what: string,
    private readonly minLengths: readonly number[],
  ) {
    this.at = new Int32Array(minLengths.length).fill(-1);
    this.len = new Int32Array(minLengths.length);
  }

  /** Indexes the attributes in `buf[from, to)`; returns why the run is malformed, or undefined. */
  scan(buf: Uint8Array, from: number, to: number): string | undefined {
    this.buf = buf;
    this.at.fill(-1);
    const max = this.minLengths.length;
    let p = from;
    while (p + 4 <= to) {
      const len = readU16(buf, p);
      const type = readU16(buf, p + 2) & NLA_TYPE_MASK;
      if (len < 4 || p + len > to) return `${this.what}: malformed attribute at offset ${p - from} (length ${len}, ${to - p} bytes left)`;
      if (type < max) {
        if (len - 4 < (this.minLengths[type] ?? 0)) return `${this.what}: attribute ${type} has ${len - 4} bytes, needs ${this.minLengths[type]}`;
        this.at[type] = p + 4;
        this.len[type] = len - 4;
      }
      p += align4(len);
    }
    return undefined;
  }

  has(type: number): boolean {
    return this.at[type]! >= 0;
  }
  /** Offset of the attribute's payload in the scanned buffer (-1 when absent). */
  offset(type: number): number {
    return this.at[type]!;
  }
  /** Payload length (meaningful only when present). */
  length(type: number): number {
    return this.len[type]!;
  }
  u8(type: number, absent: number): number {
    const p = this.at[type]!;
    return p < 0 ? absent : this.buf[p]!;
  }
  u16(type: number, absent: number): number {
    const p = this.at[type]!;
    return p < 0 ? absent : readU16(this.buf, p);
  }
  /** Big-endian (network order) u16: IPVS ports. */
  be16(type: number, absent: number): number {
    const p = this.at[type]!;
    return p < 0 ? absent : (this.buf[p]! << 8) | this.buf[p + 1]!;
  }
  u32(type: number, absent: number): number {
    const p = this.at[type]!;
    return p < 0 ? absent : readU32(this.buf, p);
  }
  be32(type: number, absent: number): number {
    const p = this.at[type]!;
    return p < 0 ? absent : ((this.buf[p]! << 24) | (this.buf[p + 1]! << 16) | (this.buf[p + 2]! << 8) | this.buf[p + 3]!) >>> 0;
  }
  /** A u64 counter (0n when absent); the common small and zero values cost no BigInt arithmetic. */
  u64(type: number): bigint {
    const p = this.at[type]!;
    if (p < 0) return 0n;
    const lo = readU32(this.buf, p);
    const hi = readU32(this.buf, p + 4);
    if (hi === 0) return lo === 0 ? 0n : BigInt(lo);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  /** A NUL-terminated ASCII string (to the first NUL, or the attribute's end); undefined when absent. */
  string(type: number): string | undefined {
    const p = this.at[type]!;
    if (p < 0) return undefined;
    let end = p;
    const stop = p + this.len[type]!;
    while (end < stop && this.buf[end] !== 0) end++;
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + p, end - p).toString('latin1');
  }
}
