import type { Forwarding, GlobalDefs, GroupEntry, LvsSyncDaemon, VirtualServer, VirtualServerGroup } from '@tandem/config';
import { keptServerPort, LB_ALGOS } from '@tandem/config';
import type { DestinationEntry, KernelService, Stats } from '@tandem/ipvs';
import type { VirtualServerStatus } from './lvs-service.js';
import { keepalivedCommand } from './keepalived-dumps.js';
import type { SnmpType, Varbind } from './snmp-view.js';
import { addressToBytes } from '@tandem/vrrp';

// KEEPALIVED-MIB's checker part (`check`, .1.3.6.1.4.1.9586.100.5.3): virtualServerTable and
// realServerTable as keepalived's check_snmp.c fills them, from the configuration, the real
// servers' verdicts and the kernel's IPVS counters. Pure; snmp-view.ts adds it to the view.

/** One virtual server as the MIB needs it. */
export interface CheckedVirtualServer {
  readonly config: VirtualServer;
  readonly status: VirtualServerStatus | undefined;
  /** Its service in the kernel (counters), when IPVS has it. */
  readonly ipvs: KernelService | undefined;
}

/** What the checker part serves beside the virtual servers: the groups, the sync daemon, the LVS timeouts. */
export interface LvsGlobals {
  readonly groups: readonly VirtualServerGroup[];
  readonly syncDaemon: LvsSyncDaemon | undefined;
  /** The VRID of the sync daemon's instance, its sync id when none is given. */
  readonly timeouts: GlobalDefs['lvsTimeouts'];
}

export const NO_LVS_GLOBALS: LvsGlobals = { groups: [], syncDaemon: undefined, timeouts: undefined };

export const CHECK = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 3] as const;

const truth = (b: boolean): number => (b ? 1 : 2);
const kind = (k: string): number => ({ NAT: 1, DR: 2, TUN: 3 })[k] ?? 0;
const u32 = (n: bigint): number => Number(n & 0xffffffffn);
const hi32 = (n: bigint): number => Number((n >> 32n) & 0xffffffffn);
const usec = (s: number | undefined): number => Math.round((s ?? 0) * 1e6);
const ZERO: Stats = { conns: 0n, inPackets: 0n, outPackets: 0n, inBytes: 0n, outBytes: 0n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n };

/** An IPv4 service's persistence_granularity as a netmask's bytes: a dotted mask as given, a prefix length (which the file may also give) made into one. */
function ipv4Mask(granularity: string | undefined): Buffer {
  if (granularity === undefined) return Buffer.from([255, 255, 255, 255]);
  if (granularity.includes('.')) return addressToBytes(granularity);
  const bits = Math.min(32, Number(granularity));
  const mask = Buffer.alloc(4);
  // A shift by 32 is a shift by 0 in JavaScript: /0 is written out.
  mask.writeUInt32BE(bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);
  return mask;
}

/** keepalived's persistence_granularity field read as a number (check_snmp.c serves it so for a service without an address). */
function rawGranularity(g: string | undefined): number {
  if (g === undefined) return 0xffffffff;
  if (!g.includes('.')) return Number(g);
  return Buffer.from(g.split('.').map(Number)).readUInt32LE(0);
}

/** The kernel's destination for a real server, if IPVS has it. */
function destinationOf(k: KernelService | undefined, vs: VirtualServer, rs: { readonly address: string; readonly port?: number; readonly forwarding?: Forwarding }): DestinationEntry | undefined {
  // A group's members that are not NAT are programmed with each entry's port: the address tells them apart there.
  const port = vs.key.kind !== 'group' ? keptServerPort(vs, rs) : (rs.forwarding ?? vs.forwarding).kind === 'NAT' ? rs.port : undefined;
  return k?.destinations.find((d) => d.address === rs.address && (port === undefined || d.port === port));
}

