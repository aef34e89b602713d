import type { Config, GlobalDefs, VirtualAddress, VrrpInstance } from '@tandem/config';
import type { AnnounceSchedule, ChecksumForm, HmacSettings, InstanceParams, RunnerOptions } from '@tandem/vrrp';

/** Maps keepalived's `garp_*` settings (instance over global_defs) onto the runner's schedule. */
export function announceSchedule(i: VrrpInstance, g: GlobalDefs): AnnounceSchedule {
  const masterRepeat = i.garp.masterRepeat ?? g.vrrpGarpMasterRepeat;
  return {
    masterRepeat,
    masterDelayMs: (i.garp.masterDelay ?? g.vrrpGarpMasterDelay) * 1000,
    masterRefreshMs: (i.garp.masterRefresh ?? g.vrrpGarpMasterRefresh) * 1000,
    masterRefreshRepeat: i.garp.masterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat,
    // Strict mode sends none (a file asking for some is refused).
    lowerPrioRepeat: i.strict ? 0 : (i.garp.lowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat ?? masterRepeat),
    lowerPrioDelayMs: i.strict ? 0 : (i.garp.lowerPrioDelay ?? g.vrrpGarpLowerPrioDelay) * 1000,
  };
}

/** The state machine's parameters for one configured instance, given its source address. */
export function instanceParams(i: VrrpInstance, sourceAddress: string): InstanceParams {
  return {
    version: i.version,
    family: i.family,
    priority: i.priority,
    intervalCs: Math.round(i.advertInt * 100),
    preempt: !i.nopreempt,
    preemptDelayMs: i.preemptDelay * 1000,
    // As keepalived: with AH a router learns the sequence number from an advert
    // before it may take over, so only the address owner starts as MASTER.
    startState: i.authentication?.type === 'AH' && i.priority !== 255 ? 'BACKUP' : (i.state ?? 'BACKUP'),
    primaryAddress: sourceAddress,
    downTimerAdverts: i.downTimerAdverts,
    higherPrioSendAdvert: i.higherPrioSendAdvert,
    lowerPrioNoAdvert: i.lowerPrioNoAdvert,
    ...(i.timerExpiredBackup !== undefined ? { timerExpiredBackup: i.timerExpiredBackup } : {}),
  };
}

/** Everything the runner needs from the configuration. */
export function runnerOptions(i: VrrpInstance, g: GlobalDefs, sourceAddress: string): RunnerOptions {
  return {
    name: i.name,
    vrid: i.virtualRouterId,
    params: instanceParams(i, sourceAddress),
    addresses: i.virtualIpaddress.map((v) => v.address),
    auth: i.authentication === undefined ? { type: 'none' } : { type: i.authentication.type === 'AH' ? 'ah' : 'pass', password: i.authentication.password },
    announce: announceSchedule(i, g),
    skipCheckAdvertAddresses: i.skipCheckAdvAddr,
    checkUnicastSource: i.checkUnicastSrc,
    ...checksumOption(i, g),
    ...(i.authHmac !== undefined ? { hmac: hmacSettings(i.authHmac) } : {}),
  };
}

/** keepalived 2.4's auth_hmac block as the runner signs and checks with it. */
export function hmacSettings(a: NonNullable<VrrpInstance['authHmac']>): HmacSettings {
  return {
    keys: new Map(a.keys.map((k) => [k.id, Buffer.from(k.keyHex, 'hex')])),
    activeKey: a.activeKey,
    mode: a.mode,
    antiReplay: a.antiReplay,
    timeWindowS: a.timeWindow,
  };
}

/**
 * keepalived's VRRPv3 IPv4 checksum forms: `v3_checksum_as_v2` (no pseudo-header), else
 * `old_unicast_checksum` (vrrp_mcast_group4 as the pseudo-header's destination); none for v2 or IPv6.
 */
export function checksumForm(i: VrrpInstance, g: Pick<GlobalDefs, 'vrrpMcastGroup4'>): ChecksumForm | undefined {
  if (i.version !== 3 || i.family !== 4) return undefined;
  if (i.v3ChecksumAsV2 === true) return { noPseudoHeader: true };
  if (i.oldUnicastChecksum === true) return { pseudoHeaderDst: g.vrrpMcastGroup4 };
  return undefined;
}

function checksumOption(i: VrrpInstance, g: GlobalDefs): { checksum?: ChecksumForm } {
  const c = checksumForm(i, g);
  return c === undefined ? {} : { checksum: c };
}

/** Interfaces named by an instance: its own, and each address's `dev`. */
export function interfacesOf(i: VrrpInstance): string[] {
  const names = new Set([i.interface]);
  for (const v of [...i.virtualIpaddress, ...i.virtualIpaddressExcluded]) if (v.dev !== undefined) names.add(v.dev);
  return [...names];
}

/** The address text `ip addr` would show: ADDR/PREFIX. */
export function vipText(v: VirtualAddress): string {
  return `${v.address}/${v.prefix}`;
}

/** The configuration as `tandemctl dump` shows it: auth_hmac's keys masked (keepalived 2.4 never prints them either). */
export function withoutHmacKeys(c: Config): Config {
  if (!c.vrrpInstances.some((i) => i.authHmac !== undefined)) return c;
  return {
    ...c,
    vrrpInstances: c.vrrpInstances.map((i) => (i.authHmac === undefined ? i : { ...i, authHmac: { ...i.authHmac, keys: i.authHmac.keys.map((k) => ({ id: k.id, keyHex: '********' })) } })),
  };
}
