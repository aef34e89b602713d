import type { InstanceDump, ScriptDump } from './keepalived-dumps.js';
import { keepalivedCommand, keepalivedCounters } from './keepalived-dumps.js';
import { checkView, type CheckedVirtualServer, type LvsGlobals } from './snmp-check-view.js';
import { addressToBytes } from '@tandem/vrrp';
import type { BfdInstance, RouteSpec, RuleSpec, TrackFile, Tracking, TrackProcess, VirtualAddress } from '@tandem/config';
import { addressRow, routeView, staticAddressRows } from './snmp-route-view.js';
import { trackView } from './snmp-track-view.js';

// What `tandemd -x` serves over AgentX, as data: every object of KEEPALIVED-MIB's VRRP part,
// VRRP-MIB (RFC 2787) and VRRPv3-MIB (RFC 6527) that keepalived 2.2.7 fills, made from the
// same snapshot as keepalived's dump files, in OID order. Pure; snmp-agent.ts answers with it.
// Values follow keepalived's vrrp_snmp.c (its TruthValue 1/2, state numbers, units).

export type SnmpType = 'Integer' | 'OctetString' | 'Gauge32' | 'Counter32' | 'Counter64' | 'TimeTicks' | 'IpAddress';

export interface Varbind {
  readonly oid: readonly number[];
  readonly type: SnmpType;
  readonly value: number | bigint | string | Buffer;
}

/** An interface as the MIBs need it: its index, MAC and first addresses. */
export interface LinkView {
  readonly index: number;
  readonly mac: Buffer | undefined;
  readonly primary4: string | undefined;
  readonly primary6: string | undefined;
  /** A VRF device's routing table. */
  readonly vrfTable?: number;
}

export interface SnmpSnapshot {
  readonly version: string;
  readonly routerId: string;
  readonly instances: readonly InstanceDump[];
  readonly scripts: readonly ScriptDump[];
  /** The sync groups, with what they track (the syncGroupTracked*Tables). */
  readonly syncGroups: ReadonlyArray<{ readonly name: string; readonly members: readonly string[]; readonly tracking?: Tracking; readonly trackingWeight?: boolean }>;
  /** The track_files VRRP follows and the value each holds (vrrpFileTable, vrrpTrackedFileTable). */
  readonly trackFiles?: ReadonlyArray<{ readonly config: TrackFile; readonly value: number }>;
  /** The vrrp_track_processes (their weights in the tracked process tables). */
  readonly trackProcesses?: readonly TrackProcess[];
  /** The vrrp_track_processes the VRRP side follows: processes counted, quorum or not (vrrpProcessTable). */
  readonly processCounts?: ReadonlyArray<{ readonly name: string; readonly count: number; readonly up: boolean }>;
  readonly links: ReadonlyMap<string, LinkView>;
  /** When the daemon started (ms since the epoch): time ticks are counted from it. */
  readonly startedMs: number;
  readonly nowMs: number;
  readonly netNamespace: string | undefined;
  readonly lvsFlush: boolean;
  readonly lvsFlushOnStop: boolean;
  /** The virtual servers (none with -P): KEEPALIVED-MIB's checker part. */
  readonly virtualServers: readonly CheckedVirtualServer[];
  /** The groups, lvs_sync_daemon and lvs_timeouts, for the checker part. */
  readonly lvs: LvsGlobals;
  /** Whether the checker part is served (keepalived's checker process runs: not with -P). */
  readonly checks: boolean;
  /** static_ipaddress, static_routes and static_rules, when the VRRP side runs (keepalived's VRRP process serves them). */
  readonly statics?: {
    readonly addresses: readonly VirtualAddress[];
    readonly routes: readonly RouteSpec[];
    readonly rules: readonly RuleSpec[];
    /** Where an address without `dev` goes (keepalived's default_interface). */
    readonly defaultInterface: string;
  };
  /** The bfd_instances whose events go to VRRP, and whether each session is Up (vrrpBfdTable). */
  readonly bfd?: ReadonlyArray<{ readonly config: BfdInstance; readonly up: boolean }>;
}

export const KEEPALIVED_MIB = [1, 3, 6, 1, 4, 1, 9586, 100, 5] as const;
export const VRRP_MIB = [1, 3, 6, 1, 2, 1, 68] as const;
export const VRRPV3_MIB = [1, 3, 6, 1, 2, 1, 207] as const;

