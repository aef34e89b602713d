import {
  AF_INET,
  AF_INET6,
  CmdAttr,
  CONN_F_BYPASS,
  CONN_F_DROUTE,
  CONN_F_FWD_MASK,
  CONN_F_LOCALNODE,
  CONN_F_MASQ,
  CONN_F_TUNNEL,
  DaemonAttr,
  DestAttr,
  InfoAttr,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  STATE_BACKUP,
  STATE_MASTER,
  StatsAttr,
  SVC_F_HASHED,
  SvcAttr,
  TUN_FLAG_CSUM,
  TUN_FLAG_REMCSUM,
  TUN_TYPE_GRE,
  TUN_TYPE_GUE,
  TUN_TYPE_IPIP,
} from './constants.js';
import { addressToInetAddr, inetAddrToAddress, maskToPrefix, prefixToMask } from './address.js';
import { type Attr, type AttrMap, be16, be32, bin, nest, parseAttrs, readBe16, readBe32, readString, readU16, readU32, readU64, readU8, str, u16, u32, u8 } from './nlattr.js';
import {
  type AddressFamily,
  type Destination,
  type DestinationEntry,
  type ForwardMethod,
  type Info,
  isFwmarkKey,
  type Protocol,
  type Service,
  type ServiceEntry,
  type ServiceKey,
  type Stats,
  type SyncDaemon,
  type SyncState,
  type Timeouts,
  type TunnelChecksum,
  type TunnelType,
} from './types.js';

const afNumber = (f: AddressFamily): number => (f === 'inet' ? AF_INET : AF_INET6);
const protocolNumbers: Record<Protocol, number> = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, sctp: IPPROTO_SCTP };
const forwardNumbers: Record<ForwardMethod, number> = { masq: CONN_F_MASQ, local: CONN_F_LOCALNODE, tunnel: CONN_F_TUNNEL, droute: CONN_F_DROUTE, bypass: CONN_F_BYPASS };
const tunnelTypes: Record<TunnelType, number> = { ipip: TUN_TYPE_IPIP, gue: TUN_TYPE_GUE, gre: TUN_TYPE_GRE };
const tunnelChecksums: Record<TunnelChecksum, number> = { nocsum: 0, csum: TUN_FLAG_CSUM, remcsum: TUN_FLAG_REMCSUM };

function reverse<K extends string>(table: Record<K, number>): Map<number, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as number, k as K]));
}
const protocolNames = reverse(protocolNumbers);
const forwardNames = reverse(forwardNumbers);
const tunnelTypeNames = reverse(tunnelTypes);

function familyName(af: number | undefined): AddressFamily {
  if (af === AF_INET) return 'inet';
  if (af === AF_INET6) return 'inet6';
  throw new Error(`unknown address family ${String(af)}`);
}

/** The attributes that name a service: enough for DEL_SERVICE and for destination commands. */
export function serviceKeyAttrs(key: ServiceKey): Attr[] {
  const attrs = [u16(SvcAttr.Af, afNumber(key.family))];
  if (isFwmarkKey(key)) {
    attrs.push(u32(SvcAttr.Fwmark, key.fwmark));
  } else {
    attrs.push(u16(SvcAttr.Protocol, protocolNumbers[key.protocol]), bin(SvcAttr.Addr, addressToInetAddr(key.address)), be16(SvcAttr.Port, key.port));
  }
  return attrs;
}

/** The full service, as NEW_SERVICE and SET_SERVICE require. */
export function serviceAttrs(s: Service): Attr[] {
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE((s.flags & ~SVC_F_HASHED) >>> 0, 0);
  flags.writeUInt32LE(0xffffffff, 4);
  const attrs = [
    ...serviceKeyAttrs(s.key),
    str(SvcAttr.SchedName, s.scheduler),
    bin(SvcAttr.Flags, flags),
    u32(SvcAttr.Timeout, s.timeout),
    // IPv4 wants the mask itself (network order); IPv6 the prefix length.
    s.key.family === 'inet' ? be32(SvcAttr.Netmask, prefixToMask(s.netmask)) : u32(SvcAttr.Netmask, s.netmask),
  ];
  if (s.pe !== undefined) attrs.push(str(SvcAttr.PeName, s.pe));
  return attrs;
}

export const serviceKeyMessage = (key: ServiceKey): Attr[] => [nest(CmdAttr.Service, serviceKeyAttrs(key))];
export const serviceMessage = (s: Service): Attr[] => [nest(CmdAttr.Service, serviceAttrs(s))];

/** The attributes that name a destination within its service (DEL_DEST). */
export function destinationKeyAttrs(d: Pick<Destination, 'address' | 'port' | 'family'>): Attr[] {
  const attrs = [bin(DestAttr.Addr, addressToInetAddr(d.address)), be16(DestAttr.Port, d.port)];
  if (d.family !== undefined) attrs.push(u16(DestAttr.AddrFamily, afNumber(d.family)));
  return attrs;
}

