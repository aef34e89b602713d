import {
  AF_INET,
  Cmd,
  AF_INET6,
  CmdAttr,
  CONN_F_BYPASS,
  CONN_F_DROUTE,
  CONN_F_LOCALNODE,
  CONN_F_MASQ,
  CONN_F_TUNNEL,
  DaemonAttr,
  DestAttr,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NLA_F_NESTED,
  STATE_BACKUP,
  STATE_MASTER,
  SVC_F_HASHED,
  SvcAttr,
  TUN_FLAG_CSUM,
  TUN_FLAG_REMCSUM,
  TUN_TYPE_GRE,
  TUN_TYPE_GUE,
  TUN_TYPE_IPIP,
} from './constants.js';
import { addressToInetAddr, inetAddrOf, ipv4Number, prefixToMask } from './address.js';
import { bytesWord, LITTLE_ENDIAN, type MessageWriter, pairWord, putBe16Attr, putBytesAttr, putNestHeader, putU16Attr, putU32Attr, putU8Attr } from './nlattr.js';
import type { Operation } from './operations.js';
import { type AddressFamily, type Destination, type ForwardMethod, isFwmarkKey, type Protocol, type Service, type ServiceKey, type SyncDaemon, type SyncState, type Timeouts, type TunnelChecksum, type TunnelType } from './types.js';

const afNumber = (f: AddressFamily): number => (f === 'inet' ? AF_INET : AF_INET6);
/** Wire numbers of the names this package uses (decode.ts reads them backwards). */
export const protocolNumbers: Record<Protocol, number> = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, sctp: IPPROTO_SCTP };
export const forwardNumbers: Record<ForwardMethod, number> = { masq: CONN_F_MASQ, local: CONN_F_LOCALNODE, tunnel: CONN_F_TUNNEL, droute: CONN_F_DROUTE, bypass: CONN_F_BYPASS };
export const tunnelTypes: Record<TunnelType, number> = { ipip: TUN_TYPE_IPIP, gue: TUN_TYPE_GUE, gre: TUN_TYPE_GRE };
const tunnelChecksums: Record<TunnelChecksum, number> = { nocsum: 0, csum: TUN_FLAG_CSUM, remcsum: TUN_FLAG_REMCSUM };

// Encoders of IPVS requests (ip_vs_genl_parse_service, _parse_dest, ip_vs_genl_new_daemon and
// ip_vs_genl_set_config in ip_vs_ctl.c read them). Each writes a request's attributes into a
// MessageWriter between its begin() and end().

/**
 * An address's 16-byte `union nf_inet_addr` as four host-order words from `u[i]`: an IPv4
 * address from its number (its bytes in network order, then zeros), any other from its bytes.
 */
function putAddressWords(u: Uint32Array, i: number, address: string): void {
  const v4 = ipv4Number(address);
  if (v4 >= 0) {
    u[i] = LITTLE_ENDIAN ? ((v4 >>> 24) | ((v4 >>> 8) & 0xff00) | ((v4 & 0xff00) << 8) | ((v4 & 0xff) << 24)) >>> 0 : v4;
    u[i + 1] = 0;
    u[i + 2] = 0;
    u[i + 3] = 0;
    return;
  }
  const a = inetAddrOf(address);
  for (let k = 0; k < 4; k++) u[i + k] = bytesWord(a[4 * k]!, a[4 * k + 1]!, a[4 * k + 2]!, a[4 * k + 3]!);
}

/** A port in network order (its high byte first) as the host-order word of a u16 attribute's payload. */
const portWord = (port: number): number => bytesWord(port >>> 8, port, 0, 0);

// A service key's CMD_ATTR_SERVICE (nested: the family, then the fwmark, or the protocol, address
// and port: enough for DEL_SERVICE and for destination commands) as host-order words. Every
// destination message of a service carries it (10,000 of them in a large table), one after
// another: the words of the key written last are kept, in one of two arrays reused for every
// key (an array and a map entry for each key cost more than laying its twelve words out again).
const addressKeyWords = new Uint32Array(12);
const fwmarkKeyWords = new Uint32Array(5);
let lastKey: ServiceKey | undefined;
let lastWords: Uint32Array = addressKeyWords;

