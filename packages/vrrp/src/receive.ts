import { addressToBytes, compareAddresses } from './address.js';
import { ahAuthentic, type AhEnvelope } from './ah.js';
import { HMAC_TRAILER_LENGTH, type HmacGuard, type HmacVerdict } from './auth-hmac.js';
import { AuthType, decode, type Advertisement, type DropReason, type IpContext, type Version } from './packet.js';

/** What the receive checks need to know about the local virtual router. */
export interface ReceiveExpectations {
  readonly version: Version;
  /** Configured interval in centiseconds; compared only for v2 (RFC 3768 §7.1). */
  readonly intervalCs: number;
  readonly authType: number;
  readonly authData: Uint8Array;
  /** AH only: the highest sequence number accepted or sent; a datagram must carry a higher one. */
  readonly ahSequence?: number;
  /**
   * Adverts go to unicast peers: the TTL is then not checked (a routed peer's adverts arrive
   * with less than 255, as keepalived allows) and, with AH, not covered by the ICV.
   */
  readonly unicast?: boolean;
  readonly addresses: readonly string[];
  /**
   * keepalived's `skip_check_adv_addr`: the master this backup already follows, whose adverts
   * are not checked for their addresses (a new master's still are).
   */
  readonly trustedMaster?: string;
  /** keepalived's `check_unicast_src`: adverts are accepted only from these unicast peers. */
  readonly peers?: readonly string[];
  /** Whether the local router is the address owner (priority 255). */
  readonly owner: boolean;
  /** keepalived 2.4's `auth_hmac`: checks (and remembers) the trailer of each advert. */
  readonly hmac?: HmacGuard;
  /** The unicast peers (keepalived anchors each peer's auth_hmac replay mark on its configuration). */
  readonly unicastPeers?: readonly string[];
}

/** Per-datagram metadata from the socket: TTL / hop limit and the IP addresses. */
export interface ReceivedMeta extends IpContext {
  readonly ttl: number;
  /** Present when the advert came inside an IPsec Authentication Header. */
  readonly ah?: AhEnvelope;
}

export type ReceiveResult =
  /** `hmacSkewS`: with auth_hmac's time mode, the sender's clock offset (keepalived warns past half the window). */
  | { readonly ok: true; readonly advert: Advertisement; readonly ahSequence?: number; readonly hmacSkewS?: number }
  | { readonly ok: false; readonly reason: DropReason; readonly detail: string; readonly vrid?: number };

function sameAddressSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const key = (s: string): string => addressToBytes(s).toString('hex');
  const left = new Set(a.map(key));
  return b.every((x) => left.has(key(x)));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Runs every receive check of RFC 5798 §7.1 and RFC 3768 §7.1 on one datagram,
 * in the RFC's order. `lookup` returns the expectations of the virtual router
 * with that VRID on this interface, or undefined when none is configured.
 */
