import { AcceptFilter, NetTransport, PacketSender, ProcConnector, readProcess, Rtnl, scanProcesses, VrrpChannel, type LinkInfo, type NetworkChanger, type PacketInfo, type ProcConnectorHandlers, type ProcessInfo } from '@tandem/net';
import type { Vmac, VrrpFirewall } from '@tandem/config';
import type { Logger } from '../logger.js';
import type { ChannelSpec, HostChannel, HostTransport, InterfaceLookup, TransportSpec, VrrpHost } from './host.js';
import { STARTING_NETNS_ENV } from './protocol.js';
import { SharedSysctls, sysctlPath } from './shared-sysctl.js';
import { VmacLinks } from './vmac.js';

/**
 * The host as the VRRP side sees it, for real: rtnetlink, raw sockets, AF_PACKET, nftables
 * (no_accept) and /proc/sys, all through @tandem/net. The only VRRP code that touches them.
 */
export class NetHost implements VrrpHost {
  private readonly rtnl = new Rtnl();
  private readonly changes: NetworkChanger;
  private readonly sysctls: SharedSysctls;
  private readonly vmacs: VmacLinks;
  private acceptFilter: AcceptFilter | undefined;
  private firewall: VrrpFirewall = { kind: 'nftables', table: 'tandem_no_accept', priority: 0, counters: false, from: 'default' };

  /** `record` wraps address, route and rule changes (the daemon's ledger of what it added). */
  constructor(
    log: Logger,
    record: (changer: NetworkChanger) => NetworkChanger = (c) => c,
  ) {
    this.changes = record(this.rtnl);
    this.sysctls = new SharedSysctls(log);
    this.vmacs = new VmacLinks(this.rtnl, log, this.sysctls);
  }

  links(): Promise<LinkInfo[]> {
    return this.rtnl.links();
  }

  watchLinks(onChange: (link: LinkInfo) => void): void {
    this.rtnl.watchLinks(onChange);
  }

  async interfaceAddresses(): Promise<Array<{ readonly address: string; readonly ifindex: number }>> {
    return (await this.rtnl.allAddresses()).map((a) => ({ address: a.address, ifindex: a.ifindex }));
  }

  watchAddresses(onChange: (e: { readonly address: string; readonly ifindex: number; readonly added: boolean }) => void): void {
    this.rtnl.watchAddresses(onChange);
  }

  async openChannel(spec: ChannelSpec, onDatagram: (payload: Buffer, info: PacketInfo) => void, onError: (err: Error) => void): Promise<HostChannel> {
    const ch = await VrrpChannel.open(this.rtnl, spec.interface, spec.family, onDatagram, onError, spec.ah, spec.addressesOf);
    return {
      join: (group) => ch.join(group),
      close: () => ch.close(),
      transport: (t: TransportSpec, interfaces: InterfaceLookup): HostTransport => {
        // RFC 5798 §6.4.3: the address owner accepts whatever Accept_Mode says; the caller decides.
        // A bare vrrp_iptables asks for no rules at all.
        const fw = this.firewall;
        const noAccept = t.noAccept && fw.kind === 'nftables' ? (this.acceptFilter ??= AcceptFilter.create({ table: fw.table, priority: fw.priority, counters: fw.counters })) : undefined;
        return new NetTransport(
          ch,
          this.changes,
          {
            ...(t.source !== undefined ? { source: t.source } : {}),
            peers: t.peers,
            ...(t.unicastTtl !== undefined ? { unicastTtl: t.unicastTtl } : {}),
            ...(t.group !== undefined ? { group: t.group } : {}),
            addresses: t.addresses,
            ...(noAccept !== undefined ? { noAccept } : {}),
            routes: t.routes,
            rules: t.rules,
          },
          interfaces,
        );
      },
    };
  }

  frameSender(ifname: string): PacketSender {
    return new PacketSender(ifname);
  }

  createVmac(vmac: Vmac, base: LinkInfo, vrid: number, family: 4 | 6, source?: string): Promise<LinkInfo> {
    return this.vmacs.create(vmac, base, vrid, family, source);
  }

  removeVmac(name: string): Promise<void> {
    return this.vmacs.remove(name);
  }

  processes(withArgv: boolean): ReadonlyMap<number, ProcessInfo> {
    return scanProcesses(withArgv);
  }

  process(pid: number, withArgv: boolean): ProcessInfo | undefined {
    return readProcess(pid, withArgv);
  }

  /** The connector lives in the initial network namespace: opened in the one tandemd started in (side-client.ts passes it). */
  watchProcesses(h: ProcConnectorHandlers): Promise<{ close(): void }> {
    return ProcConnector.open(h, process.env[STARTING_NETNS_ENV]);
  }

  holdHostSysctl(path: string, value: string): void {
    this.sysctls.hold(path, value);
  }

  releaseHostSysctl(path: string): void {
    this.sysctls.release(path);
  }

  setFirewall(fw: VrrpFirewall): void {
    this.firewall = fw;
  }

  holdSysctl(family: 'ipv4' | 'ipv6', ifname: string, key: string, value: string): void {
    this.sysctls.hold(sysctlPath(family, ifname, key), value);
  }

  releaseSysctl(family: 'ipv4' | 'ipv6', ifname: string, key: string): void {
    this.sysctls.release(sysctlPath(family, ifname, key));
  }

  async close(): Promise<void> {
    await this.vmacs.removeAll();
    await this.acceptFilter?.close();
    this.rtnl.close();
  }
}
