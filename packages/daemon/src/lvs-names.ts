import { keptServerPort, type RealServer, type VirtualServer } from '@tandem/config';

// keepalived's spellings of virtual and real servers (check_data.c's FMT_VS and FMT_RS, the
// notify FIFO's), and its clear_service_rs log line, for lvs-service.ts: operators' greps and
// FIFO readers written for keepalived read tandem's the same way.

/** keepalived's FIFO and mail spelling of an endpoint (inet_sockaddrtotrio): `[ADDRESS]:tcp:PORT`. */
export const fifoAddress = (address: string, proto: string, port: number): string => `[${address}]:${proto}:${port}`;

/** A real server in the FIFO, the mails and the logs (FMT_RS): its port as keepalived's check_data.c left it (a DR server's reset to the service's). */
export const fifoReal = (vs: VirtualServer, rs: RealServer): string => fifoAddress(rs.address, vs.protocol.toLowerCase(), keptServerPort(vs, rs));

/** A virtual server in the FIFO: `[ADDRESS]:tcp:PORT`, `FWM N`, `GROUP NAME`. */
export function fifoVirtual(vs: VirtualServer): string {
  const k = vs.key;
  if (k.kind === 'address') return fifoAddress(k.address, vs.protocol.toLowerCase(), k.port ?? 0);
  return k.kind === 'fwmark' ? `FWM ${k.mark}` : `GROUP ${k.group}`;
}

/** keepalived's FMT_VS, in mail subjects and logs: `[ADDRESS]:tcp:PORT`, `FWM N`, or `[GROUP]:0` (a group's service has no address of its own). */
export function mailVirtual(vs: VirtualServer): string {
  return vs.key.kind === 'group' ? `[${vs.key.group}]:0` : fifoVirtual(vs);
}

/** Whether a real server is in IPVS (keepalived's `rs->set`): up, or in at weight 0 by inhibit_on_failure; out while a sorry server stands in for a lost quorum, unless inhibited. */
export function inIpvs(vs: VirtualServer, rs: RealServer, up: boolean, quorumUp: boolean): boolean {
  // As ipvs-table.ts's desiredForVirtualServer puts it in.
  if (rs.inhibitOnFailure ?? vs.inhibitOnFailure) return true;
  return up && (quorumUp || vs.sorryServer === undefined);
}

/**
 * keepalived's clear_service_rs line (LOG_INFO) as a real server is taken out: `Shutting down
 * service [10.0.0.2]:tcp:80 from VS [192.0.2.1]:tcp:80` at the stop, `Removing service ...` when a
 * reload took it away; `(inhibited) ` before `service` for one down and kept at weight 0 by
 * inhibit_on_failure. keepalived's own words, which operators grep for.
 */
export function clearServiceLine(when: 'stop' | 'reload', vs: VirtualServer, rs: RealServer, up: boolean): string {
  const inhibited = (rs.inhibitOnFailure ?? vs.inhibitOnFailure) && !up;
  return `${when === 'stop' ? 'Shutting down' : 'Removing'} ${inhibited ? '(inhibited) ' : ''}service ${fifoReal(vs, rs)} from VS ${mailVirtual(vs)}`;
}
