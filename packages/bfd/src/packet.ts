import { BfdError } from './errors.js';

/** The BFD protocol version (RFC 5880 §4.1). */
export const BFD_VERSION = 1;
/** UDP destination port of single-hop control packets (RFC 5881 §4). */
export const BFD_PORT_SINGLE_HOP = 3784;
/** UDP destination port of multihop control packets (RFC 5883 §5). */
export const BFD_PORT_MULTIHOP = 4784;
/** Source ports of control packets: 49152 through 65535 (RFC 5881 §4). */
export const BFD_SOURCE_PORT_MIN = 49152;
export const BFD_SOURCE_PORT_MAX = 65535;
/** Length of a control packet without the authentication section (RFC 5880 §4.1). */
export const CONTROL_HEADER_LENGTH = 24;

/** Session states as carried in the Sta field (RFC 5880 §4.1), by name. */
export const StateCode = { AdminDown: 0, Down: 1, Init: 2, Up: 3 } as const;
export type SessionState = keyof typeof StateCode;
const STATE_NAMES: readonly SessionState[] = ['AdminDown', 'Down', 'Init', 'Up'];

/** Diagnostic codes (RFC 5880 §4.1, "Diagnostic (Diag)"). */
export const Diag = {
  none: 0,
  controlDetectionTimeExpired: 1,
  echoFunctionFailed: 2,
  neighborSignaledSessionDown: 3,
  forwardingPlaneReset: 4,
  pathDown: 5,
  concatenatedPathDown: 6,
  administrativelyDown: 7,
  reverseConcatenatedPathDown: 8,
} as const;
export type DiagName = keyof typeof Diag;
const DIAG_NAMES = Object.fromEntries(Object.entries(Diag).map(([k, v]) => [v, k])) as Record<number, DiagName>;

/** The name of a diagnostic code, or `unknown(N)` for codes RFC 5880 reserves. */
export function diagName(code: number): DiagName | `unknown(${number})` {
  return DIAG_NAMES[code] ?? `unknown(${code})`;
}

/** The optional authentication section (RFC 5880 §4.2): its type and the bytes after Auth Len. */
export interface AuthSection {
  readonly type: number;
  readonly data: Uint8Array;
}

/** One BFD Control packet as carried on the wire (RFC 5880 §4.1); intervals in microseconds. */
export interface ControlPacket {
  readonly diag: number;
  readonly state: SessionState;
  readonly poll: boolean;
  readonly final: boolean;
  /** C: Control Plane Independent. */
  readonly controlPlaneIndependent: boolean;
  /** D: Demand mode wanted by the sender. */
  readonly demand: boolean;
  /** M: Multipoint, reserved; always 0 on send. */
  readonly multipoint: boolean;
  readonly detectMult: number;
  readonly myDiscriminator: number;
  readonly yourDiscriminator: number;
  readonly desiredMinTxUs: number;
  readonly requiredMinRxUs: number;
  readonly requiredMinEchoRxUs: number;
  /** Present exactly when the A bit is set. */
  readonly auth?: AuthSection;
}

/** Why a received datagram was not accepted for a session. Every value is counted. */
export type DropReason =
  | 'truncated'
  | 'bad-version'
  | 'bad-length'
  | 'bad-detect-mult'
  | 'multipoint'
  | 'zero-my-discriminator'
  | 'bad-auth-length'
  | 'unknown-discriminator'
  | 'zero-your-discriminator'
  | 'no-session'
  | 'bad-ttl'
  | 'auth-not-expected'
  | 'admin-down';

export type DecodeResult =
  | { readonly ok: true; readonly packet: ControlPacket; readonly bytes: number }
  | { readonly ok: false; readonly reason: DropReason; readonly detail: string };

const FLAG_POLL = 0x20;
const FLAG_FINAL = 0x10;
const FLAG_CPI = 0x08;
const FLAG_AUTH = 0x04;
const FLAG_DEMAND = 0x02;
const FLAG_MULTIPOINT = 0x01;

/** Length in bytes of the encoded packet: the header plus Auth Type, Auth Len and the auth data. */
export function encodingLength(packet: ControlPacket): number {
  return CONTROL_HEADER_LENGTH + (packet.auth !== undefined ? 2 + packet.auth.data.length : 0);
}

const u32 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

/**
 * Encodes a control packet into `buf` at `offset` (a new buffer when none is
 * given) and returns that buffer; throws BFD_ERR_ENCODE on values that cannot be sent.
 */
