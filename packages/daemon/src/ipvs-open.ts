import { execFile } from 'node:child_process';
import { type ClientOptions, IpvsClient, IpvsError } from '@tandem/ipvs';
import { NetlinkSocket } from '@tandem/net';

/**
 * How tandemd talks to IPVS: through @tandem/net's native netlink socket, whose exchanges run
 * in native code (a full table read is one crossing into JavaScript, not one per service).
 */
export const ipvsOptions: ClientOptions = { socket: () => new NetlinkSocket() };

/** Whether this process has run `modprobe ip_vs` already: a reload on a kernel without IPVS must not pay for it again. */
let modprobeTried = false;

/** The IPVS client, or why there is none. keepalived loads ip_vs itself; so does tandem, once per process. */
export async function openIpvs(): Promise<{ client: IpvsClient } | { reason: string }> {
  try {
    return { client: await IpvsClient.open(ipvsOptions) };
  } catch (err) {
    if (!(err instanceof IpvsError) || err.code !== 'IPVS_ERR_UNAVAILABLE') return { reason: String((err as Error).message) };
    if (modprobeTried) return { reason: err.message };
  }
  modprobeTried = true;
  await new Promise<void>((resolve) => execFile('modprobe', ['ip_vs'], () => resolve()));
  try {
    return { client: await IpvsClient.open(ipvsOptions) };
  } catch (err) {
    return { reason: (err as Error).message };
  }
}
