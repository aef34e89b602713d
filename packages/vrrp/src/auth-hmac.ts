import { cryptoModule } from './builtins.js';
import { addressToBytes, compareAddresses, type Family } from './address.js';
import { vrrpChecksum, type IpContext, type Version } from './packet.js';

/**
 * keepalived 2.4's `auth_hmac` (draft-cassen-vrrp-auth-hmac; keepalived/vrrp/vrrp_auth_hmac.c):
 * a 28-byte trailer after the VRRP message carrying a 64-bit time-based sequence number and
 * an HMAC-SHA256 truncated to 128 bits. The HMAC covers a 20-byte pseudo-header (family,
 * version, VRID, source address), the message with its checksum read as zero, the trailer's
 * first 12 bytes and 16 zero bytes in place of the HMAC. The IP header is not covered.
 *
 * Trailer: ext_type (1 = HMAC-SHA256-128), key_id, reserved (0), seconds (UTC, 32 bits),
 * a 1/65536-second fraction (16 bits), a counter (16 bits), the HMAC (16 bytes).
 */

/** Bytes the trailer adds to an advert. */
export const HMAC_TRAILER_LENGTH = 28;
/** keepalived's VRRP_AUTH_HMAC_TYPE_SHA256: the only scheme. */
export const HMAC_EXT_SHA256 = 1;
/** Length of the truncated HMAC. */
export const HMAC_LENGTH = 16;
/** keepalived's VRRP_AUTH_HMAC_KEY_MIN / _MAX: key material in bytes. */
export const HMAC_KEY_MIN = 32;
export const HMAC_KEY_MAX = 64;
/** keepalived's VRRP_AUTH_HMAC_WINDOW_MIN / _MAX / _FLOOR, seconds. */
export const HMAC_WINDOW_MIN = 1;
export const HMAC_WINDOW_MAX = 300;
export const HMAC_WINDOW_FLOOR = 5;
/** keepalived's VRRP_AUTH_HMAC_MCAST_SENDERS: multicast senders whose sequence is remembered. */
export const HMAC_MULTICAST_SENDERS = 4;

const PREFIX_LENGTH = HMAC_TRAILER_LENGTH - HMAC_LENGTH;
const PSEUDO_LENGTH = 20;
const SHA256_BLOCK = 64;
const MASK64 = (1n << 64n) - 1n;

/**
 * keepalived's `mode`: `receive-only` checks a trailer when one comes but sends none,
 * `permissive` signs and still accepts adverts without one, `enforce` requires a valid one.
 */
export type HmacMode = 'enforce' | 'permissive' | 'receive-only';

/** An instance's `auth_hmac` block, resolved (time window already derived when unset). */
export interface HmacSettings {
  /** Keys by id (1-255), 32-64 bytes each. */
  readonly keys: ReadonlyMap<number, Uint8Array>;
  /** `active_key`: the id adverts are signed with. */
  readonly activeKey: number;
  readonly mode: HmacMode;
  /** `anti_replay time` (the default): a freshness window besides strict growth; `monotonic`: growth only. */
  readonly antiReplay: 'time' | 'monotonic';
  /** `time_window` in seconds; used in time mode only. */
  readonly timeWindowS: number;
}

/** The decoded trailer. */
export interface HmacTrailer {
  readonly extType: number;
  readonly keyId: number;
  readonly reserved: number;
  /** The 64-bit sequence: seconds << 32 | fraction << 16 | counter. */
  readonly seq: bigint;
  readonly hmac: Uint8Array;
}

/** What binds an advert to its sender in the HMAC's pseudo-header. */
export interface HmacBinding {
  readonly family: Family;
  readonly version: Version;
  readonly vrid: number;
  /** The advert's source address (the sender's own; the receiver's view of it). */
  readonly src: string;
}

/** Why a trailer was not accepted; keepalived counts each under "Authentication Extension Errors". */
export type HmacVerdict = 'ok' | 'missing' | 'malformed' | 'unknown-key' | 'bad-hmac' | 'stale' | 'replay';

/** Decodes exactly `HMAC_TRAILER_LENGTH` bytes; undefined for any other length. */
export function decodeTrailer(buf: Uint8Array): HmacTrailer | undefined {
  if (buf.length !== HMAC_TRAILER_LENGTH) return undefined;
  const v = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  return {
    extType: v[0]!,
    keyId: v[1]!,
    reserved: v.readUInt16BE(2),
    seq: v.readBigUInt64BE(4),
    hmac: Uint8Array.from(v.subarray(PREFIX_LENGTH)),
  };
}

/** Encodes a trailer. */
export function encodeTrailer(t: HmacTrailer): Buffer {
  const out = Buffer.alloc(HMAC_TRAILER_LENGTH);
  out[0] = t.extType;
  out[1] = t.keyId;
  out.writeUInt16BE(t.reserved, 2);
  out.writeBigUInt64BE(t.seq & MASK64, 4);
  out.set(t.hmac.subarray(0, HMAC_LENGTH), PREFIX_LENGTH);
  return out;
}

