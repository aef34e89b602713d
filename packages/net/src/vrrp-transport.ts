import { AH_PROTOCOL, VRRP_GROUP_V4, VRRP_GROUP_V6, VRRP_PROTOCOL, type Transport } from '@tandem/vrrp';
import type { AcceptFilter } from './accept-filter.js';
import { NetError } from './errors.js';
import { gratuitousArpFrame, unsolicitedNaFrame } from './frames.js';
import type { FrameSink } from './frame-pacer.js';
import { createRawSocket, type PacketInfo, type RawSocket, type RawSocketOptions } from './raw-socket.js';
import type { AddressSpec, InterfaceAddress, LinkInfo, NetworkChanger, RouteSpec, RuleSpec, Rtnl } from './rtnl.js';

/**
 * The VRRP sockets of one interface and family: one receiving socket joined to
 * the VRRP group (every VRID arrives on it) and one sending socket per source
 * address. Instances on the interface share it. An `ah` channel carries
 * VRRPv2 inside IPsec AH (IPv4): its sockets are IP protocol 51 and pass whole
 * datagrams, IP header included, both ways.
 */
export class VrrpChannel {
  private readonly receiver: RawSocket;
  private readonly senders = new Map<string, RawSocket>();
  private readonly groups = new Set<string>();

  private constructor(
    readonly link: LinkInfo,
    readonly family: 4 | 6,
    readonly addresses: readonly InterfaceAddress[],
    onDatagram: (payload: Buffer, info: PacketInfo) => void,
    onError: (err: Error) => void,
    readonly ah: boolean,
  ) {
    this.receiver = createRawSocket(this.socketOptions());
    this.receiver.on('message', onDatagram);
    this.receiver.on('error', onError);
    this.join(family === 4 ? VRRP_GROUP_V4 : VRRP_GROUP_V6);
    this.receiver.listen();
  }

  /** Opens the channel on a named interface; fails with NET_ERR_NO_INTERFACE if it does not exist. */
  static async open(
    rtnl: Rtnl,
    name: string,
    family: 4 | 6,
    onDatagram: (payload: Buffer, info: PacketInfo) => void,
    onError: (err: Error) => void,
    ah = false,
    addressesOf: string = name,
  ): Promise<VrrpChannel> {
    if (ah && family !== 4) throw new NetError('NET_ERR_ARGUMENT', 'VRRP channel', 'IPsec AH authentication is IPv4 only');
    const link = await rtnl.link(name);
    // The default source comes from `addressesOf` (a virtual MAC interface has no address of its own).
    const owner = addressesOf === name ? link : await rtnl.link(addressesOf);
    const addresses = (await rtnl.addresses(owner.index)).filter((a) => a.family === family);
    return new VrrpChannel(link, family, addresses, onDatagram, onError, ah);
  }

  /** Receives adverts sent to `group` too (`vrrp_mcast_group4/6`, `mcast_dst_ip`). */
  join(group: string): void {
    if (this.groups.has(group)) return;
    this.receiver.addMembership(group);
    this.groups.add(group);
  }

  private socketOptions(): RawSocketOptions {
    return this.ah
      ? { family: this.family, protocol: AH_PROTOCOL, interface: this.link.name, headerIncluded: true }
      : { family: this.family, protocol: VRRP_PROTOCOL, interface: this.link.name };
  }

  /**
   * The address adverts go out from when none is configured: the first IPv4
   * address of the interface, or its link-local IPv6 address (RFC 5798 §5.1.2.1).
   */
  defaultSource(): string {
    const pick = this.family === 4 ? this.addresses.find((a) => a.scope === 0) ?? this.addresses[0] : this.addresses.find((a) => a.address.startsWith('fe80'));
    if (pick === undefined) {
      throw new NetError('NET_ERR_NO_ADDRESS', 'source address', `${this.link.name} has no ${this.family === 4 ? 'IPv4' : 'link-local IPv6'} address to send VRRP from`);
    }
    return pick.address;
  }

  /** The socket adverts from `source` leave on, with TTL / hop limit `ttl` (255 unless `unicast_ttl`). */
  sender(source: string, ttl = 255): RawSocket {
    const key = `${source}/${ttl}`;
    let s = this.senders.get(key);
    if (s === undefined) {
      s = createRawSocket(this.socketOptions());
      s.bind(source);
      if (ttl !== 255) s.setTtl(ttl);
      this.senders.set(key, s);
    }
    return s;
  }

  close(): void {
    this.receiver.close();
    for (const s of this.senders.values()) s.close();
    this.senders.clear();
  }
}