/** The counters both tables carry, from column `first` on (virtualServerStatsConns 27 / realServerStatsConns 14). */
function statColumns(put: (n: number, t: SnmpType, v: Varbind['value']) => void, s: Stats, layout: 'vs' | 'rs', d?: DestinationEntry): void {
  if (layout === 'vs') {
    put(27, 'Gauge32', u32(s.conns));
    put(28, 'Counter32', u32(s.inPackets));
    put(29, 'Counter32', u32(s.outPackets));
    put(30, 'Counter64', s.inBytes);
    put(31, 'Counter64', s.outBytes);
    [s.cps, s.inPps, s.outPps, s.inBps, s.outBps].forEach((r, i) => put(32 + i, 'Gauge32', u32(r)));
    [s.conns, s.inPackets, s.outPackets].forEach((c, i) => put(38 + i, 'Counter64', c));
    [s.cps, s.inPps, s.outPps, s.inBps, s.outBps].forEach((r, i) => {
      put(41 + i * 2, 'Gauge32', u32(r));
      put(42 + i * 2, 'Gauge32', hi32(r));
    });
    return;
  }
  put(14, 'Gauge32', u32(s.conns));
  put(15, 'Gauge32', d?.activeConns ?? 0);
  put(16, 'Gauge32', d?.inactiveConns ?? 0);
  put(17, 'Gauge32', d?.persistConns ?? 0);
  put(18, 'Counter32', u32(s.inPackets));
  put(19, 'Counter32', u32(s.outPackets));
  put(20, 'Counter64', s.inBytes);
  put(21, 'Counter64', s.outBytes);
  [s.cps, s.inPps, s.outPps, s.inBps, s.outBps].forEach((r, i) => put(22 + i, 'Gauge32', u32(r)));
  [s.conns, s.inPackets, s.outPackets].forEach((c, i) => put(27 + i, 'Counter64', c));
  [s.cps, s.inPps, s.outPps, s.inBps, s.outBps].forEach((r, i) => {
    put(30 + i * 2, 'Gauge32', u32(r));
    put(31 + i * 2, 'Gauge32', hi32(r));
  });
}

function tunnelColumns(put: (n: number, t: SnmpType, v: Varbind['value']) => void, f: VirtualServer['forwarding'], first: number): void {
  if (f.kind !== 'TUN') return;
  const type = f.tunnel?.type ?? 'ipip';
  put(first, 'Integer', { ipip: 1, gue: 2, gre: 3 }[type]);
  if (type === 'gue') put(first + 1, 'Gauge32', f.tunnel?.port ?? 0);
  if (type !== 'ipip') put(first + 2, 'Integer', { nocsum: 1, csum: 2, remcsum: 3 }[f.tunnel?.checksum ?? 'nocsum']);
}

