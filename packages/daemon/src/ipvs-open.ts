import { execFile } from 'node:child_process';
import { IpvsClient, IpvsError } from '@tandem/ipvs';

/** The IPVS client, or why there is none. keepalived loads ip_vs itself; so does tandem, once. */
export async function openIpvs(): Promise<{ client: IpvsClient } | { reason: string }> {
  try {
    return { client: await IpvsClient.open() };
  } catch (err) {
    if (!(err instanceof IpvsError) || err.code !== 'IPVS_ERR_UNAVAILABLE') return { reason: String((err as Error).message) };
  }
  await new Promise<void>((resolve) => execFile('modprobe', ['ip_vs'], () => resolve()));
  try {
    return { client: await IpvsClient.open() };
  } catch (err) {
    return { reason: (err as Error).message };
  }
}
