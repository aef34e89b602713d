import { inetAddrAt, maskToPrefix } from './address.js';
import {
  AF_INET,
  AF_INET6,
  CmdAttr,
  CONN_F_FWD_MASK,
  CTRL_ATTR_FAMILY_ID,
  DaemonAttr,
  DestAttr,
  InfoAttr,
  STATE_MASTER,
  StatsAttr,
  SVC_F_HASHED,
  SvcAttr,
  TUN_FLAG_CSUM,
  TUN_FLAG_REMCSUM,
} from './constants.js';
import { forwardNumbers, protocolNumbers, tunnelTypes } from './messages.js';
import { AttrIndex } from './nlattr.js';
import type { AddressFamily, DestinationEntry, Info, ServiceEntry, ServiceKey, Stats, SyncDaemon, Timeouts, TunnelChecksum } from './types.js';

// Decoders of the kernel's IPVS replies (ip_vs_genl_fill_service, _fill_dest, _fill_daemon,
// and the GET_CONFIG / GET_INFO replies in ip_vs_ctl.c). Each reads one message payload (what
// follows the generic-netlink header) in one pass over its attributes and never throws: a
// malformed message is a result with the reason.

/** A decoded message, or why it could not be decoded. */
export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly detail: string };

const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
const fail = <T>(detail: string): Decoded<T> => ({ ok: false, detail });

// Least payload lengths by attribute type, from the kernel's policies (ip_vs_svc_policy,
// ip_vs_dest_policy, ip_vs_daemon_policy, ip_vs_cmd_policy) and fill functions.
const cmd = new AttrIndex('command', [0, 0, 0, 0, 4, 4, 4]);
const svc = new AttrIndex('service', [0, 2, 2, 4, 2, 4, 0, 4, 4, 4, 0, 0, 0]);
const dest = new AttrIndex('destination', [0, 4, 2, 4, 4, 4, 4, 4, 4, 4, 0, 2, 0, 1, 2, 2]);
// STATS carries the byte counters as u64 and the rest as u32; STATS64 everything as u64.
const stats32 = new AttrIndex('counters', [0, 4, 4, 4, 8, 8, 4, 4, 4, 4, 4]);
const stats64 = new AttrIndex('64-bit counters', [0, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8]);
const daemon = new AttrIndex('sync daemon', [0, 4, 0, 4, 2, 4, 16, 2, 1]);
const info = new AttrIndex('info', [0, 4, 4]);
const ctrl = new AttrIndex('family', [0, 2]);

function reverse<K extends string>(table: Record<K, number>): Map<number, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as number, k as K]));
}
const protocolNames = reverse(protocolNumbers);
const forwardNames = reverse(forwardNumbers);
const tunnelTypeNames = reverse(tunnelTypes);

function familyName(af: number): AddressFamily | undefined {
  return af === AF_INET ? 'inet' : af === AF_INET6 ? 'inet6' : undefined;
}

const addressLength = (family: AddressFamily): number => (family === 'inet' ? 4 : 16);

/** Finds the nested attribute `type` of a command payload; returns its [start, end) or why not. */
function nestedRange(buf: Uint8Array, start: number, end: number, type: number): [number, number] | string {
  const bad = cmd.scan(buf, start, end);
  if (bad !== undefined) return bad;
  const at = cmd.offset(type);
  if (at < 0) return `the reply has no attribute ${type}`;
  return [at, at + cmd.length(type)];
}

function decodeStats(buf: Uint8Array, parent: AttrIndex, attr64: number, attr32: number): Stats | string {
  const at64 = parent.offset(attr64);
  if (at64 >= 0) {
    const bad = stats64.scan(buf, at64, at64 + parent.length(attr64));
    return bad ?? wideCounters(stats64);
  }
  const at32 = parent.offset(attr32);
  const bad = at32 < 0 ? stats32.scan(buf, 0, 0) : stats32.scan(buf, at32, at32 + parent.length(attr32));
  return bad ?? narrowCounters(stats32);
}

function wideCounters(s: AttrIndex): Stats {
  return {
    conns: s.u64(StatsAttr.Conns),
    inPackets: s.u64(StatsAttr.InPkts),
    outPackets: s.u64(StatsAttr.OutPkts),
    inBytes: s.u64(StatsAttr.InBytes),
    outBytes: s.u64(StatsAttr.OutBytes),
    cps: s.u64(StatsAttr.Cps),
    inPps: s.u64(StatsAttr.InPps),
    outPps: s.u64(StatsAttr.OutPps),
    inBps: s.u64(StatsAttr.InBps),
    outBps: s.u64(StatsAttr.OutBps),
  };
}

const big = (n: number): bigint => (n === 0 ? 0n : BigInt(n));