/** keepalived's build_pseudo: 4 or 6, version, VRID, 0, then the source address (IPv4 zero padded). */
function pseudoHeader(b: HmacBinding): Buffer {
  const p = Buffer.alloc(PSEUDO_LENGTH);
  p[0] = b.family;
  p[1] = b.version;
  p[2] = b.vrid;
  addressToBytes(b.src).copy(p, 4);
  return p;
}

/**
 * The truncated HMAC of an advert: `message` is the VRRP message without trailer (its
 * checksum is read as zero), `prefix` the trailer's first 12 bytes. RFC 2104 over SHA-256
 * (a key longer than the block is hashed first, as keepalived's compute_hmac does).
 */
export function advertHmac(key: Uint8Array, binding: HmacBinding, message: Uint8Array, prefix: Uint8Array): Buffer {
  const k = key.length > SHA256_BLOCK ? cryptoModule().createHash('sha256').update(key).digest() : key;
  return cryptoModule().createHmac('sha256', k)
    .update(pseudoHeader(binding))
    .update(message.subarray(0, 6))
    .update(Buffer.alloc(2))
    .update(message.subarray(8))
    .update(prefix.subarray(0, PREFIX_LENGTH))
    .update(Buffer.alloc(HMAC_LENGTH))
    .digest()
    .subarray(0, HMAC_LENGTH);
}

/** Signs `message` with key `keyId` at sequence `seq`: the trailer to append. */
export function signTrailer(message: Uint8Array, binding: HmacBinding, keyId: number, key: Uint8Array, seq: bigint): Buffer {
  const trailer = encodeTrailer({ extType: HMAC_EXT_SHA256, keyId, reserved: 0, seq, hmac: new Uint8Array(HMAC_LENGTH) });
  advertHmac(key, binding, message, trailer).copy(trailer, PREFIX_LENGTH);
  return trailer;
}

/** keepalived's clock_seq: UTC seconds in the high 32 bits, a 1/65536-second fraction in the next 16, counter 0. */
export function clockSequence(wallMs: number): bigint {
  const sec = Math.floor(wallMs / 1000);
  const frac = Math.floor(((wallMs - sec * 1000) * 65536) / 1000) & 0xffff;
  return ((BigInt(sec >>> 0) << 32n) | (BigInt(frac) << 16n)) & MASK64;
}

/** RFC 1982 serial-number order over the 64-bit sequence: `a` comes after `b`. */
export function sequenceAfter(a: bigint, b: bigint): boolean {
  return BigInt.asIntN(64, (a - b) & MASK64) > 0n;
}

/** Signed difference of two 32-bit second counts, as keepalived's `(int32_t)(a - b)`. */
function secondsApart(a: number, b: number): number {
  return ((a - b) | 0);
}

function secondsOf(seq: bigint): number {
  return Number((seq >> 32n) & 0xffffffffn);
}

/**
 * keepalived's next_seq: the clock, or the last sequence plus one when the clock has not
 * moved past it. In time mode a last sequence more than the window ahead of the clock
 * (a corrected clock step) restarts from the clock, since receivers would refuse it.
 */
export function nextSequence(last: bigint, wallMs: number, settings: Pick<HmacSettings, 'antiReplay' | 'timeWindowS'>): bigint {
  const clock = clockSequence(wallMs);
  if (sequenceAfter(clock, last)) return clock;
  const ahead = secondsApart(secondsOf(last), secondsOf(clock));
  if (settings.antiReplay === 'time' && ahead > settings.timeWindowS) return clock;
  return (last + 1n) & MASK64;
}

/** The result of checking one received advert's trailer; `skewS` is the sender's clock offset in time mode. */
export interface HmacCheck {
  readonly verdict: HmacVerdict;
  readonly skewS?: number;
  readonly keyId?: number;
}

interface ReplayMark {
  seq: bigint;
}

interface SenderSlot {
  addr: string;
  mark: ReplayMark | undefined;
  lastUsed: number;
}

/**
 * One instance's `auth_hmac` state: the send sequence and the receive replay marks (one per
 * unicast peer; for multicast a table of `HMAC_MULTICAST_SENDERS` sources, least recently used
 * evicted). The wall clock is injected: the sequence is UTC time, not the monotonic clock.
 */
export class HmacGuard {
  private sendSeq = 0n;
  private readonly peerMarks = new Map<string, ReplayMark | undefined>();
  private readonly senders: SenderSlot[] = [];
  private lru = 0;

  constructor(
    readonly settings: HmacSettings,
    private readonly wallClock: () => number = Date.now,
  ) {}

  /** Whether adverts carry a trailer (every mode but receive-only). */
  get signs(): boolean {
    return this.settings.mode !== 'receive-only';
  }

