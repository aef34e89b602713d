// An in-memory host for the VRRP service: interfaces, a shared segment adverts cross (after
// a millisecond of the fake clock), the addresses each host holds, and the frames it sends.
// Several FakeHosts on one FakeSegment are several directors on one LAN, without root.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, type Config, type Vmac } from '@tandem/config';
import type { AddressSpec, FrameSink, LinkInfo, PacketInfo, ProcConnectorHandlers, ProcEvent, ProcessInfo } from '@tandem/net';
import type { Clock, FakeClock } from '@tandem/vrrp';
import type { ChannelSpec, HostChannel, HostTransport, InterfaceLookup, TransportSpec, VrrpHost } from '../src/index.js';
import type { Logger } from '../src/logger.js';

interface Listener {
  readonly host: FakeHost;
  readonly groups: Set<string>;
  readonly address: string;
  readonly deliver: (payload: Buffer, info: PacketInfo) => void;
}

/** One broadcast domain. `drop` decides which adverts never arrive (a filter on the switch). */
export class FakeSegment {
  private readonly listeners = new Set<Listener>();
  drop: (payload: Buffer, src: string, dst: string) => boolean = () => false;

  constructor(private readonly clock: Clock) {}

  now(): number {
    return this.clock.now();
  }

  attach(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  send(from: FakeHost, payload: Buffer, src: string, dst: string): void {
    if (!from.up || this.drop(payload, src, dst)) return;
    const copy = Buffer.from(payload);
    this.clock.setTimer(1, () => {
      for (const l of this.listeners) {
        if (l.host === from || !l.host.up) continue;
        if (l.groups.has(dst) || l.address === dst) l.deliver(copy, { src, dst, ttl: 255, ifindex: 2, truncated: false });
      }
    });
  }
}

const key = (a: AddressSpec): string => `${a.address}/${a.prefix}`;

/** One director's host: eth0 (index 2) with `address`, on `segment`. */
export class FakeHost implements VrrpHost {
  /** Addresses held now, as ADDR/PREFIX. */
  readonly addresses = new Set<string>();
  /** Gratuitous ARP / NA frames sent. */
  frames = 0;
  /** Adverts sent, by destination. */
  readonly sent: Array<{ dst: string; payload: Buffer }> = [];
  readonly sysctls = new Map<string, string>();
  private readonly watchers: Array<(l: LinkInfo) => void> = [];
  private link: LinkInfo = { name: 'eth0', index: 2, mac: Buffer.from([2, 0, 0, 0, 0, 1]), up: true };
  private readonly detach: Array<() => void> = [];

  constructor(
    private readonly segment: FakeSegment,
    readonly address: string,
  ) {}

  get up(): boolean {
    return this.link.up;
  }

  /** Cuts or restores eth0's carrier (the service hears it as a link change). */
  setLink(up: boolean): void {
    this.link = { ...this.link, up };
    for (const w of this.watchers) w(this.link);
  }

  /** Interfaces besides lo and eth0 (dynamic_interfaces tests add and delete them). */
  private readonly extra = new Map<string, LinkInfo>();
  private nextIndex = 10;

  /** A new interface appears (with a new index each time, as the kernel gives one). */
  addLink(name: string): void {
    const link: LinkInfo = { name, index: this.nextIndex++, mac: Buffer.from([2, 0, 0, 0, 1, this.nextIndex]), up: true };
    this.extra.set(name, link);
    for (const w of this.watchers) w(link);
  }

  /** Enslaves eth0 to an interface added with addLink (a VRF device), as `ip link set eth0 master NAME`. */
  enslave(name: string): void {
    const master = this.extra.get(name)?.index;
    if (master === undefined) return;
    this.link = { ...this.link, master };
    for (const w of this.watchers) w(this.link);
  }

  /** Cuts or restores the carrier of an interface added with addLink. */
  setExtraLink(name: string, up: boolean): void {
    const link = this.extra.get(name);
    if (link === undefined) return;
    this.extra.set(name, { ...link, up });
    for (const w of this.watchers) w({ ...link, up });
  }