export function destinationAttrs(d: Destination): Attr[] {
  const attrs = [
    ...destinationKeyAttrs(d),
    u32(DestAttr.FwdMethod, forwardNumbers[d.forward]),
    u32(DestAttr.Weight, d.weight),
    u32(DestAttr.UThresh, d.upperThreshold),
    u32(DestAttr.LThresh, d.lowerThreshold),
  ];
  if (d.forward === 'tunnel' && d.tunnel !== undefined) {
    attrs.push(u8(DestAttr.TunType, tunnelTypes[d.tunnel.type]), be16(DestAttr.TunPort, d.tunnel.port), u16(DestAttr.TunFlags, tunnelChecksums[d.tunnel.checksum]));
  }
  return attrs;
}

export const destinationMessage = (key: ServiceKey, d: Destination): Attr[] => [nest(CmdAttr.Service, serviceKeyAttrs(key)), nest(CmdAttr.Dest, destinationAttrs(d))];
export const destinationKeyMessage = (key: ServiceKey, d: Pick<Destination, 'address' | 'port' | 'family'>): Attr[] => [
  nest(CmdAttr.Service, serviceKeyAttrs(key)),
  nest(CmdAttr.Dest, destinationKeyAttrs(d)),
];

const stateNumbers: Record<SyncState, number> = { master: STATE_MASTER, backup: STATE_BACKUP };

export function daemonMessage(d: SyncDaemon): Attr[] {
  const attrs = [u32(DaemonAttr.State, stateNumbers[d.state]), str(DaemonAttr.McastIfn, d.interface), u32(DaemonAttr.SyncId, d.syncId)];
  if (d.maxlen !== undefined) attrs.push(u16(DaemonAttr.SyncMaxlen, d.maxlen));
  if (d.group !== undefined) {
    const bytes = addressToInetAddr(d.group);
    attrs.push(d.group.includes(':') ? bin(DaemonAttr.McastGroup6, bytes) : bin(DaemonAttr.McastGroup, bytes.subarray(0, 4)));
  }
  if (d.port !== undefined) attrs.push(u16(DaemonAttr.McastPort, d.port));
  if (d.ttl !== undefined) attrs.push(u8(DaemonAttr.McastTtl, d.ttl));
  return [nest(CmdAttr.Daemon, attrs)];
}

export const daemonStateMessage = (state: SyncState): Attr[] => [nest(CmdAttr.Daemon, [u32(DaemonAttr.State, stateNumbers[state])])];

export const timeoutsMessage = (t: Partial<Timeouts>): Attr[] => {
  const attrs: Attr[] = [];
  if (t.tcp !== undefined) attrs.push(u32(CmdAttr.TimeoutTcp, t.tcp));
  if (t.tcpFin !== undefined) attrs.push(u32(CmdAttr.TimeoutTcpFin, t.tcpFin));
  if (t.udp !== undefined) attrs.push(u32(CmdAttr.TimeoutUdp, t.udp));
  return attrs;
};

// ---- decoding ----

function decodeStats(m: AttrMap, attr64: number, attr32: number): Stats {
  const s64 = m.get(attr64);
  if (s64 !== undefined) {
    const a = parseAttrs(s64);
    const v = (t: number): bigint => readU64(a, t) ?? 0n;
    return { conns: v(StatsAttr.Conns), inPackets: v(StatsAttr.InPkts), outPackets: v(StatsAttr.OutPkts), inBytes: v(StatsAttr.InBytes), outBytes: v(StatsAttr.OutBytes), cps: v(StatsAttr.Cps), inPps: v(StatsAttr.InPps), outPps: v(StatsAttr.OutPps), inBps: v(StatsAttr.InBps), outBps: v(StatsAttr.OutBps) };
  }
  const a = parseAttrs(m.get(attr32) ?? Buffer.alloc(0));
  const v32 = (t: number): bigint => BigInt(readU32(a, t) ?? 0);
  const v64 = (t: number): bigint => readU64(a, t) ?? 0n;
  return { conns: v32(StatsAttr.Conns), inPackets: v32(StatsAttr.InPkts), outPackets: v32(StatsAttr.OutPkts), inBytes: v64(StatsAttr.InBytes), outBytes: v64(StatsAttr.OutBytes), cps: v32(StatsAttr.Cps), inPps: v32(StatsAttr.InPps), outPps: v32(StatsAttr.OutPps), inBps: v32(StatsAttr.InBps), outBps: v32(StatsAttr.OutBps) };
}

function nested(payload: Buffer, type: number): AttrMap {
  const inner = parseAttrs(payload).get(type);
  if (inner === undefined) throw new Error(`reply has no attribute ${type}`);
  return parseAttrs(inner);
}

