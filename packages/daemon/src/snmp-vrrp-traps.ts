import { KEEPALIVED_MIB, type Varbind } from './snmp-view.js';

// KEEPALIVED-MIB's VRRP traps, vrrpSyncGroupStateChange (vrrp 10.0.1) and
// vrrpInstanceStateChange (vrrp 10.0.2), with the varbinds keepalived 2.2.7's
// vrrp_snmp_group_trap and vrrp_snmp_instance_trap send: column OIDs without a row index (the
// name, the state, for an instance its initial state), then routerId. keepalived sends them at
// each transition and, for every instance and then every sync group, once more as its VRRP
// process stops (notify_shutdown: state stop(5)). Pure; snmp-agent.ts sends what this makes.

/** A state as the traps carry it: VrrpState's four, or the stop. */
export type TrapState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

/** KEEPALIVED-MIB VrrpState in a trap: init(0), backup(1), master(2), fault(3), stop(5). */
const STATE: Record<TrapState, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 5 };

const VRRP = [...KEEPALIVED_MIB, 2] as const;
const routerIdVarbind = (routerId: string): Varbind => ({ oid: [...KEEPALIVED_MIB, 1, 2, 0], type: 'OctetString', value: routerId });

/**
 * vrrpInstanceStateChange: the instance's name, its state, and its initial state (the file's
 * `state`: master(2) for MASTER, else backup(1), as keepalived's configured_state).
 */
export function instanceTrap(name: string, state: TrapState, configuredMaster: boolean, routerId: string): { oid: number[]; varbinds: Varbind[] } {
  return {
    oid: [...VRRP, 10, 0, 2],
    varbinds: [
      { oid: [...VRRP, 3, 1, 2], type: 'OctetString', value: name },
      { oid: [...VRRP, 3, 1, 4], type: 'Integer', value: STATE[state] },
      { oid: [...VRRP, 3, 1, 5], type: 'Integer', value: configuredMaster ? STATE.MASTER : STATE.BACKUP },
      routerIdVarbind(routerId),
    ],
  };
}

/** vrrpSyncGroupStateChange: the sync group's name and state. */
export function syncGroupTrap(name: string, state: TrapState, routerId: string): { oid: number[]; varbinds: Varbind[] } {
  return {
    oid: [...VRRP, 10, 0, 1],
    varbinds: [{ oid: [...VRRP, 1, 1, 2], type: 'OctetString', value: name }, { oid: [...VRRP, 1, 1, 3], type: 'Integer', value: STATE[state] }, routerIdVarbind(routerId)],
  };
}