export interface VrrpTransportOptions {
  readonly source?: string;
  /** Unicast peers; empty means the multicast group. */
  readonly peers?: readonly string[];
  /** `unicast_ttl`: TTL / hop limit of adverts to unicast peers (255 unless routed). */
  readonly unicastTtl?: number;
  /** The multicast group adverts go to without peers (default: RFC 5798's for the family); the channel must have joined it. */
  readonly group?: string;
  /** The virtual addresses, each with its own interface. */
  readonly addresses: readonly AddressSpec[];
  /** Accept_Mode false: traffic to the addresses is dropped while they are held. */
  readonly noAccept?: AcceptFilter;
  /** keepalived's virtual_routes / virtual_rules: added after the addresses, removed before them. */
  readonly routes?: readonly RouteSpec[];
  readonly rules?: readonly RuleSpec[];
}

/** vrrp's Transport for one instance, over a VrrpChannel and rtnetlink. */
export class NetTransport implements Transport {
  readonly sourceAddress: string;
  readonly destinations: readonly string[];
  private readonly socket: RawSocket;
  private addresses: readonly AddressSpec[];

  constructor(
    channel: VrrpChannel,
    private readonly rtnl: NetworkChanger,
    private readonly options: VrrpTransportOptions,
    private readonly interfaces: InterfaceDirectory,
  ) {
    this.sourceAddress = options.source ?? channel.defaultSource();
    const peers = options.peers ?? [];
    this.destinations = peers.length > 0 ? [...peers] : [options.group ?? (channel.family === 4 ? VRRP_GROUP_V4 : VRRP_GROUP_V6)];
    this.socket = channel.sender(this.sourceAddress, peers.length > 0 ? (options.unicastTtl ?? 255) : 255);
    this.addresses = options.addresses;
  }

  /**
   * Replaces the virtual addresses (a reload). When the instance holds them
   * (`held`), the new ones are added and the dropped ones removed at once.
   */
  async replaceAddresses(next: readonly AddressSpec[], held: boolean): Promise<void> {
    const key = (a: AddressSpec): string => JSON.stringify([a.address, a.prefix, a.ifindex, a.label, a.scope, a.broadcast]);
    const before = new Set(this.addresses.map(key));
    const after = new Set(next.map(key));
    const added = next.filter((a) => !before.has(key(a)));
    const removed = this.addresses.filter((a) => !after.has(key(a)));
    this.addresses = next;
    if (!held) return;
    for (const a of removed) await this.rtnl.removeAddress(a);
    if (removed.length > 0) await this.options.noAccept?.unblock(removed.map((a) => a.address));
    if (added.length > 0) await this.options.noAccept?.block(added.map((a) => a.address));
    for (const a of added) await this.rtnl.addAddress(a);
  }

  send(payload: Buffer, destination: string): void {
    this.socket.send(payload, destination);
  }

  async addAddresses(): Promise<void> {
    // The filter goes in first, so not one packet to the new addresses is accepted.
    await this.options.noAccept?.block(this.addresses.map((a) => a.address));
    // As keepalived: each one that fails is reported, and the rest still go in.
    await eachAttempted([
      ...this.addresses.map((a) => () => this.rtnl.addAddress(a)),
      // Routes may use the addresses (src VIP); rules point at the routes' tables.
      ...(this.options.routes ?? []).map((r) => () => this.rtnl.addRoute(r)),
      ...(this.options.rules ?? []).map((r) => () => this.rtnl.addRule(r)),
    ]);
  }

  async removeAddresses(): Promise<void> {
    try {
      await eachAttempted([
        ...(this.options.rules ?? []).map((r) => () => this.rtnl.removeRule(r)),
        ...(this.options.routes ?? []).map((r) => () => this.rtnl.removeRoute(r)),
        ...this.addresses.map((a) => () => this.rtnl.removeAddress(a)),
      ]);
    } finally {
      await this.options.noAccept?.unblock(this.addresses.map((a) => a.address));
    }
  }

  announce(): void {
    for (const a of this.addresses) {
      const mac = this.interfaces.mac(a.ifindex);
      if (mac === undefined) continue;
      const frame = a.address.includes(':') ? unsolicitedNaFrame(mac, a.address) : gratuitousArpFrame(mac, a.address);
      this.interfaces.frames(a.ifindex).send(frame);
    }
  }
}

/** Runs every operation in order, whatever the others did; then throws the first failure, if any. */
async function eachAttempted(ops: ReadonlyArray<() => Promise<void>>): Promise<void> {
  let first: Error | undefined;
  for (const op of ops) {
    try {
      await op();
    } catch (err) {
      first ??= err as Error;
    }
  }
  if (first !== undefined) throw first;
}

/** MAC addresses and frame senders of the host's interfaces, for addresses with their own `dev`. */
export interface InterfaceDirectory {
  mac(ifindex: number): Buffer | undefined;
  frames(ifindex: number): FrameSink;
}
