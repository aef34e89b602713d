import type { VrrpInstance } from '@tandem/config';
import type { TrackedItem } from '../tracking-rules.js';

// keepalived's track_src_ip (VRRP_FLAG_TRACK_SADDR; keepalived_netlink.c): an instance with a
// configured source (unicast_src_ip / mcast_src_ip) is in FAULT while that address is not on
// its interface, and tries to come up again when it is back. Without track_src_ip keepalived
// keeps sending from the configured address whether the interface has it or not.

/** Which configured source addresses are on their instance's interface, followed through address events. */
export class SourceAddresses {
  private readonly present = new Set<string>();

  private static key(address: string, ifindex: number): string {
    return `${ifindex}/${address}`;
  }

  /** Starts over from the addresses on the interfaces now. */
  reset(addresses: ReadonlyArray<{ readonly address: string; readonly ifindex: number }>): void {
    this.present.clear();
    for (const a of addresses) this.present.add(SourceAddresses.key(a.address, a.ifindex));
  }

  /** An address event; true when it changed what was known. */
  change(address: string, ifindex: number, added: boolean): boolean {
    const k = SourceAddresses.key(address, ifindex);
    if (this.present.has(k) === added) return false;
    if (added) this.present.add(k);
    else this.present.delete(k);
    return true;
  }

  /**
   * The tracked item of an instance with track_src_ip whose source belongs on one of
   * `ifindexes` (its interface; with `vrf`, the interfaces enslaved to the VRF device); none without it.
   */
  items(i: VrrpInstance, ifindexes: readonly number[]): TrackedItem[] {
    if (i.trackSrcIp !== true || i.unicastSrcIp === undefined) return [];
    const source = i.unicastSrcIp;
    const ok = ifindexes.some((ifindex) => this.present.has(SourceAddresses.key(source, ifindex)));
    return [{ kind: 'address', name: `${i.unicastSrcIp} (track_src_ip)`, ok, weight: 0, reverse: false }];
  }
}