/** The words of `key`'s CMD_ATTR_SERVICE, valid until the next key's are asked for. */
function keyWords(key: ServiceKey): Uint32Array {
  if (key === lastKey) return lastWords;
  let u: Uint32Array;
  if (isFwmarkKey(key)) {
    u = fwmarkKeyWords;
    u[0] = pairWord(20, CmdAttr.Service | NLA_F_NESTED);
    u[1] = pairWord(4 + 2, SvcAttr.Af);
    u[2] = pairWord(afNumber(key.family), 0);
    u[3] = pairWord(4 + 4, SvcAttr.Fwmark);
    u[4] = key.fwmark >>> 0;
  } else {
    u = addressKeyWords;
    u[0] = pairWord(48, CmdAttr.Service | NLA_F_NESTED);
    u[1] = pairWord(4 + 2, SvcAttr.Af);
    u[2] = pairWord(afNumber(key.family), 0);
    u[3] = pairWord(4 + 2, SvcAttr.Protocol);
    u[4] = pairWord(protocolNumbers[key.protocol], 0);
    u[5] = pairWord(4 + 16, SvcAttr.Addr);
    putAddressWords(u, 6, key.address);
    u[10] = pairWord(4 + 2, SvcAttr.Port);
    u[11] = portWord(key.port);
  }
  lastKey = key;
  lastWords = u;
  return u;
}

/** CMD_ATTR_SERVICE with the service's key: DEL_SERVICE, GET_SERVICE, GET_DEST, ZERO. */
export function writeServiceKey(w: MessageWriter, key: ServiceKey): void {
  const words = keyWords(key);
  const at = w.claim(words.length * 4);
  w.words.set(words, at >>> 2);
}

/** CMD_ATTR_SERVICE with the full service, as NEW_SERVICE and SET_SERVICE require. */
export function writeService(w: MessageWriter, s: Service): void {
  w.nest(CmdAttr.Service);
  // The key's attributes, without the key's own nest header.
  const words = keyWords(s.key);
  const at = w.claim(words.length * 4 - 4) >>> 2;
  const u = w.words;
  for (let i = 1; i < words.length; i++) u[at + i - 1] = words[i]!;
  w.str(SvcAttr.SchedName, s.scheduler);
  // struct ip_vs_flags { flags, mask }: every bit is set as given (the kernel keeps HASHED itself).
  w.u32Pair(SvcAttr.Flags, (s.flags & ~SVC_F_HASHED) >>> 0, 0xffffffff);
  w.u32(SvcAttr.Timeout, s.timeout);
  // IPv4 wants the mask itself (network order); IPv6 the prefix length.
  if (s.key.family === 'inet') w.be32(SvcAttr.Netmask, prefixToMask(s.netmask));
  else w.u32(SvcAttr.Netmask, s.netmask);
  if (s.pe !== undefined) w.str(SvcAttr.PeName, s.pe);
  w.endNest();
}

/** The attributes that name a destination within its service (DEL_DEST). */
// A destination's CMD_ATTR_DEST is laid out in one claimed span (nlattr.ts's put*Attr): a table
// sends 10,000 of them, and attribute by attribute each took some thirty calls, most of what
// programming a table cost before the kernel in code that has barely run.

/** The bytes of a destination's address, port and (when given) family attributes. */
const destinationKeySize = (d: Pick<Destination, 'family'>): number => 20 + 8 + (d.family !== undefined ? 8 : 0);