/** SNMPv2-TC TruthValue. */
const truth = (b: boolean): number => (b ? 1 : 2);

/** KEEPALIVED-MIB VrrpState: init(0), backup(1), master(2), fault(3). */
const kaState = (s: InstanceDump['state']): number => ({ INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 })[s];
/** RFC 2787 / RFC 6527: initialize(1), backup(2), master(3); FAULT shows as initialize. */
const rfcState = (s: InstanceDump['state']): number => ({ INIT: 1, BACKUP: 2, MASTER: 3, FAULT: 1 })[s];

/** Sorted by OID, as GETNEXT walks them. */
export function compareOids(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Every object the three MIBs hold for `s`, sorted by OID. */
export function mibView(s: SnmpSnapshot): Varbind[] {
  const out: Varbind[] = [];
  const put = (oid: readonly number[], type: SnmpType, value: Varbind['value']): void => void out.push({ oid, type, value });
  const ka = (...sub: number[]): number[] => [...KEEPALIVED_MIB, ...sub];
  const ticks = (ms: number): number => Math.max(0, Math.floor(ms / 10));
  const ifIndex = (name: string): number => s.links.get(name)?.index ?? 0;

  // KEEPALIVED-MIB global (keepalived's values for what tandem has not: no SMTP, no DBus).
  put(ka(1, 1, 0), 'OctetString', s.version);
  put(ka(1, 2, 0), 'OctetString', s.routerId);
  put(ka(1, 3, 1, 0), 'Integer', 2);
  put(ka(1, 3, 2, 0), 'OctetString', Buffer.alloc(4));
  put(ka(1, 3, 3, 0), 'Gauge32', 0);
  put(ka(1, 3, 6, 0), 'Gauge32', 0);
  put(ka(1, 3, 7, 0), 'Integer', 1);
  for (const n of [8, 9, 10]) put(ka(1, 3, n, 0), 'Integer', 3);
  put(ka(1, 4, 0), 'Integer', 1);
  put(ka(1, 5, 0), 'Integer', 1);
  put(ka(1, 6, 0), 'Integer', truth(s.lvsFlush));
  put(ka(1, 7, 0), 'Integer', 1);
  put(ka(1, 8, 0), 'OctetString', s.netNamespace ?? '');
  put(ka(1, 9, 0), 'Integer', 2);
  put(ka(1, 10, 0), 'Integer', 2);
  put(ka(1, 11, 0), 'Integer', truth(s.lvsFlushOnStop));

  // vrrpSyncGroupTable (2.1) and vrrpSyncGroupMemberTable (2.2).
  const stateOfGroup = (members: readonly string[]): number => {
    const states = members.map((m) => s.instances.find((d) => d.config.name === m)?.state ?? 'INIT');
    return kaState(states.every((x) => x === 'MASTER') ? 'MASTER' : states.some((x) => x === 'FAULT') ? 'FAULT' : states.every((x) => x === 'BACKUP') ? 'BACKUP' : 'INIT');
  };
  s.syncGroups.forEach((g, gi) => {
    put(ka(2, 1, 1, 2, gi + 1), 'OctetString', g.name);
    put(ka(2, 1, 1, 3, gi + 1), 'Integer', stateOfGroup(g.members));
    put(ka(2, 1, 1, 4, gi + 1), 'Integer', 2);
    put(ka(2, 1, 1, 5, gi + 1), 'Integer', 2);
    put(ka(2, 1, 1, 10, gi + 1), 'Integer', 2);
    g.members.forEach((m, mi) => put(ka(2, 2, 1, 2, gi + 1, mi + 1), 'OctetString', m));
  });

  s.instances.forEach((d, i) => {
    const c = d.config;
    const idx = i + 1;
    const col = (n: number, type: SnmpType, value: Varbind['value']): void => put(ka(2, 3, 1, n, idx), type, value);
    const master = d.state === 'MASTER';
    col(2, 'OctetString', c.name);
    col(3, 'Gauge32', c.virtualRouterId);
    col(4, 'Integer', kaState(d.state));
    col(5, 'Integer', kaState(c.state === 'MASTER' ? 'MASTER' : 'BACKUP'));
    col(6, 'Integer', kaState(d.state));
    col(7, 'Integer', c.priority);
    col(8, 'Integer', d.effectivePriority);
    col(9, 'Integer', truth(master));
    col(10, 'OctetString', c.vmac?.name ?? c.interface);
    col(11, 'Integer', truth(c.tracking.trackInterface.length > 0));
    col(12, 'Gauge32', c.version === 2 ? Math.round(c.advertInt) : Math.round(c.advertInt * 100));
    col(13, 'Integer', truth(!c.nopreempt));
    col(14, 'Gauge32', Math.floor(c.preemptDelay));
    col(15, 'Integer', c.version === 2 && c.authentication !== undefined ? (c.authentication.type === 'PASS' ? 1 : 2) : 0);
    col(16, 'Integer', 2);
    if (d.syncGroup !== undefined) col(18, 'OctetString', d.syncGroup);
    col(19, 'Gauge32', Math.floor(c.garp.masterDelay ?? 5));
    col(20, 'Integer', 2);
    col(21, 'Integer', truth(Object.values(c.tracking.notify).some((x) => x !== undefined)));
    const n = c.tracking.notify;
    for (const [k, script] of [[22, n.master], [23, n.backup], [24, n.fault], [25, n.stop], [26, n.generic]] as const) if (script !== undefined) col(k, 'OctetString', keepalivedCommand(script.command));
    col(27, 'Integer', c.version === 3 ? truth(c.accept) : 0);
    col(28, 'Integer', truth(c.promoteSecondaries));
    col(29, 'Integer', 2);
    col(30, 'Integer', c.version);
    if (n.masterRxLowerPri !== undefined) col(31, 'OctetString', keepalivedCommand(n.masterRxLowerPri.command));
    if (n.deleted !== undefined) col(32, 'OctetString', keepalivedCommand(n.deleted.command));
    col(33, 'Integer', 2);
    if (c.unicastPeer.length === 0) {
      col(34, 'Integer', c.family === 4 ? 1 : 2);
      col(35, 'OctetString', addressToBytes(c.mcastGroup));
    }
    // vrrpAddressTable (2.6): the virtual addresses, then the excluded ones, numbered on.
    [...c.virtualIpaddress.map((v) => ({ v, adv: true })), ...c.virtualIpaddressExcluded.map((v) => ({ v, adv: false }))].forEach(({ v, adv }, ai) => {
      for (const row of addressRow(v, [idx, ai + 1], v.dev ?? c.vmac?.name ?? c.interface, ifIndex, master, adv)) put(ka(2, ...row.oid), row.type, row.value);
    });
  });
  // The static addresses (row 0 of vrrpAddressTable), and the static and virtual routes and rules (2.7, 2.8, 2.11).
  const st = s.statics ?? { addresses: [], routes: [], rules: [], defaultInterface: 'eth0' };
  for (const row of staticAddressRows(st.addresses, ifIndex, st.defaultInterface)) put(ka(2, ...row.oid), row.type, row.value);
  const owners = [{ index: 0, routes: st.routes, rules: st.rules, set: true }, ...s.instances.map((d, i) => ({ index: i + 1, routes: d.config.virtualRoutes, rules: d.config.virtualRules, set: d.state === 'MASTER' }))];
  for (const row of routeView(owners, ifIndex, (name) => s.links.get(name)?.vrfTable)) put(ka(2, ...row.oid), row.type, row.value);

  // The tracked interfaces, scripts, files, BFD sessions and processes of the instances and the sync groups, and vrrpFileTable.
  const tracking = { instances: s.instances.map((d) => d.config), syncGroups: s.syncGroups, scripts: s.scripts.map((sc) => sc.config), files: s.trackFiles ?? [], processes: s.trackProcesses ?? [], processCounts: s.processCounts ?? [], bfd: (s.bfd ?? []).map((b) => b.config) };
  for (const row of trackView(tracking)) put(ka(2, ...row.oid), row.type, row.value);

  // vrrpScriptTable (2.9): result init(1), bad(2), good(3).
  s.scripts.forEach((sc, i) => {
    const col = (n: number, type: SnmpType, value: Varbind['value']): void => put(ka(2, 9, 1, n, i + 1), type, value);
    col(2, 'OctetString', sc.config.name);
    col(3, 'OctetString', keepalivedCommand(sc.config.script.command));
    col(4, 'Integer', Math.floor(sc.config.interval));
    col(5, 'Integer', sc.config.weight);
    col(6, 'Integer', sc.status === 'GOOD' ? 3 : sc.status === 'BAD' ? 2 : 1);
    col(7, 'Gauge32', sc.config.rise);
    col(8, 'Gauge32', sc.config.fall);
    col(9, 'Integer', truth(sc.config.reverse));
  });

  // vrrpBfdTable (2.18): vrrpBfdResult is keepalived's bfd_up as it is, 1 (Up) or 0.
  (s.bfd ?? []).forEach((b, i) => {
    put(ka(2, 18, 1, 2, i + 1), 'OctetString', b.config.name);
    put(ka(2, 18, 1, 3, i + 1), 'Integer', b.up ? 1 : 0);
    put(ka(2, 18, 1, 4, i + 1), 'Integer', b.config.weight);
    put(ka(2, 18, 1, 5, i + 1), 'Integer', truth(b.config.weightReverse));
  });

  // VRRP-MIB (RFC 2787): VRRPv2 over IPv4 only, indexed by (ifIndex, VRID).
  const v2 = s.instances.filter((d) => d.config.version === 2 && d.config.family === 4);
  put([...VRRP_MIB, 1, 1, 0], 'Integer', 2);
  put([...VRRP_MIB, 1, 2, 0], 'Integer', 1);
  for (const d of v2) {
    const c = d.config;
    const link = s.links.get(c.interface);
    const ix = [link?.index ?? 0, c.virtualRouterId];
    const o = (n: number, type: SnmpType, value: Varbind['value']): void => put([...VRRP_MIB, 1, 3, 1, n, ...ix], type, value);
    o(2, 'OctetString', link?.mac ?? Buffer.alloc(6));
    o(3, 'Integer', rfcState(d.state));
    o(4, 'Integer', 1);
    o(5, 'Integer', c.priority);
    o(6, 'Integer', c.virtualIpaddress.length);
    o(7, 'IpAddress', d.state === 'BACKUP' && d.master !== undefined ? d.master : '0.0.0.0');
    o(8, 'IpAddress', c.unicastSrcIp ?? link?.primary4 ?? '0.0.0.0');
    o(9, 'Integer', c.authentication === undefined ? 1 : c.authentication.type === 'PASS' ? 2 : 3);
    o(11, 'Integer', Math.round(c.advertInt));
    o(12, 'Integer', truth(!c.nopreempt));
    o(13, 'TimeTicks', ticks(s.nowMs - s.startedMs));
    o(14, 'Integer', 1);
    o(15, 'Integer', 1);
    for (const v of c.virtualIpaddress) put([...VRRP_MIB, 1, 4, 1, 2, ...ix, ...addressToBytes(v.address)], 'Integer', 1);
  }
  put([...VRRP_MIB, 2, 1, 0], 'Counter32', sumDrops(s.instances, 'bad-checksum'));
  put([...VRRP_MIB, 2, 2, 0], 'Counter32', sumDrops(s.instances, 'bad-version'));
  put([...VRRP_MIB, 2, 3, 0], 'Counter32', 0);
  for (const d of v2) {
    const k = keepalivedCounters(d);
    const ix = [s.links.get(d.config.interface)?.index ?? 0, d.config.virtualRouterId];
    const values = [k.become_master, k.advert_rcvd, k.advert_interval_err, k.auth_failure, k.ip_ttl_err, k.pri_zero_rcvd, k.pri_zero_sent, k.invalid_type_rcvd, k.addr_list_err, k.invalid_authtype, k.authtype_mismatch, k.packet_len_err];
    values.forEach((v, n) => put([...VRRP_MIB, 2, 4, 1, n + 1, ...ix], 'Counter32', v));
  }

  // VRRPv3-MIB (RFC 6527): every instance, indexed by (ifIndex, VRID, address type).
  const ix3 = (d: InstanceDump): number[] => [s.links.get(d.config.interface)?.index ?? 0, d.config.virtualRouterId, d.config.family === 4 ? 1 : 2];
  for (const d of s.instances) {
    const c = d.config;
    const link = s.links.get(c.interface);
    const own = c.unicastSrcIp ?? (c.family === 4 ? link?.primary4 : link?.primary6);
    const o = (n: number, type: SnmpType, value: Varbind['value']): void => put([...VRRPV3_MIB, 1, 1, 1, 1, n, ...ix3(d)], type, value);
    const masterAddr = d.state === 'MASTER' ? own : d.master;
    if (masterAddr !== undefined) o(3, 'OctetString', addressToBytes(masterAddr));
    if (own !== undefined) o(4, 'OctetString', addressToBytes(own));
    o(5, 'OctetString', link?.mac ?? Buffer.alloc(6));
    o(6, 'Integer', rfcState(d.state));
    o(7, 'Gauge32', c.priority);
    o(8, 'Integer', c.virtualIpaddress.length);
    o(9, 'Integer', Math.round(c.advertInt * 100));
    o(10, 'Integer', truth(!c.nopreempt));
    o(11, 'Integer', truth(c.accept));
    o(12, 'TimeTicks', ticks(s.nowMs - s.startedMs));
    o(13, 'Integer', 1);
    for (const v of c.virtualIpaddress) put([...VRRPV3_MIB, 1, 1, 2, 1, 2, ...ix3(d), ...addressToBytes(v.address)], 'Integer', 1);
  }
  put([...VRRPV3_MIB, 1, 2, 1, 0], 'Counter64', BigInt(sumDrops(s.instances, 'bad-checksum')));
  put([...VRRPV3_MIB, 1, 2, 2, 0], 'Counter64', BigInt(sumDrops(s.instances, 'bad-version')));
  put([...VRRPV3_MIB, 1, 2, 3, 0], 'Counter64', 0n);
  put([...VRRPV3_MIB, 1, 2, 4, 0], 'TimeTicks', 0);
  for (const d of s.instances) {
    const k = keepalivedCounters(d);
    const st = (n: number, type: SnmpType, value: Varbind['value']): void => put([...VRRPV3_MIB, 1, 2, 5, 1, n, ...ix3(d)], type, value);
    st(1, 'Counter32', d.becameMaster);
    // newMasterReason: masterNoResponse(3) for a master (tandem does not keep why), notMaster(0) otherwise.
    st(2, 'Integer', d.state === 'MASTER' ? 3 : 0);
    st(3, 'Counter64', BigInt(k.advert_rcvd));
    st(4, 'Counter64', BigInt(k.advert_interval_err));
    st(5, 'Counter64', BigInt(k.ip_ttl_err));
    st(6, 'Integer', 0);
    st(7, 'Counter64', BigInt(k.pri_zero_rcvd));
    st(8, 'Counter64', BigInt(k.pri_zero_sent));
    st(9, 'Counter64', BigInt(k.invalid_type_rcvd));
    st(10, 'Counter64', BigInt(k.addr_list_err));
    st(11, 'Counter64', BigInt(k.packet_len_err));
    st(12, 'TimeTicks', 0);
    st(13, 'Gauge32', Math.round(d.config.advertInt * 1000));
  }
  if (s.checks) out.push(...checkView(s.virtualServers, s.lvs));
  return out.sort((a, b) => compareOids(a.oid, b.oid));
}

function sumDrops(instances: readonly InstanceDump[], reason: 'bad-checksum' | 'bad-version'): number {
  return instances.reduce((n, d) => n + (d.stats?.dropped[reason] ?? 0), 0);
}

/** The first object after `oid` (strictly), below `end` when given: GETNEXT over the view. */
export function nextAfter(view: readonly Varbind[], oid: readonly number[], end?: readonly number[]): Varbind | undefined {
  let lo = 0;
  let hi = view.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareOids(view[mid]!.oid, oid) <= 0) lo = mid + 1;
    else hi = mid;
  }
  const v = view[lo];
  if (v === undefined || (end !== undefined && end.length > 0 && compareOids(v.oid, end) >= 0)) return undefined;
  return v;
}

/** The object at exactly `oid`. */
export function exactly(view: readonly Varbind[], oid: readonly number[]): Varbind | undefined {
  return view.find((v) => compareOids(v.oid, oid) === 0);
}
