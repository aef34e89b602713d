import type { VirtualAddress, VrrpInstance } from '@tandem/config';

/** One virtual MAC interface of `use_vmac_addr`: on `base`, for the addresses of `family` there. */
export interface AddressVmac {
  readonly name: string;
  readonly base: string;
  readonly family: 4 | 6;
}

/** The virtual MAC interfaces an instance's addresses need, and the interface each such address goes on (by `addressKey`). */
export interface AddressVmacPlan {
  readonly vmacs: readonly AddressVmac[];
  readonly devOf: ReadonlyMap<string, string>;
}

/** An address line as the plan knows it: the same after a reload that keeps it. */
export function addressKey(v: VirtualAddress): string {
  return `${v.address}/${v.prefix} ${v.dev ?? ''}`;
}

/** Whether two plans make the same interfaces (a reload that changes them restarts the instance). */
export function sameVmacs(a: AddressVmacPlan | undefined, b: AddressVmacPlan): boolean {
  const text = (p: AddressVmacPlan | undefined): string => JSON.stringify(p?.vmacs ?? []);
  return text(a) === text(b);
}

/** The kernel's IFNAMSIZ less the terminating zero. */
const MAX_NAME = 15;

/** PREFIX[NUM].VRID, the prefix cut short to fit, as keepalived's create_vmac_name writes it. */
function vmacName(prefix: string, num: number | undefined, vrid: number): string {
  const tail = `${num ?? ''}.${vrid}`;
  return `${prefix.slice(0, MAX_NAME - tail.length)}${tail}`;
}

/**
 * keepalived's create_vmac_name (vrrp.c): PREFIX.VRID, or when that is taken PREFIX1.VRID,
 * PREFIX2.VRID, ...; for IPv6 it tries PREFIX6.VRID first, then 1-5, 7, 8, ...
 */
export function freeVmacName(prefix: string, vrid: number, family: 4 | 6, taken: (name: string) => boolean): string {
  let num: number | undefined;
  for (;;) {
    const name = vmacName(prefix, num, vrid);
    if (!taken(name)) return name;
    if (family === 6) num = num === undefined ? 6 : num === 6 ? 1 : num + 1 === 6 ? 7 : num + 1;
    else num = (num ?? 0) + 1;
  }
}

/**
 * `use_vmac_addr` as keepalived 2.2.7 applies it (vrrp.c, vrrp_complete_instance): every
 * address (virtual_ipaddress and _excluded) on another interface than the instance's, or of
 * the other family, goes on a virtual MAC interface on its interface, one per interface and
 * family (00:00:5e:00:01|02:VRID by the family), named from `vmac_addr_prefix`, else
 * `vmac_prefix`, else `vrrp`. The instance's own addresses are left where they are (on its
 * interface, or its use_vmac interface). `taken` says which names are not free: existing
 * interfaces that are not such virtual MACs, and other instances' use_vmac interfaces.
 */
export function addressVmacs(i: VrrpInstance, prefix: string, taken: (name: string) => boolean): AddressVmacPlan {
  const vmacs: AddressVmac[] = [];
  const devOf = new Map<string, string>();
  if (i.useVmacAddr !== true) return { vmacs, devOf };
  const used = (name: string): boolean => name === i.vmac?.name || vmacs.some((v) => v.name === name) || taken(name);
  for (const v of [...i.virtualIpaddress, ...i.virtualIpaddressExcluded]) {
    const base = v.dev ?? i.interface;
    if (base === i.interface && v.family === i.family) continue;
    let vmac = vmacs.find((x) => x.base === base && x.family === v.family);
    if (vmac === undefined) {
      vmac = { name: freeVmacName(prefix, i.virtualRouterId, v.family, used), base, family: v.family };
      vmacs.push(vmac);
    }
    devOf.set(addressKey(v), vmac.name);
  }
  return { vmacs, devOf };
}