function narrowCounters(s: AttrIndex): Stats {
  return {
    conns: big(s.u32(StatsAttr.Conns, 0)),
    inPackets: big(s.u32(StatsAttr.InPkts, 0)),
    outPackets: big(s.u32(StatsAttr.OutPkts, 0)),
    inBytes: s.u64(StatsAttr.InBytes),
    outBytes: s.u64(StatsAttr.OutBytes),
    cps: big(s.u32(StatsAttr.Cps, 0)),
    inPps: big(s.u32(StatsAttr.InPps, 0)),
    outPps: big(s.u32(StatsAttr.OutPps, 0)),
    inBps: big(s.u32(StatsAttr.InBps, 0)),
    outBps: big(s.u32(StatsAttr.OutBps, 0)),
  };
}

/** A NEW_SERVICE message of a GET_SERVICE dump or get: the payload in `buf[start, end)`. */
export function decodeService(buf: Uint8Array, start = 0, end = buf.length): Decoded<ServiceEntry> {
  const range = nestedRange(buf, start, end, CmdAttr.Service);
  if (typeof range === 'string') return fail(range);
  const bad = svc.scan(buf, range[0], range[1]);
  if (bad !== undefined) return fail(bad);
  const family = familyName(svc.u16(SvcAttr.Af, 0));
  if (family === undefined) return fail(`service: unknown address family ${svc.u16(SvcAttr.Af, 0)}`);
  const fwmark = svc.u32(SvcAttr.Fwmark, 0);
  let key: ServiceKey;
  if (fwmark !== 0) {
    // A non-zero mark replaces protocol, address and port (ip_vs_genl_parse_service).
    key = { family, fwmark };
  } else {
    const protocol = protocolNames.get(svc.u16(SvcAttr.Protocol, 0));
    if (protocol === undefined) return fail(`service: unknown protocol ${svc.u16(SvcAttr.Protocol, 0)}`);
    if (svc.has(SvcAttr.Addr) && svc.length(SvcAttr.Addr) < addressLength(family)) return fail(`service: ${svc.length(SvcAttr.Addr)}-byte address for ${family}`);
    const address = svc.has(SvcAttr.Addr) ? inetAddrAt(buf, svc.offset(SvcAttr.Addr), family) : family === 'inet' ? '0.0.0.0' : '::';
    key = { family, protocol, address, port: svc.be16(SvcAttr.Port, 0) };
  }
  const flags = svc.u32(SvcAttr.Flags, 0);
  const pe = svc.string(SvcAttr.PeName);
  // IPv4 carries the persistence netmask itself (network order), IPv6 the prefix length.
  const netmask = family === 'inet' ? maskToPrefix(svc.be32(SvcAttr.Netmask, 0xffffffff)) : svc.u32(SvcAttr.Netmask, 128);
  const scheduler = svc.string(SvcAttr.SchedName) ?? 'none';
  const timeout = svc.u32(SvcAttr.Timeout, 0);
  const stats = decodeStats(buf, svc, SvcAttr.Stats64, SvcAttr.Stats);
  if (typeof stats === 'string') return fail(stats);
  const entry: { -readonly [K in keyof ServiceEntry]: ServiceEntry[K] } = { key, scheduler, flags: (flags & ~SVC_F_HASHED) >>> 0, timeout, netmask, stats };
  if (pe !== undefined && pe !== '') entry.pe = pe;
  return ok(entry);
}

/**
 * A NEW_DEST message of a GET_DEST dump: the payload in `buf[start, end)`. `serviceFamily`
 * is the family when the kernel sends none (kernels before 3.18 lack ADDR_FAMILY).
 */
