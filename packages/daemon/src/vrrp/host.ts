import type { Vmac, VrrpFirewall } from '@tandem/config';
import type { AddressSpec, FrameSink, LinkInfo, PacketInfo, ProcConnectorHandlers, ProcessInfo, RouteSpec, RuleSpec } from '@tandem/net';
import type { Transport } from '@tandem/vrrp';

// The VRRP side's one door to the host: interfaces, the sockets adverts travel on, addresses,
// routes and rules, gratuitous ARP frames, virtual MAC interfaces and /proc/sys. Only
// net-host.ts implements it for real (with @tandem/net); tests give the service a fake host
// and a fake clock and run whole groups of instances in memory, without root.

/** Where an instance's adverts travel: one interface and family, inside IPsec AH or not. */
export interface ChannelSpec {
  /** The interface adverts are sent and received on (a virtual MAC interface, unless vmac_xmit_base). */
  readonly interface: string;
  readonly family: 4 | 6;
  /** auth_type AH: adverts are whole IPv4 datagrams with an AH header. */
  readonly ah: boolean;
  /** Whose addresses give the default source (a virtual MAC interface has none of its own). */
  readonly addressesOf: string;
}

/** What one instance's transport sends to and holds. */
export interface TransportSpec {
  readonly source?: string;
  /** Unicast peers; empty: the multicast group. */
  readonly peers: readonly string[];
  readonly unicastTtl?: number;
  /** The multicast group (the channel has joined it). */
  readonly group?: string;
  readonly addresses: readonly AddressSpec[];
  /** Accept_Mode false: traffic to the addresses is dropped while they are held (no_accept). */
  readonly noAccept: boolean;
  readonly routes: readonly RouteSpec[];
  readonly rules: readonly RuleSpec[];
}

/** vrrp's Transport, able to swap its addresses at a reload. */
export interface HostTransport extends Transport {
  /** Replaces the virtual addresses; when the instance holds them (`held`), at once. */
  replaceAddresses(next: readonly AddressSpec[], held: boolean): Promise<void>;
}

/** MAC addresses and announcement sinks by interface index, for addresses on other interfaces. */
export interface InterfaceLookup {
  mac(ifindex: number): Buffer | undefined;
  frames(ifindex: number): FrameSink;
}

/** The sockets of one channel. */
export interface HostChannel {
  /** Receives adverts sent to another multicast group too. */
  join(group: string): void;
  /** A transport for one instance on this channel. */
  transport(spec: TransportSpec, interfaces: InterfaceLookup): HostTransport;
  close(): void;
}

/** The processes of the host, for track_process: what runs now, and the kernel's events as they start and end. */
export interface ProcessSource {
  /** Every process running now (`withArgv`: with its command line). */
  processes(withArgv: boolean): ReadonlyMap<number, ProcessInfo>;
  /** One process now; undefined when it is gone (or a zombie). */
  process(pid: number, withArgv: boolean): ProcessInfo | undefined;
  /** Subscribes to the kernel's process events; rejects when it gives none here. */
  watchProcesses(h: ProcConnectorHandlers): Promise<{ close(): void }>;
}

export interface VrrpHost extends ProcessSource {
  /** The host's interfaces now. */
  links(): Promise<LinkInfo[]>;
  /** Calls `onChange` with an interface's new state whenever one changes. */
  watchLinks(onChange: (link: LinkInfo) => void): void;
  /** The addresses on the host's interfaces now (track_src_ip). */
  interfaceAddresses(): Promise<Array<{ readonly address: string; readonly ifindex: number }>>;
  /** Calls `onChange` whenever an address is added to or removed from an interface. */
  watchAddresses(onChange: (e: { readonly address: string; readonly ifindex: number; readonly added: boolean }) => void): void;
  openChannel(spec: ChannelSpec, onDatagram: (payload: Buffer, info: PacketInfo) => void, onError: (err: Error) => void): Promise<HostChannel>;
  /** Sends whole Ethernet frames (gratuitous ARP, unsolicited NA) on an interface. */
  frameSender(ifname: string): FrameSink & { close(): void };
  /** use_vmac: a macvlan with the virtual router MAC on `base`, set up as keepalived does. */
  createVmac(vmac: Vmac, base: LinkInfo, vrid: number, family: 4 | 6, source?: string): Promise<LinkInfo>;
  removeVmac(name: string): Promise<void>;
  /** Holds a per-interface kernel setting at `value` until the last holder releases it (then it is put back). */
  holdSysctl(family: 'ipv4' | 'ipv6', ifname: string, key: string, value: string): void;
  releaseSysctl(family: 'ipv4' | 'ipv6', ifname: string, key: string): void;
  /** The same for a setting of the whole host (`net.ipv4.igmp_link_local_mcast_reports`): a path under /proc/sys/net. */
  holdHostSysctl(path: string, value: string): void;
  releaseHostSysctl(path: string): void;
  /** How no_accept drops traffic to held addresses (nftables table, priority, counters), or not at all; set before the first channel opens. */
  setFirewall(fw: VrrpFirewall): void;
  /** Closes sockets, removes virtual MAC interfaces and no_accept filters, puts settings back. */
  close(): Promise<void>;
}
