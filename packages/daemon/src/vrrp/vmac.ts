import type { LinkInfo, Rtnl } from '@tandem/net';
import type { Ipvlan, Vmac } from '@tandem/config';
import type { Logger } from '../logger.js';
import { SharedSysctls, sysctlPath, write } from './shared-sysctl.js';

/** RFC 5798 §7.3: the virtual router MAC is 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6. */
export function virtualMac(vrid: number, family: 4 | 6 = 4): Buffer {
  return Buffer.from([0x00, 0x00, 0x5e, 0x00, family === 4 ? 0x01 : 0x02, vrid]);
}

/** The EUI-64 link-local address of a MAC (fe80::xxxx:xxff:fexx:xxxx). */
export function linkLocalOf(mac: Buffer): string {
  const b = [mac[0]! ^ 0x02, mac[1]!, mac[2]!, 0xff, 0xfe, mac[3]!, mac[4]!, mac[5]!];
  const groups = [0, 2, 4, 6].map((i) => ((b[i]! << 8) | b[i + 1]!).toString(16));
  return `fe80::${groups.join(':')}`;
}

/** What the base interface of a virtual MAC is set to (1) while it has one. */
const BASE_SETTINGS = ['arp_ignore', 'arp_filter'];

/**
 * The macvlan interfaces of `use_vmac` (and the ipvlan ones of `use_ipvlan`), with the kernel settings keepalived
 * gives them: on the macvlan, arp_ignore 1 (answer ARP only for its own
 * addresses), accept_local 1 and rp_filter 0 (the director's own adverts and
 * traffic may come back through the base interface), promote_secondaries 1 and
 * no IPv6 for an IPv4 instance; on the base interface arp_ignore 1 and arp_filter 1,
 * so the base never answers for a virtual address with its own MAC. The base's values
 * are put back when its last macvlan goes. For an IPv6 instance the macvlan gets no
 * address of its own from the virtual MAC (RFC 5798 §7.4: adverts must not come from
 * it) but the base's link-local address, so adverts leave with the virtual MAC from the
 * same address as before.
 */
export class VmacLinks {
  /** Each macvlan's or ipvlan's base interface, and whether the base's settings are held for it. */
  private readonly links = new Map<string, { base: string; holdsBase: boolean }>();

  constructor(
    private readonly rtnl: Rtnl,
    private readonly log: Logger,
    private readonly sysctls: SharedSysctls = new SharedSysctls(log),
  ) {}

  async create(vmac: Vmac, base: LinkInfo, vrid: number, family: 4 | 6 = 4, source?: string): Promise<LinkInfo> {
    const vrf = await this.vrfOf(base);
    if (vmac.ipvlan !== undefined) return this.createIpvlan(vmac.name, vmac.ipvlan, base, family, vrf);
    // use_vmac NAME MAC: the operator's address (five octets: the VRID is the sixth), as keepalived's netlink_link_add_vmac.
    const mac = vmac.mac !== undefined ? Buffer.from(vmac.mac.vridLast ? [...vmac.mac.octets, vrid] : vmac.mac.octets) : virtualMac(vrid, family);
    // Down until the kernel is told not to give it an address made from the virtual MAC (RFC 5798 §7.4):
    // keepalived's vrrp_vmac.c sets IN6_ADDR_GEN_MODE_NONE for either family before the link goes up.
    let link = await this.rtnl.addMacvlan(vmac.name, base.index, mac, false, vrf);
    this.links.set(vmac.name, { base: base.name, holdsBase: true });
    this.set('ipv4', vmac.name, { arp_ignore: '1', accept_local: '1', rp_filter: '0', promote_secondaries: '1' });
    if (family === 4) {
      this.set('ipv6', vmac.name, { addr_gen_mode: '1', disable_ipv6: '1' });
      await this.rtnl.setLinkUp(link.index);
      link = await this.rtnl.link(vmac.name);
    } else {
      this.set('ipv6', vmac.name, { disable_ipv6: '0', addr_gen_mode: '1', accept_dad: '0' });
      await this.rtnl.setLinkUp(link.index);
      const own = source ?? (await this.rtnl.addresses(base.index)).find((a) => a.family === 6 && a.scope === 253)?.address ?? (base.mac !== undefined ? linkLocalOf(base.mac) : undefined);
      if (own !== undefined) await this.rtnl.addAddress({ address: own, prefix: 64, ifindex: link.index, scope: 253 });
      link = await this.rtnl.link(vmac.name);
    }
    for (const key of BASE_SETTINGS) this.sysctls.hold(sysctlPath('ipv4', base.name, key), '1');
    this.log.info(`${vmac.name}: virtual MAC ${[...mac].map((x) => x.toString(16).padStart(2, '0')).join(':')} on ${base.name}${vrf !== undefined ? ` in its VRF (${vrf})` : ''}`);
    return link;
  }

  /**
   * keepalived's vrrp_vmac.c: an interface made on a base enslaved to a VRF is enslaved to
   * it too (IFLA_MASTER), so that its addresses and adverts are in the VRF's routing table.
   */
  private async vrfOf(base: LinkInfo): Promise<number | undefined> {
    if (base.master === undefined) return undefined;
    const master = (await this.rtnl.links()).find((l) => l.index === base.master);
    return master?.kind === 'vrf' ? master.index : undefined;
  }

  /**
   * `use_ipvlan`, as keepalived's netlink_link_add_ipvlan: L2 mode with the configured flags,
   * up, IPv6 off for an IPv4 instance, and the configured address on it. keepalived changes
   * no ARP settings for it (it answers with the base's MAC, which is the base's anyway).
   */
  private async createIpvlan(name: string, v: Ipvlan, base: LinkInfo, family: 4 | 6, vrf: number | undefined): Promise<LinkInfo> {
    const link = await this.rtnl.addIpvlan(name, base.index, v.mode, vrf);
    this.links.set(name, { base: base.name, holdsBase: false });
    this.set('ipv6', name, { disable_ipv6: family === 4 ? '1' : '0' });
    if (v.address !== undefined) await this.rtnl.addAddress({ address: v.address.address, prefix: v.address.prefix, ifindex: link.index });
    this.log.info(`${name}: ipvlan (l2 ${v.mode}) on ${base.name}${v.address !== undefined ? ` with ${v.address.address}/${v.address.prefix}` : ''}${vrf !== undefined ? ` in its VRF (${vrf})` : ''}`);
    return this.rtnl.link(name);
  }

  async remove(name: string): Promise<void> {
    const made = this.links.get(name);
    if (made === undefined) return;
    this.links.delete(name);
    await this.rtnl.removeLink(name);
    if (made.holdsBase) for (const key of BASE_SETTINGS) this.sysctls.release(sysctlPath('ipv4', made.base, key));
  }

  async removeAll(): Promise<void> {
    for (const name of [...this.links.keys()]) {
      await this.remove(name).catch((err: unknown) => this.log.warn(`${name}: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  private set(family: 'ipv4' | 'ipv6', ifname: string, values: Record<string, string>): void {
    for (const [key, value] of Object.entries(values)) write(sysctlPath(family, ifname, key), value, this.log);
  }
}