/** virtualServerTable (check 3) and realServerTable (check 4), in keepalived's column order. */
export function checkView(servers: readonly CheckedVirtualServer[], lvs: LvsGlobals = NO_LVS_GLOBALS): Varbind[] {
  const out: Varbind[] = [...groupView(lvs.groups)];
  servers.forEach((v, vi) => {
    const c = v.config;
    const idx = vi + 1;
    const put = (n: number, type: SnmpType, value: Varbind['value']): void => void out.push({ oid: [...CHECK, 3, 1, n, idx], type, value });
    const key = c.key;
    const family = key.kind === 'address' ? key.family : (c.realServers[0]?.family ?? 4);
    const o = c.options;
    put(2, 'Integer', key.kind === 'group' ? 3 : key.kind === 'fwmark' ? 1 : 2);
    if (key.kind === 'group') put(3, 'OctetString', key.group);
    if (key.kind === 'fwmark') put(4, 'Gauge32', key.mark);
    put(5, 'Integer', family === 4 ? 1 : 2);
    if (key.kind === 'address') {
      put(6, 'OctetString', addressToBytes(key.address));
      put(7, 'Gauge32', key.port ?? 0);
    }
    if (key.kind !== 'fwmark') put(8, 'Integer', { TCP: 1, UDP: 2, SCTP: 3 }[c.protocol]);
    put(9, 'Integer', LB_ALGOS.indexOf(c.lbAlgo) + 1 || 99);
    put(10, 'Integer', kind(c.forwarding.kind));
    put(11, 'Integer', truth(v.status?.quorum !== 'down'));
    if (c.virtualhost !== undefined) put(12, 'OctetString', c.virtualhost);
    put(13, 'Integer', truth((c.persistenceTimeout ?? 0) > 0));
    if ((c.persistenceTimeout ?? 0) > 0) put(14, 'Gauge32', c.persistenceTimeout!);
    // keepalived serves each granularity column unless the service's own address is of the
    // other family: a group or fwmark service has none (AF_UNSPEC), so it gets both.
    const addressed = key.kind === 'address';
    if (family === 4 || !addressed) put(15, 'OctetString', ipv4Mask(c.persistenceGranularity));
    put(16, 'Gauge32', Math.floor(c.delayLoop));
    put(17, 'Integer', 2);
    put(18, 'Integer', truth(c.alpha));
    put(19, 'Integer', truth(c.omega));
    const reals = v.status?.reals ?? [];
    put(20, 'Gauge32', c.realServers.length);
    put(21, 'Gauge32', reals.filter((r) => r.up).length);
    put(22, 'Gauge32', c.quorum);
    put(23, 'Integer', truth(v.status?.quorum !== 'down'));
    if (c.quorumUp !== undefined) put(24, 'OctetString', keepalivedCommand(c.quorumUp.command));
    if (c.quorumDown !== undefined) put(25, 'OctetString', keepalivedCommand(c.quorumDown.command));
    put(26, 'Gauge32', c.hysteresis);
    statColumns(put, v.ipvs?.service.stats ?? ZERO, 'vs');
    put(37, 'Integer', truth(c.ops));
    if (addressed && family === 6) put(51, 'Gauge32', Number(c.persistenceGranularity ?? 128));
    // Without an address, the raw field: 0xffffffff unset, a prefix length, or a netmask as this (little-endian) host holds its bytes.
    else if (!addressed) put(51, 'Gauge32', rawGranularity(c.persistenceGranularity));
    put(52, 'Integer', 2);
    put(53, 'Integer', truth(c.schedulerFlags.includes('sh-fallback')));
    put(54, 'Integer', truth(c.schedulerFlags.includes('sh-port')));
    put(55, 'Integer', truth(c.schedulerFlags.includes('flag-3')));
    put(56, 'Integer', truth(!c.inhibitOnFailure));
    put(57, 'Gauge32', o.retry ?? 0);
    put(58, 'Gauge32', Math.floor(o.delayBeforeRetry ?? 0));
    put(59, 'Gauge32', Math.floor(o.warmup ?? 0));
    put(60, 'Integer', 1);
    put(61, 'Integer', 2);
    put(62, 'Integer', truth(c.schedulerFlags.includes('mh-fallback')));
    put(63, 'Integer', truth(c.schedulerFlags.includes('mh-port')));
    put(64, 'Gauge32', usec(c.delayLoop));
    put(65, 'Gauge32', usec(o.delayBeforeRetry));
    put(66, 'Gauge32', usec(o.warmup));
    put(67, 'Gauge32', usec(o.connectTimeout ?? 5));
    tunnelColumns(put, c.forwarding, 68);

    // keepalived's check_snmp_realserver: the sorry server is row 1 (realServerType false), with
    // its address, port, forwarding, counters and zeroed checker columns; the real servers follow.
    const sorry = c.sorryServer;
    if (sorry !== undefined) {
      const r = (n: number, type: SnmpType, value: Varbind['value']): void => void out.push({ oid: [...CHECK, 4, 1, n, idx, 1], type, value });
      const fwd = sorry.forwarding ?? c.forwarding;
      r(2, 'Integer', 2);
      r(3, 'Integer', sorry.address.includes(':') ? 2 : 1);
      r(4, 'OctetString', addressToBytes(sorry.address));
      r(5, 'Gauge32', keptServerPort(c, sorry));
      statColumns(r, destinationOf(v.ipvs, c, sorry)?.stats ?? ZERO, 'rs', destinationOf(v.ipvs, c, sorry));
      r(40, 'Integer', kind(fwd.kind));
      r(42, 'Integer', 2);
      for (const n of [43, 44, 45, 46]) r(n, 'Gauge32', 0);
      r(47, 'Integer', 2);
      for (const n of [48, 49, 50, 51]) r(n, 'Gauge32', 0);
      tunnelColumns(r, fwd, 52);
    }
    const first = sorry !== undefined ? 2 : 1;
    c.realServers.forEach((rs, ri) => {
      const r = (n: number, type: SnmpType, value: Varbind['value']): void => void out.push({ oid: [...CHECK, 4, 1, n, idx, ri + first], type, value });
      const st = reals.find((x) => x.address === rs.address && (x.port ?? undefined) === rs.port);
      const d = destinationOf(v.ipvs, c, rs);
      const ro = rs.options;
      const fwd = rs.forwarding ?? c.forwarding;
      r(2, 'Integer', 1);
      r(3, 'Integer', rs.family === 4 ? 1 : 2);
      r(4, 'OctetString', addressToBytes(rs.address));
      r(5, 'Gauge32', keptServerPort(c, rs));
      r(6, 'Integer', truth(st?.up ?? !c.alpha));
      // keepalived's real_weight(effective_weight): the weight while up (an SNMP SET's, a dynamic one, or the file's).
      r(7, 'Integer', st?.effectiveWeight ?? rs.weight);
      if ((rs.uthreshold ?? 0) > 0) r(8, 'Gauge32', rs.uthreshold!);
      if ((rs.lthreshold ?? 0) > 0) r(9, 'Gauge32', rs.lthreshold!);
      r(10, 'Integer', truth(!(rs.inhibitOnFailure ?? c.inhibitOnFailure)));
      if (rs.notifyUp !== undefined) r(11, 'OctetString', keepalivedCommand(rs.notifyUp.command));
      if (rs.notifyDown !== undefined) r(12, 'OctetString', keepalivedCommand(rs.notifyDown.command));
      r(13, 'Gauge32', st === undefined || st.up ? 0 : Math.max(1, rs.checkers.length));
      statColumns(r, d?.stats ?? ZERO, 'rs', d);
      r(40, 'Integer', kind(fwd.kind));
      if (rs.virtualhost !== undefined) r(41, 'OctetString', rs.virtualhost);
      r(42, 'Integer', truth(ro.alpha ?? c.alpha));
      r(43, 'Gauge32', ro.retry ?? 0);
      r(44, 'Gauge32', Math.floor(ro.delayBeforeRetry ?? 0));
      r(45, 'Gauge32', Math.floor(ro.warmup ?? 0));
      r(46, 'Gauge32', Math.floor(ro.delayLoop ?? c.delayLoop));
      r(47, 'Integer', 1);
      r(48, 'Gauge32', usec(ro.delayBeforeRetry));
      r(49, 'Gauge32', usec(ro.warmup));
      r(50, 'Gauge32', usec(ro.delayLoop ?? c.delayLoop));
      r(51, 'Gauge32', usec(ro.connectTimeout ?? o.connectTimeout ?? 5));
      tunnelColumns(r, fwd, 52);
    });
  });
  out.push(...lvsScalars(lvs));
  return out;
}

