import { execFile } from 'node:child_process';
import { type ClientOptions, IpvsClient, IpvsError } from '@tandem/ipvs';
import { NetlinkSocket } from '@tandem/net';

/**
 * How tandemd talks to IPVS: through @tandem/net's native netlink socket, whose exchanges run
 * in native code (a full table read is one crossing into JavaScript, not one per service).
 */
export const ipvsOptions: ClientOptions = { socket: () => new NetlinkSocket() };

/** The IPVS client, or why there is none. keepalived loads ip_vs itself; so does tandem, once. */
export async function openIpvs(): Promise<{ client: IpvsClient } | { reason: string }> {
  try {
    return { client: await IpvsClient.open(ipvsOptions) };
  } catch (err) {
    if (!(err instanceof IpvsError) || err.code !== 'IPVS_ERR_UNAVAILABLE') return { reason: String((err as Error).message) };
  }
  await new Promise<void>((resolve) => execFile('modprobe', ['ip_vs'], () => resolve()));
  try {
    return { client: await IpvsClient.open(ipvsOptions) };
  } catch (err) {
    return { reason: (err as Error).message };
  }
}
