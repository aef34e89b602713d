import type { Config, RealServer } from '@tandem/config';
import { addressToInetAddr, describeOperation, type KernelService, planChanges, serviceId, serviceName, type TableService } from '@tandem/ipvs';
import { Rtnl } from '@tandem/net';
import { planChecks, realServerName } from './check-specs.js';
import { desiredForVirtualServer } from './ipvs-table.js';
import { assignFwmarks, fwmarkOf } from './ipvs-fwmarks.js';
import { openIpvs } from './ipvs-open.js';

/** The table tandemd would program right after starting: every real server up unless its checks start in alpha. */
export function startingTable(config: Config): TableService[] {
  const fwmarks = assignFwmarks(config);
  return config.virtualServers.flatMap((vs) => {
    const alpha = new Set(planChecks(vs).checks.filter((c) => c.timing.alpha).map((c) => c.realServer));
    return desiredForVirtualServer(vs, config.virtualServerGroups, (rs: RealServer) => ({ up: !alpha.has(realServerName(rs)) }), true, fwmarkOf(vs, fwmarks));
  });
}

/** The plan's IPVS lines: the operations, then what is unchanged and what is left alone. */
export function ipvsPlanLines(desired: readonly TableService[], kernel: readonly KernelService[]): string[] {
  const wanted = new Set(desired.map((t) => serviceId(t.service.key)));
  const ops = planChanges(
    desired,
    kernel.filter((k) => wanted.has(serviceId(k.service.key))),
  );
  const changed = new Set(ops.map((o) => serviceId('key' in o ? o.key : o.service.key)));
  const lines = ops.map((o) => `ipvs: ${describeOperation(o)}`);
  const unchanged = desired.filter((t) => !changed.has(serviceId(t.service.key))).length;
  lines.push(`ipvs: ${ops.length} operation(s); ${unchanged} service(s) already as the file wants`);
  for (const k of kernel) if (!wanted.has(serviceId(k.service.key))) lines.push(`ipvs: left alone (not in this file): ${serviceName(k.service.key)}`);
  return lines;
}

/**
 * `tandemd --plan`: what starting with this file would change on this machine, without changing
 * it. IPVS: the operations against the running kernel's table (health assumed as at start).
 * Virtual addresses: which each instance would add on becoming MASTER and which are present.
 */
export async function planReport(config: Config): Promise<string[]> {
  const lines: string[] = [];
  const desired = startingTable(config);
  if (desired.length > 0) {
    const ipvs = await openIpvs(config.globalDefs.netNamespaceIpvs);
    if ('client' in ipvs) {
      try {
        lines.push(...ipvsPlanLines(desired, await ipvs.client.table()));
      } finally {
        ipvs.client.close();
      }
    } else {
      lines.push(`ipvs: cannot read this kernel's IPVS (${ipvs.reason}); against an empty table the file would cause:`);
      lines.push(...ipvsPlanLines(desired, []));
    }
  }
  const rtnl = new Rtnl();
  try {
    const links = await rtnl.links();
    for (const i of config.vrrpInstances) {
      for (const v of i.virtualIpaddress) {
        const dev = v.dev ?? i.interface;
        const link = links.find((l) => l.name === dev);
        const vip = `${v.address}/${v.prefix} dev ${dev}`;
        if (link === undefined) {
          lines.push(`vip (${i.name}): ${vip}: no such interface here`);
          continue;
        }
        const want = addressToInetAddr(v.address).toString('hex');
        const present = (await rtnl.addresses(link.index)).some((a) => a.address !== '' && addressToInetAddr(a.address).toString('hex') === want);
        lines.push(`vip (${i.name}): ${vip}: ${present ? 'present now (kept while MASTER, removed otherwise)' : 'added on becoming MASTER'}`);
      }
    }
  } finally {
    rtnl.close();
  }
  return lines;
}
