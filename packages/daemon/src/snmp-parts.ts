import type { GlobalDefs } from '@tandem/config';
import { KEEPALIVED_MIB, VRRP_MIB, VRRPV3_MIB, type Varbind } from './snmp-view.js';

/** Which MIBs tandemd serves and whether it sends traps, as keepalived decides them. */
export interface SnmpParts {
  /** KEEPALIVED-MIB's VRRP part (`enable_snmp_vrrp`). */
  readonly vrrp: boolean;
  /** KEEPALIVED-MIB's checker part (`enable_snmp_checker`). */
  readonly checker: boolean;
  /** VRRP-MIB, RFC 2787 (`enable_snmp_rfcv2`). */
  readonly rfcv2: boolean;
  /** VRRPv3-MIB, RFC 6527 (`enable_snmp_rfcv3`). */
  readonly rfcv3: boolean;
  /** `enable_traps`: keepalived sends no trap without it, `-x` or not. */
  readonly traps: boolean;
}

/** keepalived's rule (global_data.c): `-x` turns every MIB on; otherwise each `enable_snmp_*` its own. */
export function snmpParts(settings: GlobalDefs['snmp'], dashX: boolean): SnmpParts {
  const s = settings ?? {};
  return {
    vrrp: dashX || s.vrrp === true,
    checker: dashX || s.checker === true,
    rfcv2: dashX || s.rfcv2 === true,
    rfcv3: dashX || s.rfcv3 === true,
    traps: s.traps === true,
  };
}

/** Whether any MIB is served, so that the AgentX subagent runs at all. */
export function servesAny(p: SnmpParts): boolean {
  return p.vrrp || p.checker || p.rfcv2 || p.rfcv3;
}

const under = (oid: readonly number[], prefix: readonly number[]): boolean => prefix.every((n, i) => oid[i] === n);

/** The subtrees to register with the master agent. */
export function servedMibs(p: SnmpParts): Array<readonly [string, readonly number[]]> {
  const out: Array<readonly [string, readonly number[]]> = [];
  if (p.vrrp || p.checker) out.push(['KEEPALIVED-MIB', KEEPALIVED_MIB]);
  if (p.rfcv2) out.push(['VRRP-MIB', VRRP_MIB]);
  if (p.rfcv3) out.push(['VRRPv3-MIB', VRRPV3_MIB]);
  return out;
}

/** The objects of the parts served: KEEPALIVED-MIB's global scalars (.1) with either of its parts, its VRRP part (.2), its checker part (.3), and the RFC MIBs. */
export function servedObjects(view: readonly Varbind[], p: SnmpParts): Varbind[] {
  return view.filter((v) => {
    if (under(v.oid, KEEPALIVED_MIB)) {
      const part = v.oid[KEEPALIVED_MIB.length];
      return part === 2 ? p.vrrp : part === 3 ? p.checker : p.vrrp || p.checker;
    }
    if (under(v.oid, VRRP_MIB)) return p.rfcv2;
    if (under(v.oid, VRRPV3_MIB)) return p.rfcv3;
    return false;
  });
}