  /** Addresses on the interfaces (track_src_ip): eth0 has the host's own. */
  private ownRemoved = false;
  private readonly addressWatchers: Array<(e: { address: string; ifindex: number; added: boolean }) => void> = [];

  async interfaceAddresses(): Promise<Array<{ address: string; ifindex: number }>> {
    return this.ownRemoved ? [] : [{ address: this.address, ifindex: this.link.index }];
  }

  watchAddresses(onChange: (e: { address: string; ifindex: number; added: boolean }) => void): void {
    this.addressWatchers.push(onChange);
  }

  /** Removes or puts back the host's own address on eth0, as `ip addr del/add` would. */
  setOwnAddress(present: boolean): void {
    this.ownRemoved = !present;
    for (const w of this.addressWatchers) w({ address: this.address, ifindex: this.link.index, added: present });
  }

  deleteLink(name: string): void {
    const link = this.extra.get(name);
    if (link === undefined) return;
    this.extra.delete(name);
    for (const w of this.watchers) w({ ...link, up: false, deleted: true });
  }

  async links(): Promise<LinkInfo[]> {
    return [{ name: 'lo', index: 1, mac: undefined, up: true }, this.link, ...this.extra.values()];
  }

  watchLinks(onChange: (link: LinkInfo) => void): void {
    this.watchers.push(onChange);
  }

  async openChannel(spec: ChannelSpec, onDatagram: (payload: Buffer, info: PacketInfo) => void): Promise<HostChannel> {
    if (spec.interface !== 'eth0' && !this.extra.has(spec.interface)) throw new Error(`interface ${spec.interface} does not exist`);
    const groups = new Set([spec.family === 4 ? '224.0.0.18' : 'ff02::12']);
    this.detach.push(this.segment.attach({ host: this, groups, address: this.address, deliver: onDatagram }));
    return {
      join: (g) => void groups.add(g),
      close: () => undefined,
      transport: (t: TransportSpec, _interfaces: InterfaceLookup): HostTransport => this.transport(t),
    };
  }

  private transport(t: TransportSpec): HostTransport {
    let addresses = t.addresses;
    const source = t.source ?? this.address;
    return {
      sourceAddress: source,
      destinations: t.peers.length > 0 ? [...t.peers] : [t.group ?? '224.0.0.18'],
      send: (payload, dst) => {
        this.sent.push({ dst, payload });
        this.segment.send(this, payload, source, dst);
      },
      addAddresses: async () => {
        for (const a of addresses) this.addresses.add(key(a));
      },
      removeAddresses: async () => {
        for (const a of addresses) this.addresses.delete(key(a));
      },
      announce: () => {
        this.frames += addresses.length;
      },
      replaceAddresses: async (next, held) => {
        if (held) {
          for (const a of addresses) this.addresses.delete(key(a));
          for (const a of next) this.addresses.add(key(a));
        }
        addresses = next;
      },
    };
  }

  /** Frames handed to the frame senders (garp_extra_if's rounds), by interface name. */
  readonly sentFrames: Array<{ ifname: string; frame: Buffer; at: number }> = [];

  frameSender(ifname: string): FrameSink & { close(): void } {
    return { send: (frame) => void this.sentFrames.push({ ifname, frame, at: this.segment.now() }), close: () => undefined };
  }

  /** A virtual MAC interface: a link of that name (the MAC and the kernel's settings are the namespace tests' business). */
  async createVmac(vmac: Vmac): Promise<LinkInfo> {
    this.addLink(vmac.name);
    return this.extra.get(vmac.name)!;
  }

  async removeVmac(name: string): Promise<void> {
    this.deleteLink(name);
  }

  holdHostSysctl(path: string, value: string): void {
    this.sysctls.set(path, value);
  }

  releaseHostSysctl(path: string): void {
    this.sysctls.delete(path);
  }

  /** What setFirewall was last told. */
  firewall: unknown;

