import { keptServerPort, type RealServer, type VirtualServer } from '@tandem/config';
import { addressToBytes } from '@tandem/vrrp';
import { CHECK } from './snmp-check-view.js';
import { KEEPALIVED_MIB, type Varbind } from './snmp-view.js';

// KEEPALIVED-MIB's checker traps, realServerStateChange (check 5.0.1) and
// virtualServerQuorumStateChange (check 5.0.2), with the varbinds keepalived 2.2.7's
// check_snmp_rs_trap sends: column OIDs without a row index, in its order (the real server's
// four columns, the virtual server's type and what its type adds, its protocol, the quorum's
// status and value, the live and total counts, routerId). The values are the facts at the event,
// as keepalived reads its structures when it sends: a trap sent at the stop or after a reload
// describes rows the table may no longer have. Pure; snmp-agent.ts sends what this makes.

/** virtualServerQuorumStatus: met(1), notMet(2), shutdown(3) (sent only as the checker stops). */
export type QuorumTrapStatus = 'met' | 'notMet' | 'shutdown';

/** What one checker trap tells, taken when it happens. */
export type CheckerTrap =
  | {
      readonly kind: 'realServer';
      readonly vs: VirtualServer;
      readonly rs: RealServer;
      /** realServerStatus: the server's state after the change. */
      readonly up: boolean;
      /** virtualServerRealServersUp: its virtual server's live real servers, this one counted as `up` says. */
      readonly realUp: number;
      /** virtualServerRealServersTotal: keepalived's rs_cnt, the virtual server's real servers (no sorry server). */
      readonly realTotal: number;
    }
  | {
      readonly kind: 'quorum';
      readonly vs: VirtualServer;
      readonly status: QuorumTrapStatus;
      readonly realUp: number;
      readonly realTotal: number;
    };

const truth = (b: boolean): number => (b ? 1 : 2);
const QUORUM_STATUS: Record<QuorumTrapStatus, number> = { met: 1, notMet: 2, shutdown: 3 };

/** The trap's OID and its varbinds (snmpTrapOID and sysUpTime are the AgentX notify's own). */
export function checkerTrapVarbinds(t: CheckerTrap, routerId: string): { oid: number[]; varbinds: Varbind[] } {
  const out: Varbind[] = [];
  const put = (oid: readonly number[], type: Varbind['type'], value: Varbind['value']): void => void out.push({ oid: [...CHECK, ...oid], type, value });
  const vs = t.vs;
  if (t.kind === 'realServer') {
    put([4, 1, 3], 'Integer', t.rs.family === 4 ? 1 : 2);
    put([4, 1, 4], 'OctetString', addressToBytes(t.rs.address));
    // A DR server's port is the service's, as keepalived's check_data.c leaves it.
    put([4, 1, 5], 'Gauge32', keptServerPort(vs, t.rs));
    put([4, 1, 6], 'Integer', truth(t.up));
  }
  const k = vs.key;
  put([3, 1, 2], 'Integer', k.kind === 'group' ? 3 : k.kind === 'fwmark' ? 1 : 2);
  if (k.kind === 'group') put([3, 1, 3], 'OctetString', k.group);
  else if (k.kind === 'fwmark') put([3, 1, 4], 'Gauge32', k.mark);
  else {
    put([3, 1, 5], 'Integer', k.family === 4 ? 1 : 2);
    put([3, 1, 6], 'OctetString', addressToBytes(k.address));
    put([3, 1, 7], 'Gauge32', k.port ?? 0);
  }
  // keepalived sends SNMP_TruthValue(service_type == IPPROTO_TCP) here, not the table's tcp(1)/udp(2)/sctp(3).
  put([3, 1, 8], 'Integer', truth(vs.protocol === 'TCP'));
  if (t.kind === 'quorum') {
    put([3, 1, 23], 'Integer', QUORUM_STATUS[t.status]);
    put([3, 1, 22], 'Gauge32', vs.quorum);
  }
  put([3, 1, 21], 'Gauge32', t.realUp);
  put([3, 1, 20], 'Gauge32', t.realTotal);
  out.push({ oid: [...KEEPALIVED_MIB, 1, 2, 0], type: 'OctetString', value: routerId });
  return { oid: [...CHECK, 5, 0, t.kind === 'realServer' ? 1 : 2], varbinds: out };
}
