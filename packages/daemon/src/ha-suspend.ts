import { groupOf, type VirtualServer, type VirtualServerGroup } from '@tandem/config';
import type { AddressEvent } from '@tandem/net';
import { addressToBytes, bytesToAddress } from '@tandem/vrrp';
import { groupEntryAddresses } from './ipvs-table.js';

// keepalived's ha_suspend (check_api.c update_checker_activity): the checkers of a virtual
// server with ha_suspend run only while one of its addresses is on an interface of this host
// (the VRRP master holds it); without it they are suspended and the real servers keep the
// verdicts they had. As keepalived, each address counts once per interface that has it.

/** The host's addresses now, and the kernel's news of them; net's Rtnl in tandemd. */
export interface HostAddresses {
  list(): Promise<ReadonlyArray<{ readonly address: string; readonly ifindex: number }>>;
  watch(onChange: (e: AddressEvent) => void): { close(): void };
}

const canonical = (address: string): string => {
  try {
    return bytesToAddress(addressToBytes(address));
  } catch {
    return address;
  }
};

/** The addresses whose presence lets a virtual server's checkers run (none for a fwmark). */
export function suspendAddresses(vs: VirtualServer, groups: readonly VirtualServerGroup[]): Set<string> {
  const k = vs.key;
  if (k.kind === 'address') return new Set([canonical(k.address)]);
  if (k.kind === 'fwmark') return new Set();
  const out = new Set<string>();
  for (const e of groupOf(vs, groups)?.entries ?? []) {
    if (e.kind !== 'address') continue;
    try {
      for (const a of groupEntryAddresses(e)) out.add(canonical(a));
    } catch {
      // An entry too large to expand is refused where IPVS is programmed.
    }
  }
  return out;
}

/** Which of the host's (address, interface) pairs are present, kept from a listing and the kernel's events. */
export class PresentAddresses {
  private readonly pairs = new Set<string>();
  private readonly perAddress = new Map<string, number>();

  reset(list: ReadonlyArray<{ readonly address: string; readonly ifindex: number }>): void {
    this.pairs.clear();
    this.perAddress.clear();
    for (const a of list) this.apply({ address: a.address, ifindex: a.ifindex, added: true });
  }

  /** Applies an event; true when the address's presence (on any interface) changed. */
  apply(e: { readonly address: string; readonly ifindex: number; readonly added: boolean }): boolean {
    const address = canonical(e.address);
    const key = `${address}%${e.ifindex}`;
    const before = this.perAddress.get(address) ?? 0;
    // An address changed in place (its flags, an IPv6 lifetime) comes as another RTM_NEWADDR: a set, not a count.
    if (e.added === this.pairs.has(key)) return false;
    if (e.added) this.pairs.add(key);
    else this.pairs.delete(key);
    const after = before + (e.added ? 1 : -1);
    if (after === 0) this.perAddress.delete(address);
    else this.perAddress.set(address, after);
    return (before === 0) !== (after === 0);
  }

  has(address: string): boolean {
    return this.perAddress.has(canonical(address));
  }
}