export function decodeDestination(buf: Uint8Array, serviceFamily: AddressFamily, start = 0, end = buf.length): Decoded<DestinationEntry> {
  const range = nestedRange(buf, start, end, CmdAttr.Dest);
  if (typeof range === 'string') return fail(range);
  const bad = dest.scan(buf, range[0], range[1]);
  if (bad !== undefined) return fail(bad);
  const af = dest.u16(DestAttr.AddrFamily, 0);
  const family = af === 0 ? serviceFamily : familyName(af);
  if (family === undefined) return fail(`destination: unknown address family ${af}`);
  if (!dest.has(DestAttr.Addr)) return fail('destination: no address');
  if (dest.length(DestAttr.Addr) < addressLength(family)) return fail(`destination: ${dest.length(DestAttr.Addr)}-byte address for ${family}`);
  const forward = forwardNames.get(dest.u32(DestAttr.FwdMethod, 0) & CONN_F_FWD_MASK);
  if (forward === undefined) return fail(`destination: unknown forwarding method ${dest.u32(DestAttr.FwdMethod, 0) & CONN_F_FWD_MASK}`);
  const stats = decodeStats(buf, dest, DestAttr.Stats64, DestAttr.Stats);
  if (typeof stats === 'string') return fail(stats);
  const entry: { -readonly [K in keyof DestinationEntry]: DestinationEntry[K] } = {
    address: inetAddrAt(buf, dest.offset(DestAttr.Addr), family),
    port: dest.be16(DestAttr.Port, 0),
    forward,
    weight: dest.u32(DestAttr.Weight, 0),
    upperThreshold: dest.u32(DestAttr.UThresh, 0),
    lowerThreshold: dest.u32(DestAttr.LThresh, 0),
    activeConns: dest.u32(DestAttr.ActiveConns, 0),
    inactiveConns: dest.u32(DestAttr.InactConns, 0),
    persistConns: dest.u32(DestAttr.PersistConns, 0),
    stats,
  };
  if (family !== serviceFamily) entry.family = family;
  if (forward === 'tunnel' && dest.has(DestAttr.TunType)) {
    const tunFlags = dest.u16(DestAttr.TunFlags, 0);
    const checksum: TunnelChecksum = tunFlags & TUN_FLAG_REMCSUM ? 'remcsum' : tunFlags & TUN_FLAG_CSUM ? 'csum' : 'nocsum';
    entry.tunnel = { type: tunnelTypeNames.get(dest.u8(DestAttr.TunType, 0)) ?? 'ipip', port: dest.be16(DestAttr.TunPort, 0), checksum };
  }
  return ok(entry);
}

/** A NEW_DAEMON message of a GET_DAEMON dump. */
export function decodeDaemon(buf: Uint8Array, start = 0, end = buf.length): Decoded<SyncDaemon> {
  const range = nestedRange(buf, start, end, CmdAttr.Daemon);
  if (typeof range === 'string') return fail(range);
  const bad = daemon.scan(buf, range[0], range[1]);
  if (bad !== undefined) return fail(bad);
  const entry: { -readonly [K in keyof SyncDaemon]: SyncDaemon[K] } = {
    state: daemon.u32(DaemonAttr.State, 0) === STATE_MASTER ? 'master' : 'backup',
    interface: daemon.string(DaemonAttr.McastIfn) ?? '',
    syncId: daemon.u32(DaemonAttr.SyncId, 0),
  };
  if (daemon.has(DaemonAttr.SyncMaxlen)) entry.maxlen = daemon.u16(DaemonAttr.SyncMaxlen, 0);
  // The kernel sends both groups; an all-zero IPv6 group means the IPv4 one is in use.
  const g6 = daemon.offset(DaemonAttr.McastGroup6);
  if (g6 >= 0 && buf.subarray(g6, g6 + 16).some((b) => b !== 0)) entry.group = inetAddrAt(buf, g6, 'inet6');
  else if (daemon.has(DaemonAttr.McastGroup)) entry.group = inetAddrAt(buf, daemon.offset(DaemonAttr.McastGroup), 'inet');
  if (daemon.has(DaemonAttr.McastPort)) entry.port = daemon.u16(DaemonAttr.McastPort, 0);
  if (daemon.has(DaemonAttr.McastTtl)) entry.ttl = daemon.u8(DaemonAttr.McastTtl, 0);
  return ok(entry);
}

/** The SET_CONFIG reply of GET_CONFIG: the connection timeouts. */
export function decodeTimeouts(buf: Uint8Array, start = 0, end = buf.length): Decoded<Timeouts> {
  const bad = cmd.scan(buf, start, end);
  if (bad !== undefined) return fail(bad);
  return ok({ tcp: cmd.u32(CmdAttr.TimeoutTcp, 0), tcpFin: cmd.u32(CmdAttr.TimeoutTcpFin, 0), udp: cmd.u32(CmdAttr.TimeoutUdp, 0) });
}

/** The SET_INFO reply of GET_INFO: IPVS's version and the connection table's size. */
export function decodeInfo(buf: Uint8Array, start = 0, end = buf.length): Decoded<Info> {
  const bad = info.scan(buf, start, end);
  if (bad !== undefined) return fail(bad);
  const v = info.u32(InfoAttr.Version, 0);
  return ok({ version: `${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}`, connTableSize: info.u32(InfoAttr.ConnTabSize, 0) });
}

/** The family id in nlctrl's reply to CTRL_CMD_GETFAMILY. */
export function decodeFamilyId(buf: Uint8Array, start = 0, end = buf.length): Decoded<number> {
  const bad = ctrl.scan(buf, start, end);
  if (bad !== undefined) return fail(bad);
  return ctrl.has(CTRL_ATTR_FAMILY_ID) ? ok(ctrl.u16(CTRL_ATTR_FAMILY_ID, 0)) : fail('no family id in the reply');
}