  /**
   * The trailer for one advert round (the copies to each unicast peer share it: the HMAC
   * leaves out the checksum and the destination). Undefined in receive-only mode.
   */
  sign(message: Uint8Array, binding: HmacBinding): Buffer | undefined {
    if (!this.signs) return undefined;
    this.sendSeq = nextSequence(this.sendSeq, this.wallClock(), this.settings);
    const key = this.settings.keys.get(this.settings.activeKey);
    // keepalived sends a zero HMAC, which every receiver refuses, when the key is gone; config refuses that case.
    if (key === undefined) return encodeTrailer({ extType: HMAC_EXT_SHA256, keyId: this.settings.activeKey, reserved: 0, seq: this.sendSeq, hmac: new Uint8Array(HMAC_LENGTH) });
    return signTrailer(message, binding, this.settings.activeKey, key, this.sendSeq);
  }

  /**
   * keepalived's vrrp_auth_ext_verify + vrrp_auth_hmac_check, in their order: missing (only
   * enforce refuses it), malformed, stale (before the digest, so replayed floods cost no HMAC),
   * unknown key, bad HMAC, then the replay mark of the sender (moved only by verified adverts).
   * `peers`: the unicast peers, whose marks are kept apart; undefined for multicast.
   */
  check(message: Uint8Array, trailer: Uint8Array | undefined, binding: HmacBinding, peers?: readonly string[]): HmacCheck {
    if (trailer === undefined) return { verdict: this.settings.mode === 'enforce' ? 'missing' : 'ok' };
    const t = decodeTrailer(trailer);
    if (t === undefined || t.extType !== HMAC_EXT_SHA256 || t.reserved !== 0) return { verdict: 'malformed' };
    const nowS = Math.floor(this.wallClock() / 1000) >>> 0;
    const time = this.settings.antiReplay === 'time';
    let skewS: number | undefined;
    if (time) {
      skewS = secondsApart(nowS, secondsOf(t.seq));
      if (Math.abs(skewS) > this.settings.timeWindowS) return { verdict: 'stale', skewS };
    }
    const withSkew = (verdict: HmacVerdict): HmacCheck => (skewS !== undefined ? { verdict, skewS, keyId: t.keyId } : { verdict, keyId: t.keyId });
    const key = this.settings.keys.get(t.keyId);
    if (key === undefined) return withSkew('unknown-key');
    const expected = advertHmac(key, binding, message, trailer);
    if (!cryptoModule().timingSafeEqual(expected, t.hmac)) return withSkew('bad-hmac');
    const slot = this.markOf(binding.src, peers);
    let mark = slot.get();
    // A mark outside the window only orders adverts the window refuses anyway: expiring it recovers a sender reset after a clock step.
    if (mark !== undefined && time && Math.abs(secondsApart(nowS, secondsOf(mark.seq))) > this.settings.timeWindowS) mark = undefined;
    if (mark !== undefined && !sequenceAfter(t.seq, mark.seq)) return withSkew('replay');
    slot.set({ seq: t.seq });
    return withSkew('ok');
  }

  private markOf(src: string, peers: readonly string[] | undefined): { get(): ReplayMark | undefined; set(m: ReplayMark): void } {
    if (peers !== undefined) {
      const peer = peers.find((p) => compareAddresses(p, src) === 0) ?? src;
      return { get: () => this.peerMarks.get(peer), set: (m) => void this.peerMarks.set(peer, m) };
    }
    // keepalived's mcast_state: only reached after the HMAC verified, so forged sources cannot churn the table.
    let slot = this.senders.find((s) => compareAddresses(s.addr, src) === 0);
    if (slot === undefined) {
      if (this.senders.length < HMAC_MULTICAST_SENDERS) {
        slot = { addr: src, mark: undefined, lastUsed: 0 };
        this.senders.push(slot);
      } else {
        slot = this.senders.reduce((a, b) => (b.lastUsed < a.lastUsed ? b : a));
        slot.addr = src;
        slot.mark = undefined;
      }
    }
    slot.lastUsed = ++this.lru;
    const s = slot;
    return { get: () => s.mark, set: (m) => void (s.mark = m) };
  }
}

/**
 * keepalived's default `time_window` (vrrp.c): three advert intervals in whole seconds,
 * at least `HMAC_WINDOW_FLOOR` and at most `HMAC_WINDOW_MAX`.
 */
export function defaultTimeWindow(advertIntS: number): number {
  return Math.min(HMAC_WINDOW_MAX, Math.max(HMAC_WINDOW_FLOOR, 3 * Math.floor(advertIntS)));
}

/**
 * The advert with its trailer. Over IPv4 the VRRP checksum stays the message's own (keepalived
 * computes it before signing); over IPv6 it covers the trailer too, as the kernel's
 * IPV6_CHECKSUM computes it for keepalived on the way out.
 */
export function appendTrailer(version: Version, message: Buffer, trailer: Uint8Array, ctx: IpContext): Buffer {
  const out = Buffer.concat([message, trailer]);
  if (ctx.family === 6) {
    out.writeUInt16BE(0, 6);
    out.writeUInt16BE(vrrpChecksum(version, out, ctx), 6);
  }
  return out;
}