export function receiveAdvert(
  payload: Uint8Array,
  meta: ReceivedMeta,
  lookup: (vrid: number) => ReceiveExpectations | undefined,
): ReceiveResult {
  const decoded = decode(payload, meta);
  if (!decoded.ok) return decoded;
  const advert = decoded.advert;
  // §7.1: MUST verify that the VRID is configured on the receiving interface.
  const local = lookup(advert.vrid);
  if (local === undefined) return { ok: false, reason: 'unknown-vrid', detail: `vrid ${advert.vrid}`, vrid: advert.vrid };
  const drop = (reason: DropReason, detail: string): ReceiveResult => ({ ok: false, reason, detail, vrid: advert.vrid });
  // keepalived: a trailer is recognised by the length alone (exactly its 28 bytes more, and only
  // when auth_hmac is configured); any other excess makes the packet "too long".
  const excess = payload.length - decoded.bytes;
  const trailer = local.hmac !== undefined && excess === HMAC_TRAILER_LENGTH ? payload.subarray(decoded.bytes) : undefined;
  if (excess !== 0 && trailer === undefined) return drop('bad-length', `${payload.length} bytes, the message is ${decoded.bytes}${excess === HMAC_TRAILER_LENGTH ? ' (an auth_hmac trailer? none is configured)' : ''}`);
  // §7.1: MUST verify that the IP TTL / IPv6 Hop Limit is 255; keepalived does not for
  // unicast peers, which may be routed (and may send with `unicast_ttl`).
  if (meta.ttl !== 255 && local.unicast !== true) return drop('bad-ttl', `ttl ${meta.ttl}`);
  if (advert.version !== local.version) return drop('bad-version', `version ${advert.version}, configured ${local.version}`);
  let hmacSkewS: number | undefined;
  if (local.hmac !== undefined) {
    // keepalived 2.4 (vrrp_auth_ext_verify): authenticated before any field reaches the state machine.
    if (trailer !== undefined && local.unicastPeers !== undefined && !local.unicastPeers.some((p) => compareAddresses(p, meta.src) === 0)) {
      return drop('unknown-peer', `auth_hmac advert from ${meta.src}, not a unicast_peer`);
    }
    const message = payload.subarray(0, decoded.bytes);
    const r = local.hmac.check(message, trailer, { family: meta.family, version: advert.version, vrid: advert.vrid, src: meta.src }, local.unicastPeers);
    if (r.verdict !== 'ok') return drop(HMAC_DROP[r.verdict], hmacDetail(r.verdict, meta.src, r.keyId, r.skewS, local.hmac.settings.timeWindowS));
    hmacSkewS = r.skewS;
  }
  if (local.peers !== undefined && !local.peers.some((p) => compareAddresses(p, meta.src) === 0)) return drop('unknown-peer', `advert from ${meta.src}, not a unicast_peer`);
  // RFC 3768 §7.1: ... and the local router is not the IP address owner.
  if (local.owner) return drop('owner-conflict', `advert from ${meta.src} while this router owns the addresses`);
  const wantsAh = local.authType === AuthType.ah;
  if ((meta.ah !== undefined) !== wantsAh) return drop('auth-type-mismatch', wantsAh ? 'advert without IPsec AH' : 'advert inside IPsec AH, configured without');
  if (advert.version === 2) {
    // RFC 3768 §7.1: MUST verify that the Auth Type matches the local method.
    if (advert.authType !== local.authType) return drop('auth-type-mismatch', `auth type ${advert.authType}, configured ${local.authType}`);
    if (local.authType === AuthType.simple && !bytesEqual(advert.authData, local.authData)) return drop('auth-failed', 'password differs');
    if (meta.ah !== undefined) {
      // Nothing in the datagram can be trusted before the ICV is.
      if (!ahAuthentic(meta.ah, local.authData, local.unicast === true)) return drop('auth-failed', 'AH ICV or SPI wrong (password differs?)');
      const last = local.ahSequence ?? 0;
      if (meta.ah.seq <= last) return drop('replayed', `AH sequence ${meta.ah.seq}, already at ${last}`);
    }
    // RFC 3768 §7.1: MUST verify that the Adver Interval matches the local one.
    if (advert.intervalCs !== local.intervalCs) return drop('interval-mismatch', `interval ${advert.intervalCs / 100}s, configured ${local.intervalCs / 100}s`);
  }
  // RFC 5798 §7.1: MAY verify the addresses; when they differ the packet MUST be
  // dropped unless it comes from the address owner (priority 255).
  if (advert.priority !== 255 && meta.src !== local.trustedMaster && !sameAddressSet(advert.addresses, local.addresses)) {
    return drop('address-mismatch', `advertised [${advert.addresses.join(' ')}], configured [${local.addresses.join(' ')}]`);
  }
  return { ok: true, advert, ...(meta.ah !== undefined ? { ahSequence: meta.ah.seq } : {}), ...(hmacSkewS !== undefined ? { hmacSkewS } : {}) };
}

const HMAC_DROP: Record<Exclude<HmacVerdict, 'ok'>, DropReason> = {
  missing: 'hmac-missing',
  malformed: 'hmac-malformed',
  'unknown-key': 'hmac-unknown-key',
  'bad-hmac': 'hmac-bad',
  stale: 'hmac-stale',
  replay: 'hmac-replay',
};

/** keepalived's log lines for each auth_hmac refusal. */
function hmacDetail(v: Exclude<HmacVerdict, 'ok'>, src: string, keyId: number | undefined, skewS: number | undefined, windowS: number): string {
  switch (v) {
    case 'missing':
      return `missing authentication trailer from ${src}`;
    case 'malformed':
      return `malformed authentication trailer from ${src}`;
    case 'unknown-key':
      return `unknown authentication key id ${keyId ?? '?'} from ${src}`;
    case 'bad-hmac':
      return `invalid authentication HMAC from ${src}`;
    case 'stale':
      return `stale authentication trailer from ${src}, clock skew ${skewS ?? '?'} sec exceeds window ${windowS} sec`;
    case 'replay':
      return `replayed authentication trailer from ${src}`;
  }
}
