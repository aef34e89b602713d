import { childProcessModule } from './builtins.js';
import { type ClientOptions, IpvsClient, IpvsError } from '@tandem/ipvs';
import { callInNetworkNamespace, NetlinkSocket } from '@tandem/net';

/**
 * How tandemd talks to IPVS: through @tandem/net's native netlink socket, whose exchanges run
 * in native code (a full table read is one crossing into JavaScript, not one per service).
 */
export const ipvsOptions: ClientOptions = { socket: () => new NetlinkSocket() };

/** Whether this process has run `modprobe ip_vs` already: a reload on a kernel without IPVS must not pay for it again. */
let modprobeTried = false;

/**
 * The IPVS client options for `net_namespace_ipvs NAME`: the netlink socket opened in that
 * namespace (a netlink socket talks to the namespace it was made in, wherever the thread goes).
 */
export function ipvsOptionsIn(netns: string | undefined): ClientOptions {
  if (netns === undefined) return ipvsOptions;
  return { socket: () => callInNetworkNamespace(netns, 'net_namespace_ipvs', () => new NetlinkSocket()) };
}

/**
 * The IPVS client, or why there is none. keepalived loads ip_vs itself; so does tandem, once per
 * process. With `netns` (net_namespace_ipvs), the client programs that namespace's IPVS.
 */
export async function openIpvs(netns?: string): Promise<{ client: IpvsClient } | { reason: string }> {
  const options = ipvsOptionsIn(netns);
  try {
    return { client: await IpvsClient.open(options) };
  } catch (err) {
    if (!(err instanceof IpvsError) || err.code !== 'IPVS_ERR_UNAVAILABLE') return { reason: String((err as Error).message) };
    if (modprobeTried) return { reason: err.message };
  }
  modprobeTried = true;
  await new Promise<void>((resolve) => childProcessModule().execFile('modprobe', ['ip_vs'], () => resolve()));
  try {
    return { client: await IpvsClient.open(options) };
  } catch (err) {
    return { reason: (err as Error).message };
  }
}