export function encode(packet: ControlPacket, buf?: Buffer, offset = 0): Buffer {
  const check = (cond: boolean, what: string): void => {
    if (!cond) throw new BfdError('BFD_ERR_ENCODE', what);
  };
  const length = encodingLength(packet);
  check(Number.isInteger(packet.diag) && packet.diag >= 0 && packet.diag <= 31, `diag ${packet.diag}`);
  check(packet.state in StateCode, `state ${String(packet.state)}`);
  check(Number.isInteger(packet.detectMult) && packet.detectMult >= 1 && packet.detectMult <= 255, `detect mult ${packet.detectMult}`);
  check(!(packet.poll && packet.final), 'Poll and Final both set (RFC 5880 §6.5)');
  for (const [name, v] of [
    ['my discriminator', packet.myDiscriminator],
    ['your discriminator', packet.yourDiscriminator],
    ['desired min tx', packet.desiredMinTxUs],
    ['required min rx', packet.requiredMinRxUs],
    ['required min echo rx', packet.requiredMinEchoRxUs],
  ] as const) {
    check(u32(v), `${name} ${v}`);
  }
  check(packet.myDiscriminator !== 0, 'my discriminator 0 (RFC 5880 §6.8.1: nonzero)');
  check(packet.auth === undefined || (packet.auth.data.length >= 1 && packet.auth.data.length <= 253), 'auth data of 1-253 bytes');
  const out = buf ?? Buffer.alloc(offset + length);
  check(out.length >= offset + length, `buffer of ${out.length} bytes, needs ${offset + length}`);
  out[offset] = (BFD_VERSION << 5) | packet.diag;
  out[offset + 1] =
    (StateCode[packet.state] << 6) |
    (packet.poll ? FLAG_POLL : 0) |
    (packet.final ? FLAG_FINAL : 0) |
    (packet.controlPlaneIndependent ? FLAG_CPI : 0) |
    (packet.auth !== undefined ? FLAG_AUTH : 0) |
    (packet.demand ? FLAG_DEMAND : 0) |
    (packet.multipoint ? FLAG_MULTIPOINT : 0);
  out[offset + 2] = packet.detectMult;
  out[offset + 3] = length;
  out.writeUInt32BE(packet.myDiscriminator, offset + 4);
  out.writeUInt32BE(packet.yourDiscriminator, offset + 8);
  out.writeUInt32BE(packet.desiredMinTxUs, offset + 12);
  out.writeUInt32BE(packet.requiredMinRxUs, offset + 16);
  out.writeUInt32BE(packet.requiredMinEchoRxUs, offset + 20);
  if (packet.auth !== undefined) {
    out[offset + 24] = packet.auth.type;
    out[offset + 25] = 2 + packet.auth.data.length;
    out.set(packet.auth.data, offset + 26);
  }
  return out;
}

const readU32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/**
 * Decodes one control packet starting at `offset` and runs the receive checks of
 * RFC 5880 §6.8.6 that need no session, in the RFC's order. Bytes after the
 * Length field's end are ignored (the UDP payload may be longer). Never throws on input.
 */
export function decode(buf: Uint8Array, offset = 0): DecodeResult {
  const fail = (reason: DropReason, detail: string): DecodeResult => ({ ok: false, reason, detail });
  const available = buf.length - offset;
  if (offset < 0 || available < 1) return fail('truncated', `${Math.max(0, available)} bytes`);
  const version = buf[offset]! >> 5;
  // §6.8.6: If the version number is not correct (1), the packet MUST be discarded.
  if (version !== BFD_VERSION) return fail('bad-version', `version ${version}`);
  if (available < 4) return fail('truncated', `${available} bytes, the header word needs 4`);
  const flags = buf[offset + 1]!;
  const authPresent = (flags & FLAG_AUTH) !== 0;
  const length = buf[offset + 3]!;
  // §6.8.6: If the Length field is less than the minimum correct value (24 if the A bit is
  // clear, or 26 if the A bit is set), the packet MUST be discarded.
  const minimum = authPresent ? CONTROL_HEADER_LENGTH + 2 : CONTROL_HEADER_LENGTH;
  if (length < minimum) return fail('bad-length', `length ${length}, minimum ${minimum}`);
  // §6.8.6: If the Length field is greater than the payload of the encapsulating protocol, discard.
  if (length > available) return fail('truncated', `length ${length}, payload ${available} bytes`);
  const detectMult = buf[offset + 2]!;
  // §6.8.6: If the Detect Mult field is zero, the packet MUST be discarded.
  if (detectMult === 0) return fail('bad-detect-mult', 'detect mult 0');
  // §6.8.6: If the Multipoint (M) bit is nonzero, the packet MUST be discarded.
  if ((flags & FLAG_MULTIPOINT) !== 0) return fail('multipoint', 'M bit set');
  const myDiscriminator = readU32(buf, offset + 4);
  // §6.8.6: If the My Discriminator field is zero, the packet MUST be discarded.
  if (myDiscriminator === 0) return fail('zero-my-discriminator', 'my discriminator 0');
  let auth: AuthSection | undefined;
  if (authPresent) {
    // §4.2: Auth Len counts Auth Type and Auth Len themselves and must fit the packet.
    const authLen = buf[offset + 25]!;
    if (authLen < 3 || CONTROL_HEADER_LENGTH + authLen > length) return fail('bad-auth-length', `auth len ${authLen} in a packet of ${length}`);
    auth = { type: buf[offset + 24]!, data: Uint8Array.from(buf.subarray(offset + 26, offset + 24 + authLen)) };
  }
  const packet: ControlPacket = {
    diag: buf[offset]! & 0x1f,
    state: STATE_NAMES[flags >> 6]!,
    poll: (flags & FLAG_POLL) !== 0,
    final: (flags & FLAG_FINAL) !== 0,
    controlPlaneIndependent: (flags & FLAG_CPI) !== 0,
    demand: (flags & FLAG_DEMAND) !== 0,
    multipoint: false,
    detectMult,
    myDiscriminator,
    yourDiscriminator: readU32(buf, offset + 8),
    desiredMinTxUs: readU32(buf, offset + 12),
    requiredMinRxUs: readU32(buf, offset + 16),
    requiredMinEchoRxUs: readU32(buf, offset + 20),
    ...(auth !== undefined ? { auth } : {}),
  };
  return { ok: true, packet, bytes: length };
}
