import { addressToBytes, bytesToAddress, type Family } from './address.js';
import { internetChecksum } from './checksum.js';
import { VrrpError } from './errors.js';

/** IP protocol number of VRRP (RFC 5798 §5.1.1.4). */
export const VRRP_PROTOCOL = 112;
/** IPv4 multicast group for VRRP (RFC 5798 §5.1.1.2). */
export const VRRP_GROUP_V4 = '224.0.0.18';
/** IPv6 multicast group for VRRP (RFC 5798 §5.1.2.2). */
export const VRRP_GROUP_V6 = 'ff02::12';
/** The only VRRP packet type (RFC 5798 §5.2.2). */
export const VRRP_TYPE_ADVERTISEMENT = 1;
const HEADER_LENGTH = 8;
/**
 * VRRPv2 carries 8 bytes of authentication data after the addresses (RFC 3768 §5.3.10). Only over
 * IPv4: keepalived's VRRPv2 over IPv6 (outside any RFC, which it runs unless strict) has none.
 */
const V2_AUTH_LENGTH = 8;

export type Version = 2 | 3;

/** VRRPv2 authentication types (RFC 3768 §5.3.6). */
export const AuthType = { none: 0, simple: 1, ah: 2 } as const;

/** One VRRP advertisement, as carried on the wire. */
export interface Advertisement {
  readonly version: Version;
  readonly vrid: number;
  readonly priority: number;
  /** Advertisement interval in centiseconds; v2 carries whole seconds, so a multiple of 100. */
  readonly intervalCs: number;
  readonly addresses: readonly string[];
  /** VRRPv2 only: authentication type (0 none, 1 simple text password, 2 AH). */
  readonly authType: number;
  /** VRRPv2 only: the 8 bytes of authentication data. */
  readonly authData: Uint8Array;
}

/**
 * keepalived's forms of the VRRPv3 IPv4 checksum besides RFC 5798's: `old_unicast_checksum`
 * puts another destination (the multicast group) in the pseudo-header, `v3_checksum_as_v2`
 * (keepalived 2.2.8) leaves the pseudo-header out, as VRRPv2 does. IPv6 is always RFC 5798's.
 */
export interface ChecksumForm {
  readonly pseudoHeaderDst?: string;
  readonly noPseudoHeader?: boolean;
}

/** Addresses around the VRRP payload: the v3 checksum covers a pseudo-header built from them. */
export interface IpContext {
  readonly family: Family;
  readonly src: string;
  readonly dst: string;
  /** Absent: RFC 5798 §5.2.8's checksum. */
  readonly checksum?: ChecksumForm;
}

/** Why a received datagram was not accepted as an advertisement. Every value is counted. */
export type DropReason =
  | 'truncated'
  | 'bad-version'
  | 'bad-type'
  | 'bad-address-count'
  | 'bad-checksum'
  | 'bad-ttl'
  | 'unknown-vrid'
  | 'family-mismatch'
  | 'auth-type-mismatch'
  | 'auth-failed'
  | 'replayed'
  | 'interval-mismatch'
  | 'address-mismatch'
  | 'owner-conflict'
  | 'unknown-peer'
  | 'bad-length'
  | 'hmac-missing'
  | 'hmac-malformed'
  | 'hmac-unknown-key'
  | 'hmac-bad'
  | 'hmac-stale'
  | 'hmac-replay';

export type DecodeResult =
  /** `bytes`: the message's length; what follows it (keepalived 2.4's auth_hmac trailer) is the caller's. */
  | { readonly ok: true; readonly advert: Advertisement; readonly bytes: number }
  | { readonly ok: false; readonly reason: DropReason; readonly detail: string };

const NO_AUTH = new Uint8Array(V2_AUTH_LENGTH);

function addressLength(family: Family): number {
  return family === 4 ? 4 : 16;
}

/** Whether a message of this version over this family ends with VRRPv2's authentication data. */
function carriesAuthData(version: number, family: Family): boolean {
  return version === 2 && family === 4;
}

/** Length in bytes of the encoded advertisement. */
export function encodingLength(advert: Advertisement, family: Family): number {
  return HEADER_LENGTH + advert.addresses.length * addressLength(family) + (carriesAuthData(advert.version, family) ? V2_AUTH_LENGTH : 0);
}

function pseudoHeader(ctx: IpContext, length: number): Buffer {
  if (ctx.family === 4) {
    const p = Buffer.alloc(12);
    addressToBytes(ctx.src).copy(p, 0);
    addressToBytes(ctx.dst).copy(p, 4);
    p[9] = VRRP_PROTOCOL;
    p.writeUInt16BE(length, 10);
    return p;
  }
  const p = Buffer.alloc(40);
  addressToBytes(ctx.src).copy(p, 0);
  addressToBytes(ctx.dst).copy(p, 16);
  p.writeUInt32BE(length, 32);
  p[39] = VRRP_PROTOCOL;
  return p;
}

/**
 * The checksum a VRRP message should carry: v2 over IPv4 over the message alone, v3 with the
 * pseudo-header (RFC 5798 §5.2.8). Over IPv6 always with it: keepalived lets the kernel's
 * IPV6_CHECKSUM fill it in, whatever the version.
 */
export function vrrpChecksum(version: Version, message: Uint8Array, ctx: IpContext): number {
  if (ctx.family === 4 && (version === 2 || ctx.checksum?.noPseudoHeader === true)) return internetChecksum([message]);
  const dst = ctx.family === 4 ? (ctx.checksum?.pseudoHeaderDst ?? ctx.dst) : ctx.dst;
  return internetChecksum([pseudoHeader({ family: ctx.family, src: ctx.src, dst }, message.length), message]);
}

