import type { Config, VrrpInstance } from '@tandem/config';
import { AcceptFilter, NetTransport, Rtnl, VrrpChannel, PacketSender, scopeNames, type AddressSpec, type LinkInfo, type PacketInfo } from '@tandem/net';
import { InstanceRunner, receiveAdvert, systemClock, type Clock, type DropReason, type InstanceStats } from '@tandem/vrrp';
import type { Logger } from './logger.js';
import { interfacesOf, runnerOptions, vipText } from './instance-options.js';

/** Status of one instance, as `tandemctl status --json` prints it. */
export interface InstanceStatus {
  readonly name: string;
  readonly state: string;
  readonly priority: number;
  readonly effectivePriority: number;
  readonly vips: readonly string[];
  readonly interface: string;
  readonly vrid: number;
  readonly version: number;
  readonly master: string | undefined;
}

export interface ChannelStats {
  readonly interface: string;
  readonly family: 4 | 6;
  received: number;
  dropped: Partial<Record<DropReason, number>>;
}

interface Managed {
  readonly config: VrrpInstance;
  readonly runner: InstanceRunner;
  readonly ifindex: number;
}

/** Runs the configured VRRP instances on the host's interfaces. */
export class VrrpService {
  private readonly rtnl = new Rtnl();
  private readonly channels = new Map<string, VrrpChannel>();
  private readonly channelStats = new Map<string, ChannelStats>();
  private readonly instances: Managed[] = [];
  private readonly links = new Map<number, LinkInfo>();
  private readonly frameSenders = new Map<number, PacketSender>();
  private acceptFilter: AcceptFilter | undefined;

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Opens sockets and starts every instance; throws (with nothing left running) if an interface is missing. */
  async start(config: Config): Promise<void> {
    try {
      for (const l of await this.rtnl.links()) this.links.set(l.index, l);
      for (const i of config.vrrpInstances) await this.add(i, config);
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.rtnl.watchLinks((link) => this.onLink(link));
    for (const m of this.instances) {
      m.runner.start();
      const link = this.links.get(m.ifindex);
      if (link !== undefined && !link.up) m.runner.setFault(true, `${link.name} is down`);
    }
  }

  private linkByName(name: string): LinkInfo {
    for (const l of this.links.values()) if (l.name === name) return l;
    throw new Error(`interface ${name} does not exist`);
  }

  private async channel(name: string, family: 4 | 6): Promise<VrrpChannel> {
    const key = `${name}/${family}`;
    let ch = this.channels.get(key);
    if (ch !== undefined) return ch;
    const stats: ChannelStats = { interface: name, family, received: 0, dropped: {} };
    this.channelStats.set(key, stats);
    ch = await VrrpChannel.open(
      this.rtnl,
      name,
      family,
      (payload, info) => this.onDatagram(key, payload, info),
      (err) => this.log.error(`receive error on ${name}: ${err.message}`),
    );
    this.channels.set(key, ch);
    return ch;
  }

  private async add(i: VrrpInstance, config: Config): Promise<void> {
    for (const name of interfacesOf(i)) this.linkByName(name);
    const link = this.linkByName(i.interface);
    const ch = await this.channel(i.interface, i.family);
    const addresses: AddressSpec[] = [...i.virtualIpaddress, ...i.virtualIpaddressExcluded].map((v) => ({
      address: v.address,
      prefix: v.prefix,
      ifindex: this.linkByName(v.dev ?? i.interface).index,
      ...(v.label !== undefined ? { label: v.label } : {}),
      ...(v.scope !== undefined ? { scope: scopeNames[v.scope]! } : {}),
      ...(v.broadcast !== undefined ? { broadcast: v.broadcast } : {}),
    }));
    // RFC 5798 §6.4.3: the address owner accepts whatever Accept_Mode says.
    const noAccept = !i.accept && i.priority !== 255 ? (this.acceptFilter ??= AcceptFilter.create()) : undefined;
    const transport = new NetTransport(
      ch,
      this.rtnl,
      {
        ...(i.unicastSrcIp !== undefined ? { source: i.unicastSrcIp } : {}),
        peers: i.unicastPeer,
        addresses,
        ...(noAccept !== undefined ? { noAccept } : {}),
      },
      {
        mac: (ifindex) => this.links.get(ifindex)?.mac,
        frames: (ifindex) => {
          let s = this.frameSenders.get(ifindex);
          if (s === undefined) {
            s = new PacketSender(this.links.get(ifindex)?.name ?? '');
            this.frameSenders.set(ifindex, s);
          }
          return s;
        },
      },
    );
    const runner = new InstanceRunner(runnerOptions(i, config.globalDefs, transport.sourceAddress), transport, this.clock);
    const log = this.log.child({ module: i.name });
    runner.on('transition', (e) => {
      const line = `(${e.instance}) ${e.from} -> ${e.to}: ${e.reason}`;
      if (e.to === 'FAULT') log.warn(line, { ...e });
      else log.info(line, { ...e });
    });
    runner.on('ioError', (err) => log.warn(`(${i.name}) ${err.message}`));
    log.debug(`(${i.name}) vrid ${i.virtualRouterId} v${i.version} on ${i.interface} from ${transport.sourceAddress} to ${transport.destinations.join(',')}, vips ${i.virtualIpaddress.map(vipText).join(' ')}`);
    this.instances.push({ config: i, runner, ifindex: link.index });
  }

  private onDatagram(key: string, payload: Buffer, info: PacketInfo): void {
    const stats = this.channelStats.get(key)!;
    stats.received++;
    const family = stats.family;
    const candidates = this.instances.filter((m) => m.config.interface === stats.interface && m.config.family === family);
    // Instances may share a VRID when their unicast peer sets differ: prefer the one
    // that lists the sender. Like keepalived without check_unicast_src, an advert
    // from an unlisted source still reaches the instance with that VRID.
    const forVrid = (vrid: number): Managed | undefined =>
      candidates.find((m) => m.config.virtualRouterId === vrid && (m.config.unicastPeer.length === 0 || m.config.unicastPeer.includes(info.src))) ??
      candidates.find((m) => m.config.virtualRouterId === vrid);
    let target: Managed | undefined;
    const r = receiveAdvert(payload, { family, src: info.src, dst: info.dst, ttl: info.ttl }, (vrid) => {
      target = forVrid(vrid);
      return target?.runner.expectations;
    });
    if (r.ok) {
      target!.runner.receive(r.advert, info.src);
      return;
    }
    stats.dropped[r.reason] = (stats.dropped[r.reason] ?? 0) + 1;
    if (target !== undefined) target.runner.countDrop(r.reason);
    this.log.debug(`dropped VRRP datagram from ${info.src} on ${stats.interface}: ${r.reason} (${r.detail})`);
  }

  private onLink(link: LinkInfo): void {
    const before = this.links.get(link.index);
    this.links.set(link.index, { ...link, mac: link.mac ?? before?.mac });
    if (before !== undefined && before.up === link.up) return;
    for (const m of this.instances) {
      if (m.ifindex !== link.index) continue;
      m.runner.setFault(!link.up, `${link.name} is ${link.up ? 'up' : 'down'}`);
    }
  }

  status(): InstanceStatus[] {
    return this.instances.map((m) => ({
      name: m.config.name,
      state: m.runner.state,
      priority: m.config.priority,
      effectivePriority: m.runner.effectivePriority,
      vips: m.config.virtualIpaddress.map(vipText),
      interface: m.config.interface,
      vrid: m.config.virtualRouterId,
      version: m.config.version,
      master: m.runner.masterAddress,
    }));
  }

  stats(): { instances: Record<string, InstanceStats>; channels: ChannelStats[] } {
    return {
      instances: Object.fromEntries(this.instances.map((m) => [m.config.name, m.runner.stats])),
      channels: [...this.channelStats.values()],
    };
  }

  /** Priority-0 adverts, addresses removed, sockets closed. */
  async stop(): Promise<void> {
    await Promise.all(this.instances.map((m) => m.runner.stop()));
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
    for (const s of this.frameSenders.values()) s.close();
    this.frameSenders.clear();
    await this.acceptFilter?.close();
    this.rtnl.close();
  }
}
