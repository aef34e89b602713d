import { cryptoModule } from './builtins.js';
import { addressToBytes } from './address.js';
import type { DropReason } from './packet.js';
import { VRRP_PROTOCOL } from './packet.js';

/**
 * VRRPv2 `auth_type AH` as keepalived speaks it: the advert travels inside an
 * IPsec Authentication Header (RFC 2402) whose HMAC-MD5-96 covers the IPv4
 * header, the AH header and the advert, keyed with the 8-byte zero-padded
 * `auth_pass`. There is no security association: the SPI is the sender's
 * address and the sequence number only has to grow.
 */

/** IP protocol number of the Authentication Header. */
export const AH_PROTOCOL = 51;
const IP_HEADER = 20;
/** next header, payload length, reserved (2), SPI, sequence number, 96-bit ICV. */
const AH_HEADER = 24;
const ICV_OFFSET = 12;
const ICV_LENGTH = 12;
/** The AH length field counts 32-bit words minus 2 (RFC 2402 §2.2): 24 bytes -> 4. */
const AH_PAYLOAD_LENGTH = AH_HEADER / 4 - 2;
/** keepalived sends adverts with the "internetwork control" precedence. */
const TOS_NETWORK_CONTROL = 0xc0;

export interface AhSealParams {
  readonly src: string;
  readonly dst: string;
  /** IPv4 identification, never 0 (the kernel would replace 0 after the ICV was computed). */
  readonly ipId: number;
  readonly seq: number;
  /** The 8 bytes of authentication data (auth_pass, zero padded). */
  readonly key: Uint8Array;
  /** Unicast adverts may cross routers, so their TTL is mutable and left out of the ICV. */
  readonly unicast: boolean;
}

/** What the receive checks need from an AH-wrapped advert. */
export interface AhEnvelope {
  /** The whole datagram as received, IP header first. */
  readonly datagram: Uint8Array;
  /** Where the VRRP message starts. */
  readonly payloadOffset: number;
  readonly spi: number;
  readonly seq: number;
}

export type AhOpenResult =
  | { readonly ok: true; readonly envelope: AhEnvelope; readonly payload: Uint8Array }
  | { readonly ok: false; readonly reason: DropReason; readonly detail: string };

/**
 * RFC 2402 §3.3.3.1.1.1: the ICV is computed with the IP header's mutable
 * fields (TOS, fragment offset and flags, checksum; TTL too for unicast) and
 * the ICV field itself set to zero.
 */
function icv(datagram: Uint8Array, ipHeaderLength: number, key: Uint8Array, unicast: boolean): Buffer {
  const copy = Buffer.from(datagram);
  copy[1] = 0;
  copy.writeUInt16BE(0, 6);
  copy.writeUInt16BE(0, 10);
  if (unicast) copy[8] = 0;
  copy.fill(0, ipHeaderLength + ICV_OFFSET, ipHeaderLength + ICV_OFFSET + ICV_LENGTH);
  return cryptoModule().createHmac('md5', key).update(copy).digest().subarray(0, ICV_LENGTH);
}

/** The whole IPv4 datagram for one advert: IP header, AH with its ICV, the VRRP message. */
export function sealAh(vrrp: Uint8Array, p: AhSealParams): Buffer {
  const out = Buffer.alloc(IP_HEADER + AH_HEADER + vrrp.length);
  out[0] = 0x45;
  out[1] = TOS_NETWORK_CONTROL;
  out.writeUInt16BE(out.length, 2);
  out.writeUInt16BE(p.ipId & 0xffff, 4);
  out[8] = 255;
  out[9] = AH_PROTOCOL;
  // The checksum stays 0: the kernel fills it in on the way out.
  addressToBytes(p.src).copy(out, 12);
  addressToBytes(p.dst).copy(out, 16);
  out[IP_HEADER] = VRRP_PROTOCOL;
  out[IP_HEADER + 1] = AH_PAYLOAD_LENGTH;
  // keepalived's SPI is the sender's address, copied byte for byte.
  out.set(out.subarray(12, 16), IP_HEADER + 4);
  out.writeUInt32BE(p.seq >>> 0, IP_HEADER + 8);
  out.set(vrrp, IP_HEADER + AH_HEADER);
  icv(out, IP_HEADER, p.key, p.unicast).copy(out, IP_HEADER + ICV_OFFSET);
  return out;
}

/** Splits a received datagram into its AH fields and the VRRP message; checks structure only, never throws. */
export function openAh(datagram: Uint8Array): AhOpenResult {
  const fail = (reason: DropReason, detail: string): AhOpenResult => ({ ok: false, reason, detail });
  if (datagram.length < IP_HEADER) return fail('truncated', `${datagram.length} bytes, no IPv4 header`);
  const ihl = (datagram[0]! & 0x0f) * 4;
  if (datagram[0]! >> 4 !== 4 || ihl < IP_HEADER) return fail('truncated', 'not an IPv4 header');
  if (datagram[9] !== AH_PROTOCOL) return fail('bad-type', `IP protocol ${datagram[9]}, not AH`);
  if (datagram.length < ihl + AH_HEADER) return fail('truncated', `${datagram.length} bytes, AH header incomplete`);
  // Other IPsec traffic also arrives on an AH socket; only VRRP inside AH is ours.
  if (datagram[ihl] !== VRRP_PROTOCOL) return fail('bad-type', `AH carries protocol ${datagram[ihl]}, not VRRP`);
  if (datagram[ihl + 1] !== AH_PAYLOAD_LENGTH) return fail('truncated', `AH length ${datagram[ihl + 1]}, expected ${AH_PAYLOAD_LENGTH} (HMAC-MD5-96)`);
  const view = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.length);
  const envelope: AhEnvelope = {
    datagram,
    payloadOffset: ihl + AH_HEADER,
    spi: view.readUInt32BE(ihl + 4),
    seq: view.readUInt32BE(ihl + 8),
  };
  return { ok: true, envelope, payload: datagram.subarray(ihl + AH_HEADER) };
}

/** Whether the envelope's ICV is right for this key, and its SPI is its source address, as keepalived requires. */
export function ahAuthentic(e: AhEnvelope, key: Uint8Array, unicast: boolean): boolean {
  const ihl = e.payloadOffset - AH_HEADER;
  const expected = icv(e.datagram, ihl, key, unicast);
  const got = e.datagram.subarray(ihl + ICV_OFFSET, ihl + ICV_OFFSET + ICV_LENGTH);
  if (!cryptoModule().timingSafeEqual(expected, got)) return false;
  return e.spi === Buffer.from(e.datagram.subarray(12, 16)).readUInt32BE(0);
}