/** Encodes an advertisement with its checksum; throws VRRP_ERR_ENCODE on values that cannot be sent. */
export function encode(advert: Advertisement, ctx: IpContext): Buffer {
  const check = (cond: boolean, what: string): void => {
    if (!cond) throw new VrrpError('VRRP_ERR_ENCODE', what);
  };
  check(advert.version === 2 || advert.version === 3, `version ${advert.version}`);
  check(Number.isInteger(advert.vrid) && advert.vrid >= 1 && advert.vrid <= 255, `vrid ${advert.vrid}`);
  check(Number.isInteger(advert.priority) && advert.priority >= 0 && advert.priority <= 255, `priority ${advert.priority}`);
  check(advert.addresses.length <= 255, 'more than 255 addresses');
  if (advert.version === 2) {
    check(advert.intervalCs % 100 === 0 && advert.intervalCs >= 100 && advert.intervalCs <= 25500, `v2 interval ${advert.intervalCs}cs`);
  } else {
    check(Number.isInteger(advert.intervalCs) && advert.intervalCs >= 1 && advert.intervalCs <= 4095, `v3 interval ${advert.intervalCs}cs`);
  }
  const buf = Buffer.alloc(encodingLength(advert, ctx.family));
  buf[0] = (advert.version << 4) | VRRP_TYPE_ADVERTISEMENT;
  buf[1] = advert.vrid;
  buf[2] = advert.priority;
  buf[3] = advert.addresses.length;
  if (advert.version === 2) {
    buf[4] = advert.authType;
    buf[5] = advert.intervalCs / 100;
  } else {
    buf.writeUInt16BE(advert.intervalCs & 0x0fff, 4);
  }
  let offset = HEADER_LENGTH;
  for (const address of advert.addresses) {
    const bytes = addressToBytes(address);
    check(bytes.length === addressLength(ctx.family), `address ${address} is not IPv${ctx.family}`);
    bytes.copy(buf, offset);
    offset += bytes.length;
  }
  if (carriesAuthData(advert.version, ctx.family)) Buffer.from(advert.authData.subarray(0, V2_AUTH_LENGTH)).copy(buf, offset);
  buf.writeUInt16BE(vrrpChecksum(advert.version, buf, ctx), 6);
  return buf;
}

/**
 * Decodes and checks the parts of RFC 5798 §7.1 / RFC 3768 §7.1 that need no
 * configuration: completeness, version, type, address count vs length and the
 * checksum. Never throws on input bytes.
 */
export function decode(buf: Uint8Array, ctx: IpContext): DecodeResult {
  const fail = (reason: DropReason, detail: string): DecodeResult => ({ ok: false, reason, detail });
  if (buf.length < HEADER_LENGTH) return fail('truncated', `${buf.length} bytes, header needs ${HEADER_LENGTH}`);
  const version = buf[0]! >> 4;
  const type = buf[0]! & 0x0f;
  // RFC 5798 §7.1: MUST verify the VRRP version. v2 over IPv6 is keepalived's, outside RFC 3768;
  // the instance's configured version decides whether it is taken.
  if (version !== 3 && version !== 2) return fail('bad-version', `version ${version} over IPv${ctx.family}`);
  // RFC 5798 §5.2.2: the only type is ADVERTISEMENT; others MUST be discarded.
  if (type !== VRRP_TYPE_ADVERTISEMENT) return fail('bad-type', `type ${type}`);
  const count = buf[3]!;
  const alen = addressLength(ctx.family);
  const withAuth = carriesAuthData(version, ctx.family);
  const needed = HEADER_LENGTH + count * alen + (withAuth ? V2_AUTH_LENGTH : 0);
  // RFC 3768 §7.1: MUST verify that the packet contains the complete message, addresses and auth data included.
  if (buf.length < needed) return fail('bad-address-count', `${count} addresses need ${needed} bytes, got ${buf.length}`);
  // RFC 5798 §7.1: MUST verify the VRRP checksum. Over IPv4 it covers the message alone (keepalived's
  // vrrppkt_len); over IPv6 the whole payload, as the kernel's IPV6_CHECKSUM that keepalived relies on.
  let expected: number;
  try {
    const copy = Buffer.from(ctx.family === 4 ? buf.subarray(0, needed) : buf);
    copy.writeUInt16BE(0, 6);
    expected = vrrpChecksum(version as Version, copy, ctx);
  } catch {
    return fail('bad-checksum', 'pseudo-header addresses unusable');
  }
  const got = (buf[6]! << 8) | buf[7]!;
  if (got !== expected) return fail('bad-checksum', `checksum 0x${got.toString(16)}, expected 0x${expected.toString(16)}`);
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const start = HEADER_LENGTH + i * alen;
    addresses.push(bytesToAddress(buf.subarray(start, start + alen)));
  }
  const intervalCs = version === 2 ? buf[5]! * 100 : ((buf[4]! << 8) | buf[5]!) & 0x0fff;
  const authStart = HEADER_LENGTH + count * alen;
  const advert: Advertisement = {
    version: version as Version,
    vrid: buf[1]!,
    priority: buf[2]!,
    intervalCs,
    addresses,
    authType: version === 2 ? buf[4]! : 0,
    authData: withAuth ? Uint8Array.from(buf.subarray(authStart, authStart + V2_AUTH_LENGTH)) : NO_AUTH,
  };
  return { ok: true, advert, bytes: needed };
}

/** The 8 bytes of VRRPv2 simple-password data: keepalived uses at most 8 characters, zero padded. */
export function passwordAuthData(password: string): Uint8Array {
  const out = new Uint8Array(V2_AUTH_LENGTH);
  out.set(Buffer.from(password, 'latin1').subarray(0, V2_AUTH_LENGTH));
  return out;
}

/** Authentication data for an advertisement without authentication. */
export const noAuthData: Uint8Array = NO_AUTH;