/** A NEW_SERVICE message of a GET_SERVICE dump (the payload after the genetlink header). */
export function decodeService(payload: Buffer): ServiceEntry {
  const m = nested(payload, CmdAttr.Service);
  const family = familyName(readU16(m, SvcAttr.Af));
  const fwmark = readU32(m, SvcAttr.Fwmark) ?? 0;
  let key: ServiceKey;
  if (fwmark !== 0) {
    key = { family, fwmark };
  } else {
    const proto = protocolNames.get(readU16(m, SvcAttr.Protocol) ?? 0);
    if (proto === undefined) throw new Error(`unknown protocol ${String(readU16(m, SvcAttr.Protocol))}`);
    key = { family, protocol: proto, address: inetAddrToAddress(m.get(SvcAttr.Addr) ?? Buffer.alloc(16), family), port: readBe16(m, SvcAttr.Port) ?? 0 };
  }
  const flags = m.get(SvcAttr.Flags)?.readUInt32LE(0) ?? 0;
  const pe = readString(m, SvcAttr.PeName);
  const netmaskRaw = family === 'inet' ? readBe32(m, SvcAttr.Netmask) ?? 0xffffffff : readU32(m, SvcAttr.Netmask) ?? 128;
  return {
    key,
    scheduler: readString(m, SvcAttr.SchedName) ?? 'none',
    flags: (flags & ~SVC_F_HASHED) >>> 0,
    timeout: readU32(m, SvcAttr.Timeout) ?? 0,
    netmask: family === 'inet' ? maskToPrefix(netmaskRaw) : netmaskRaw,
    ...(pe !== undefined && pe !== '' ? { pe } : {}),
    stats: decodeStats(m, SvcAttr.Stats64, SvcAttr.Stats),
  };
}

/** A NEW_DEST message of a GET_DEST dump; `serviceFamily` supplies the family when the kernel omits it. */
export function decodeDestination(payload: Buffer, serviceFamily: AddressFamily): DestinationEntry {
  const m = nested(payload, CmdAttr.Dest);
  const af = readU16(m, DestAttr.AddrFamily);
  const family = af === undefined || af === 0 ? serviceFamily : familyName(af);
  const forward = forwardNames.get((readU32(m, DestAttr.FwdMethod) ?? 0) & CONN_F_FWD_MASK) ?? 'masq';
  const tunType = readU8(m, DestAttr.TunType);
  const tunFlags = readU16(m, DestAttr.TunFlags) ?? 0;
  const tunnel =
    forward === 'tunnel' && tunType !== undefined
      ? {
          type: tunnelTypeNames.get(tunType) ?? 'ipip',
          port: readBe16(m, DestAttr.TunPort) ?? 0,
          checksum: (tunFlags & TUN_FLAG_REMCSUM ? 'remcsum' : tunFlags & TUN_FLAG_CSUM ? 'csum' : 'nocsum') as TunnelChecksum,
        }
      : undefined;
  return {
    address: inetAddrToAddress(m.get(DestAttr.Addr) ?? Buffer.alloc(16), family),
    port: readBe16(m, DestAttr.Port) ?? 0,
    ...(family !== serviceFamily ? { family } : {}),
    forward,
    weight: readU32(m, DestAttr.Weight) ?? 0,
    upperThreshold: readU32(m, DestAttr.UThresh) ?? 0,
    lowerThreshold: readU32(m, DestAttr.LThresh) ?? 0,
    ...(tunnel !== undefined ? { tunnel } : {}),
    activeConns: readU32(m, DestAttr.ActiveConns) ?? 0,
    inactiveConns: readU32(m, DestAttr.InactConns) ?? 0,
    persistConns: readU32(m, DestAttr.PersistConns) ?? 0,
    stats: decodeStats(m, DestAttr.Stats64, DestAttr.Stats),
  };
}

export function decodeDaemon(payload: Buffer): SyncDaemon {
  const m = nested(payload, CmdAttr.Daemon);
  const g4 = m.get(DaemonAttr.McastGroup);
  const g6 = m.get(DaemonAttr.McastGroup6);
  const group = g6 !== undefined && g6.some((b) => b !== 0) ? inetAddrToAddress(g6, 'inet6') : g4 !== undefined ? inetAddrToAddress(g4, 'inet') : undefined;
  const maxlen = readU16(m, DaemonAttr.SyncMaxlen);
  const port = readU16(m, DaemonAttr.McastPort);
  const ttl = readU8(m, DaemonAttr.McastTtl);
  return {
    state: readU32(m, DaemonAttr.State) === STATE_MASTER ? 'master' : 'backup',
    interface: readString(m, DaemonAttr.McastIfn) ?? '',
    syncId: readU32(m, DaemonAttr.SyncId) ?? 0,
    ...(maxlen !== undefined ? { maxlen } : {}),
    ...(group !== undefined ? { group } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(ttl !== undefined ? { ttl } : {}),
  };
}

export function decodeTimeouts(payload: Buffer): Timeouts {
  const m = parseAttrs(payload);
  return { tcp: readU32(m, CmdAttr.TimeoutTcp) ?? 0, tcpFin: readU32(m, CmdAttr.TimeoutTcpFin) ?? 0, udp: readU32(m, CmdAttr.TimeoutUdp) ?? 0 };
}

export function decodeInfo(payload: Buffer): Info {
  const m = parseAttrs(payload);
  const v = readU32(m, InfoAttr.Version) ?? 0;
  return { version: `${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}`, connTableSize: readU32(m, InfoAttr.ConnTabSize) ?? 0 };
}
