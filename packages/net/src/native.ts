import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NetError } from './errors.js';

/** Metadata of one received datagram, read from the IP header and ancillary data. */
export interface PacketInfo {
  /** IPv4 TTL or IPv6 hop limit (IPV6_HOPLIMIT ancillary data); -1 if the kernel gave none. */
  readonly ttl: number;
  readonly ifindex: number;
  readonly src: string;
  readonly dst: string;
  readonly truncated: boolean;
}

export interface NativeRawSocket {
  bind(address: string): void;
  addMembership(group: string): void;
  dropMembership(group: string): void;
  send(payload: Buffer, destination: string): number;
  setTtl(ttl: number): void;
  start(): void;
  close(): void;
  ref(): void;
  unref(): void;
}

/** Metadata of one received UDP datagram: TTL / hop limit, interface, addresses and source port. */
export interface UdpPacketInfo extends PacketInfo {
  readonly srcPort: number;
}

export interface NativeUdpSocket {
  /** Returns the bound port (0 asks the kernel for one). */
  bind(address: string, port: number): number;
  send(payload: Buffer, destination: string, port: number): number;
  setTtl(ttl: number): void;
  setTos(tos: number): void;
  ifindex(): number;
  start(): void;
  close(): void;
  ref(): void;
  unref(): void;
}

export interface NativePacketSocket {
  send(frame: Buffer): number;
  close(): void;
}

interface Addon {
  RawSocket: new (
    family: number,
    protocol: number,
    ifname: string,
    onMessage: (payload: Buffer, info: PacketInfo) => void,
    onError: (err: Error) => void,
    headerIncluded?: boolean,
    mark?: number,
  ) => NativeRawSocket;
  PacketSocket: new (ifname: string) => NativePacketSocket;
  UdpSocket: new (family: number, ifname: string, onMessage: (payload: Buffer, info: UdpPacketInfo) => void, onError: (err: Error) => void) => NativeUdpSocket;
  NetlinkSocket: new (protocol: number) => NativeNetlinkSocket;
  /** `pairs` is reused by the next batch: read the first `count` numbers before returning. */
  TcpProber: new (onResults: (pairs: Float64Array, count: number) => void) => NativeTcpProber;
  enterNetworkNamespace(path: string): void;
  /** Calls `fn` with the main thread in the network namespace at `path`, then moves it back (ns_call.cc). */
  callInNetworkNamespace<T>(path: string, fn: () => T): T;
  /** A non-blocking TCP (or UDP) socket with SO_BINDTODEVICE and SO_MARK set; its descriptor (socket_options.cc). */
  openSocket(family: 4 | 6, datagram: boolean, device: string, mark: number, address?: string, port?: number): number;
  releaseMemory(): void;
  /** mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) with true, munlockall() with false (memory.cc). */
  lockMemory(lock: boolean): void;
  tryLockFile(fd: number): boolean;
  /** Makes an open /dev/net/tun descriptor a non-persistent TUN interface; returns its name. */
  attachTun(fd: number, name: string): string;
}

export interface NativeTcpProber {
  /** Parses where connects go (bindAddress '' and bindPort 0: no bind) once; returns its number for probe(). */
  addTarget(address: string, port: number, bindAddress: string, bindPort: number): number;
  /**
   * Starts `count / 3` non-blocking connects given as (slot, target, timeoutMs) triples, one
   * at a time per slot; outcomes come to onResults as (slot, errno) pairs, 0 = connected.
   */
  submit(triples: Float64Array, count: number): void;
  close(): void;
}

/** A netlink socket that exchanges datagrams of requests for their replies in native code (netlink_socket.h). */
export interface NativeNetlinkSocket {
  /** One exchange at a time; the callback comes from the loop, never from inside the call. */
  exchange(datagrams: readonly Buffer[], timeoutMs: number, callback: (err: Error | null, replies: Buffer | undefined) => void): void;
  close(): void;
}

let addon: Addon | undefined;

/**
 * This package's directory: two up from its tsc output (dist/src); from a program bundled with
 * it (the daemon's dist/bundle, scripts/bundle.js), its place beside the daemon's package (the
 * workspace, and the .deb, which keeps that layout), else where node resolves it: resolution
 * stats its way through node_modules, a tenth of a second on a slow machine's 9p root.
 */
function packageRoot(): string {
  if (basename(__dirname) !== 'bundle') return join(__dirname, '..', '..');
  const beside = join(__dirname, '..', '..', '..', 'net');
  return existsSync(join(beside, 'package.json')) ? beside : dirname(require.resolve('@tandem/net/package.json'));
}

/** Loads the addon built by `npm run build` (node-gyp) in packages/net/build. */
export function native(): Addon {
  if (addon !== undefined) return addon;
  const path = join(packageRoot(), 'build', 'Release', 'tandem_net.node');
  try {
    // A native addon is loaded by path; there is no import form for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(path) as Addon;
  } catch (err) {
    throw new NetError('NET_ERR_ADDON', 'load', `native addon missing at ${path}; run npm run build (${String(err)})`);
  }
  return addon;
}