function putDestinationKey(b: Uint8Array, at: number, d: Pick<Destination, 'address' | 'port' | 'family'>): number {
  let p = putBytesAttr(b, at, DestAttr.Addr, inetAddrOf(d.address));
  p = putBe16Attr(b, p, DestAttr.Port, d.port);
  if (d.family !== undefined) p = putU16Attr(b, p, DestAttr.AddrFamily, afNumber(d.family));
  return p;
}

// The headers of a destination's attributes (NEW_DEST, SET_DEST) as words, made once.
const DEST_NEST = pairWord(4 + 20 + 8 + 4 * 8, CmdAttr.Dest | NLA_F_NESTED);
const DEST_NEST_WITH_FAMILY = pairWord(4 + 20 + 8 + 8 + 4 * 8, CmdAttr.Dest | NLA_F_NESTED);
const DEST_ADDR = pairWord(4 + 16, DestAttr.Addr);
const DEST_PORT = pairWord(4 + 2, DestAttr.Port);
const DEST_FAMILY = pairWord(4 + 2, DestAttr.AddrFamily);
const DEST_FORWARD = pairWord(4 + 4, DestAttr.FwdMethod);
const DEST_WEIGHT = pairWord(4 + 4, DestAttr.Weight);
const DEST_UPPER = pairWord(4 + 4, DestAttr.UThresh);
const DEST_LOWER = pairWord(4 + 4, DestAttr.LThresh);

/** The bytes of a destination's CMD_ATTR_DEST without and with its family attribute (not a tunnel's). */
const DEST_SIZE = 4 + 20 + 8 + 4 * 8;
const DEST_SIZE_WITH_FAMILY = DEST_SIZE + 8;

/**
 * The service's key and the full destination, as NEW_DEST and SET_DEST require. All but a
 * tunnel's are laid out a word at a time in one claimed span (the same bytes): a table's 10,000
 * destinations go through here in code that has barely run, where each store and call counts.
 */
export function writeDestination(w: MessageWriter, key: ServiceKey, d: Destination): void {
  if (d.forward === 'tunnel') {
    writeServiceKey(w, key);
    writeTunnelDestination(w, d);
    return;
  }
  const k = key === lastKey ? lastWords : keyWords(key);
  const withFamily = d.family !== undefined;
  const at = w.claim(k.length * 4 + (withFamily ? DEST_SIZE_WITH_FAMILY : DEST_SIZE));
  const u = w.words;
  let i = at >>> 2;
  u.set(k, i);
  i += k.length;
  u[i] = withFamily ? DEST_NEST_WITH_FAMILY : DEST_NEST;
  u[i + 1] = DEST_ADDR;
  putAddressWords(u, i + 2, d.address);
  u[i + 6] = DEST_PORT;
  u[i + 7] = portWord(d.port);
  i += 8;
  if (withFamily) {
    u[i] = DEST_FAMILY;
    u[i + 1] = pairWord(afNumber(d.family), 0);
    i += 2;
  }
  u[i] = DEST_FORWARD;
  u[i + 1] = forwardNumbers[d.forward];
  u[i + 2] = DEST_WEIGHT;
  u[i + 3] = d.weight >>> 0;
  u[i + 4] = DEST_UPPER;
  u[i + 5] = d.upperThreshold >>> 0;
  u[i + 6] = DEST_LOWER;
  u[i + 7] = d.lowerThreshold >>> 0;
}

/** CMD_ATTR_DEST of a tunnelling destination: the one above with the tunnel's type, port and checksum. */
function writeTunnelDestination(w: MessageWriter, d: Destination): void {
  const tunnel = d.forward === 'tunnel' ? d.tunnel : undefined;
  const size = 4 + destinationKeySize(d) + 4 * 8 + (tunnel !== undefined ? 3 * 8 : 0);
  const at = w.claim(size);
  const b = w.buffer;
  let p = putDestinationKey(b, putNestHeader(b, at, size, CmdAttr.Dest), d);
  p = putU32Attr(b, p, DestAttr.FwdMethod, forwardNumbers[d.forward]);
  p = putU32Attr(b, p, DestAttr.Weight, d.weight);
  p = putU32Attr(b, p, DestAttr.UThresh, d.upperThreshold);
  p = putU32Attr(b, p, DestAttr.LThresh, d.lowerThreshold);
  if (tunnel !== undefined) {
    p = putU8Attr(b, p, DestAttr.TunType, tunnelTypes[tunnel.type]);
    p = putBe16Attr(b, p, DestAttr.TunPort, tunnel.port);
    putU16Attr(b, p, DestAttr.TunFlags, tunnelChecksums[tunnel.checksum]);
  }
}

