import { compareOids, exactly, KEEPALIVED_MIB, type SnmpSnapshot, type Varbind } from './snmp-view.js';
import { CHECK } from './snmp-check-view.js';

// An SNMP SET as keepalived 2.2.7 answers it (vrrp_snmp.c, check_snmp.c), decided before anything
// changes (AgentX TestSet, RFC 2741 §7.2.4.1): only vrrpInstanceBasePriority, vrrpInstancePreempt
// and realServerWeight can be written; vrrpInstanceAccept of a VRRPv3 instance is refused with
// noAccess (keepalived is built without ALLOW_SNMP_SET_ACCEPT); anything else, or a row that does
// not exist, is notWritable. Pure; snmp-agent.ts carries the changes out at CommitSet.

/** SNMPv2 error statuses an AgentX TestSet answers with (RFC 3416 §3, RFC 2741 §7.2.4.1). */
export const SetError = { noAccess: 6, wrongType: 7, wrongValue: 10, notWritable: 17 } as const;

/** One varbind of a SET request as the master sends it: AgentX's type number (Integer is 2) and value. */
export interface SetVarbind {
  readonly oid: readonly number[];
  readonly type: number;
  readonly value: unknown;
}

/** What a SET changes, named as the daemon knows the things. */
export type SnmpChange =
  | { readonly kind: 'basePriority'; readonly instance: string; readonly priority: number }
  | { readonly kind: 'preempt'; readonly instance: string; readonly preempt: boolean }
  /** `index`: the real server's position in its virtual server's `real_server` list. */
  | { readonly kind: 'weight'; readonly virtualServer: string; readonly index: number; readonly address: string; readonly weight: number };

export type SetPlan = { readonly ok: true; readonly changes: readonly SnmpChange[] } | { readonly ok: false; readonly error: number; readonly index: number };

const AGENTX_INTEGER = 2;
const INSTANCE_COLUMN = [...KEEPALIVED_MIB, 2, 3, 1];
const RS_WEIGHT = [...CHECK, 4, 1, 7];

const under = (oid: readonly number[], prefix: readonly number[]): boolean => oid.length > prefix.length && compareOids(oid.slice(0, prefix.length), prefix) === 0;

/**
 * keepalived reads an INTEGER's value through a `u_char *` (`*var_val`): its low byte on the
 * hosts keepalived runs on. So a priority of 300 sets 44, of 256 is wrongValue (0), of -1 sets 255.
 */
const lowByte = (value: unknown): number => Number(value) & 0xff;

/** The change one varbind asks for, or the error keepalived answers it with. */
function planOne(vb: SetVarbind, view: readonly Varbind[], s: SnmpSnapshot): SnmpChange | number {
  // A row that does not exist, or an object keepalived gives no write method: notWritable.
  if (exactly(view, vb.oid) === undefined) return SetError.notWritable;
  if (under(vb.oid, INSTANCE_COLUMN) && vb.oid.length === INSTANCE_COLUMN.length + 2) {
    const column = vb.oid[INSTANCE_COLUMN.length]!;
    const d = s.instances[vb.oid[INSTANCE_COLUMN.length + 1]! - 1];
    if (d === undefined) return SetError.notWritable;
    const instance = d.config.name;
    // vrrpInstanceAccept: writable (noAccess) for a VRRPv3 instance only, whatever the value.
    if (column === 27) return d.config.version === 3 ? SetError.noAccess : SetError.notWritable;
    if (column !== 7 && column !== 13) return SetError.notWritable;
    if (vb.type !== AGENTX_INTEGER) return SetError.wrongType;
    const v = lowByte(vb.value);
    if (column === 7) return v === 0 ? SetError.wrongValue : { kind: 'basePriority', instance, priority: v };
    // vrrpInstancePreempt: TruthValue true(1), false(2).
    return v === 1 || v === 2 ? { kind: 'preempt', instance, preempt: v === 1 } : SetError.wrongValue;
  }
  if (under(vb.oid, RS_WEIGHT) && vb.oid.length === RS_WEIGHT.length + 2) {
    const v = s.virtualServers[vb.oid[RS_WEIGHT.length]! - 1];
    // Row 1 is the sorry server when there is one (check_snmp_realserver_weight skips it).
    const index = vb.oid[RS_WEIGHT.length + 1]! - 1 - (v?.config.sorryServer !== undefined ? 1 : 0);
    const rs = v?.config.realServers[index];
    if (v === undefined || rs === undefined) return SetError.notWritable;
    if (vb.type !== AGENTX_INTEGER) return SetError.wrongType;
    // check_snmp_realserver_weight: any value, its low byte as the weight (no wrongValue).
    return { kind: 'weight', virtualServer: v.config.name, index, address: rs.address, weight: lowByte(vb.value) };
  }
  return SetError.notWritable;
}

/**
 * What a SET request changes, or the first varbind keepalived refuses and why (then nothing
 * changes: the master agent undoes the request as a whole). `view` is what GET serves, so an
 * object not served (a MIB part off, a row gone) is not writable either.
 */
export function planSet(varbinds: readonly SetVarbind[], view: readonly Varbind[], s: SnmpSnapshot): SetPlan {
  const changes: SnmpChange[] = [];
  for (const [i, vb] of varbinds.entries()) {
    const r = planOne(vb, view, s);
    if (typeof r === 'number') return { ok: false, error: r, index: i + 1 };
    changes.push(r);
  }
  return { ok: true, changes };
}