/** The last address of a group entry's range (`A-B`, or a prefix's last address), when it is one. */
function rangeEnd(e: Extract<GroupEntry, { kind: 'address' }>): string | undefined {
  if (e.last !== undefined) return e.last === e.address ? undefined : e.last;
  if (e.prefix === undefined || e.prefix === (e.family === 4 ? 32 : 128)) return undefined;
  const bytes = addressToBytes(e.address);
  for (let bit = e.prefix; bit < bytes.length * 8; bit++) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return e.family === 4 ? [...bytes].join('.') : (bytes.toString('hex').match(/.{4}/g) ?? []).join(':');
}

/**
 * virtualServerGroupTable (check 1) and virtualServerGroupMemberTable (check 2): a group's
 * fwmarks first, then its addresses and ranges, numbered on (check_snmp_vsgroupmember).
 */
function groupView(groups: readonly VirtualServerGroup[]): Varbind[] {
  const out: Varbind[] = [];
  groups.forEach((g, gi) => {
    out.push({ oid: [...CHECK, 1, 1, 2, gi + 1], type: 'OctetString', value: g.name });
    const members = [...g.entries.filter((e) => e.kind === 'fwmark'), ...g.entries.filter((e) => e.kind === 'address')];
    members.forEach((e, mi) => {
      const m = (n: number, type: SnmpType, value: Varbind['value']): void => void out.push({ oid: [...CHECK, 2, 1, n, gi + 1, mi + 1], type, value });
      if (e.kind === 'fwmark') {
        m(2, 'Integer', 1);
        m(3, 'Gauge32', e.mark);
        return;
      }
      const end = rangeEnd(e);
      m(2, 'Integer', end === undefined ? 2 : 3);
      m(4, 'Integer', e.family === 4 ? 1 : 2);
      if (end === undefined) m(5, 'OctetString', addressToBytes(e.address));
      else {
        m(6, 'OctetString', addressToBytes(e.address));
        m(7, 'OctetString', addressToBytes(end));
      }
      m(8, 'Gauge32', e.port ?? 0);
    });
  });
  return out;
}

/** lvsSyncDaemon (check 6) and lvsTimeouts (check 7) scalars, as check_snmp.c serves them: details only with a sync daemon, timeouts only when set. */
function lvsScalars(lvs: LvsGlobals): Varbind[] {
  const out: Varbind[] = [];
  const put = (oid: readonly number[], type: SnmpType, value: Varbind['value']): void => void out.push({ oid: [...CHECK, ...oid, 0], type, value });
  const sd = lvs.syncDaemon;
  put([6, 1], 'Integer', truth(sd !== undefined));
  if (sd !== undefined) {
    put([6, 2], 'OctetString', sd.interface);
    if (sd.instance !== undefined) put([6, 3], 'OctetString', sd.instance);
    // Without `id`, keepalived's checker holds PARAMETER_UNSET (served as -1) when its VRRP side
    // runs the daemon (which defaults the id to the instance's VRID), and 0 when it runs it itself.
    put([6, 4], 'Integer', sd.syncId ?? (sd.instance !== undefined ? -1 : 0));
    put([6, 5], 'Integer', sd.maxlen ?? 0);
    put([6, 6], 'Integer', sd.port ?? 0);
    put([6, 7], 'Integer', sd.ttl ?? 0);
    if (sd.group !== undefined) {
      put([6, 8], 'Integer', sd.group.includes(':') ? 2 : 1);
      put([6, 9], 'OctetString', addressToBytes(sd.group));
    }
  }
  const t = lvs.timeouts;
  if ((t?.tcp ?? 0) > 0) put([7, 1], 'Integer', t!.tcp!);
  if ((t?.tcpFin ?? 0) > 0) put([7, 2], 'Integer', t!.tcpFin!);
  if ((t?.udp ?? 0) > 0) put([7, 3], 'Integer', t!.udp!);
  return out;
}