/** The service's key and the destination's (DEL_DEST). */
export function writeDestinationKey(w: MessageWriter, key: ServiceKey, d: Pick<Destination, 'address' | 'port' | 'family'>): void {
  writeServiceKey(w, key);
  const size = 4 + destinationKeySize(d);
  const at = w.claim(size);
  const b = w.buffer;
  putDestinationKey(b, putNestHeader(b, at, size, CmdAttr.Dest), d);
}

/** The command that carries an operation. */
export function operationCmd(op: Operation): Cmd {
  switch (op.op) {
    case 'add-service':
      return Cmd.NewService;
    case 'update-service':
      return Cmd.SetService;
    case 'delete-service':
      return Cmd.DelService;
    case 'add-destination':
      return Cmd.NewDest;
    case 'update-destination':
      return Cmd.SetDest;
    case 'delete-destination':
      return Cmd.DelDest;
  }
}

/** The attributes of an operation's request. */
export function writeOperation(w: MessageWriter, op: Operation): void {
  switch (op.op) {
    case 'add-service':
    case 'update-service':
      return writeService(w, op.service);
    case 'delete-service':
      return writeServiceKey(w, op.key);
    case 'add-destination':
    case 'update-destination':
      return writeDestination(w, op.key, op.destination);
    case 'delete-destination':
      return writeDestinationKey(w, op.key, op.destination);
  }
}

const stateNumbers: Record<SyncState, number> = { master: STATE_MASTER, backup: STATE_BACKUP };

/** CMD_ATTR_DAEMON for NEW_DAEMON: state, interface and sync id, and the options given. */
export function writeDaemon(w: MessageWriter, d: SyncDaemon): void {
  w.nest(CmdAttr.Daemon);
  w.u32(DaemonAttr.State, stateNumbers[d.state]);
  w.str(DaemonAttr.McastIfn, d.interface);
  w.u32(DaemonAttr.SyncId, d.syncId);
  if (d.maxlen !== undefined) w.u16(DaemonAttr.SyncMaxlen, d.maxlen);
  if (d.group !== undefined) {
    const bytes = addressToInetAddr(d.group);
    if (d.group.includes(':')) w.bytes(DaemonAttr.McastGroup6, bytes);
    else w.bytes(DaemonAttr.McastGroup, bytes.subarray(0, 4));
  }
  if (d.port !== undefined) w.u16(DaemonAttr.McastPort, d.port);
  if (d.ttl !== undefined) w.u8(DaemonAttr.McastTtl, d.ttl);
  w.endNest();
}

/** CMD_ATTR_DAEMON with the state alone (DEL_DAEMON). */
export function writeDaemonState(w: MessageWriter, state: SyncState): void {
  w.nest(CmdAttr.Daemon);
  w.u32(DaemonAttr.State, stateNumbers[state]);
  w.endNest();
}

/** The timeouts given (SET_CONFIG); the kernel keeps the others. */
export function writeTimeouts(w: MessageWriter, t: Partial<Timeouts>): void {
  if (t.tcp !== undefined) w.u32(CmdAttr.TimeoutTcp, t.tcp);
  if (t.tcpFin !== undefined) w.u32(CmdAttr.TimeoutTcpFin, t.tcpFin);
  if (t.udp !== undefined) w.u32(CmdAttr.TimeoutUdp, t.udp);
}