  setFirewall(fw: unknown): void {
    this.firewall = fw;
  }

  holdSysctl(family: 'ipv4' | 'ipv6', ifname: string, k: string, value: string): void {
    this.sysctls.set(`${family}/${ifname}/${k}`, value);
  }

  releaseSysctl(family: 'ipv4' | 'ipv6', ifname: string, k: string): void {
    this.sysctls.delete(`${family}/${ifname}/${k}`);
  }

  /** The host's processes, by pid; `startProcess` and `endProcess` change them and tell the process watchers. */
  readonly procs = new Map<number, ProcessInfo>();
  private procWatchers: ProcConnectorHandlers[] = [];
  /** When set, watchProcesses rejects with it (a kernel without process events). */
  procEventsRefused: Error | undefined;

  processes(): ReadonlyMap<number, ProcessInfo> {
    return new Map(this.procs);
  }

  process(pid: number): ProcessInfo | undefined {
    return this.procs.get(pid);
  }

  async watchProcesses(h: ProcConnectorHandlers): Promise<{ close(): void }> {
    if (this.procEventsRefused !== undefined) throw this.procEventsRefused;
    this.procWatchers.push(h);
    return { close: () => (this.procWatchers = this.procWatchers.filter((x) => x !== h)) };
  }

  private procEvent(e: ProcEvent): void {
    for (const w of this.procWatchers) w.onEvent(e);
  }

  /** A process starts: the kernel reports its fork from `parent` (default: an untracked one), then its exec. */
  startProcess(pid: number, info: ProcessInfo, parent = 1): void {
    this.procs.set(pid, info);
    this.procEvent({ kind: 'fork', parentTgid: parent, childPid: pid, childTgid: pid });
    this.procEvent({ kind: 'exec', pid, tgid: pid });
  }

  endProcess(pid: number): void {
    this.procs.delete(pid);
    this.procEvent({ kind: 'exit', pid, tgid: pid });
  }

  async close(): Promise<void> {
    for (const d of this.detach) d();
  }
}

/** A Logger that keeps its lines (for assertions) and prints nothing. */
export function memoryLogger(lines: string[] = []): Logger & { lines: string[] } {
  const make = (): Logger => ({
    error: (m) => void lines.push(`error: ${m}`),
    warn: (m) => void lines.push(`warn: ${m}`),
    info: (m) => void lines.push(`info: ${m}`),
    debug: () => undefined,
    child: () => make(),
  });
  return Object.assign(make(), { lines });
}

/** A configuration from keepalived.conf text (written to a temp file and loaded as tandemd would). */
export function configFrom(text: string): Config {
  const path = join(mkdtempSync(join(tmpdir(), 'tandem-unit-')), 'keepalived.conf');
  writeFileSync(path, text);
  const r = load(path);
  if (r.config === undefined) throw new Error(r.errors.map((e) => `${e.pos.line}:${e.pos.col}: ${e.message}`).join('\n'));
  return r.config;
}

/** Lets promise chains (address changes) run after the fake clock fired timers. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** Moves the fake clock `ms` in steps of `stepMs`, letting promise chains run between them. */
export async function runClock(clock: FakeClock, ms: number, stepMs = 10): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(stepMs);
    await settle();
  }
}

/** A `vrrp_instance` block on eth0 at advert 1 s; `extra` lines go inside it. The VIP defaults to 192.0.2.VRID/24. */
export function instanceText(name: string, vrid: number, priority: number, o: { readonly vip?: string; readonly prefix?: number; readonly extra?: readonly string[] } = {}): string {
  return `vrrp_instance ${name} {
    state BACKUP
    interface eth0
    virtual_router_id ${vrid}
    priority ${priority}
    advert_int 1
    virtual_ipaddress {
        ${o.vip ?? `192.0.2.${vrid}`}/${o.prefix ?? 24}
    }
${(o.extra ?? []).map((l) => `    ${l}\n`).join('')}}
`;
}
