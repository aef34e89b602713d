import { groupOf, type Config, type NftablesIpvs, type VirtualServer } from '@tandem/config';
import { groupEntryRange } from './ipvs-table.js';

// keepalived's nftables_ipvs (check/check_nftables.c, check/ipvswrapper.c), as pure functions:
// which virtual servers become fwmark services, the fwmark each gets, and the nftables tables
// that mark their group's addresses and ports. The shell that runs `nft` is ipvs-nftables.ts.

/** The fwmarks given out: per `group|protocol`, and the next one (keepalived's next_fwmark never goes back). */
export interface AutoFwmarks {
  readonly marks: ReadonlyMap<string, number>;
  readonly next: number;
}

const markKey = (vs: VirtualServer): string | undefined => (vs.key.kind === 'group' ? `${vs.key.group}|${vs.protocol}` : undefined);

/**
 * The fwmark of each `virtual_server group NAME` whose group has no fwmark entry (keepalived:
 * `list_empty(&vs->vsg->vfwmark)`), one per group and protocol (its vsg->auto_fwmark[proto]),
 * given in the file's order from nftables_ipvs_start_fwmark on. A reload keeps the marks of the
 * groups still there (ipwrapper.c copies old_vs's auto_fwmark) and gives new ones fresh marks.
 */
export function assignFwmarks(config: Config, previous?: AutoFwmarks): AutoFwmarks | undefined {
  const settings = config.globalDefs.nftablesIpvs;
  if (settings === undefined) return undefined;
  const marks = new Map<string, number>();
  let next = previous?.next ?? settings.startFwmark;
  for (const vs of config.virtualServers) {
    const key = markKey(vs);
    if (key === undefined || marks.has(key)) continue;
    const group = groupOf(vs, config.virtualServerGroups);
    if (group === undefined || group.entries.some((e) => e.kind === 'fwmark') || !group.entries.some((e) => e.kind === 'address')) continue;
    const kept = previous?.marks.get(key);
    marks.set(key, kept ?? next++);
  }
  return { marks, next };
}

/** The fwmark nftables_ipvs gave a virtual server, if any. */
export function fwmarkOf(vs: VirtualServer, fwmarks: AutoFwmarks | undefined): number | undefined {
  const key = markKey(vs);
  return key === undefined ? undefined : fwmarks?.marks.get(key);
}

/** One element of a family's protocol map: addresses `first`-`last`, a destination port, the mark. */
interface MapElement {
  readonly first: string;
  readonly last: string;
  readonly port: number;
  readonly mark: number;
}

const FAMILIES = [
  { family: 4, table: 'ip', addr: 'ipv4_addr', daddr: 'ip daddr' },
  { family: 6, table: 'ip6', addr: 'ipv6_addr', daddr: 'ip6 daddr' },
] as const;

/** keepalived's ipvs_map_name and the header each map's rule reads the port from. */
const PROTOCOLS = [
  { protocol: 'TCP', map: 'tcp_map', header: 'tcp' },
  { protocol: 'UDP', map: 'udp_map', header: 'udp' },
  { protocol: 'SCTP', map: 'sctp_map', header: 'sctp' },
] as const;

/**
 * The `nft -f` script that makes the kernel's nftables hold exactly what nftables_ipvs wants,
 * in one transaction: each family's table (`ip TABLE`, `ip6 TABLE`) is dropped and made again
 * when it has elements, and dropped when it has none. The layout is keepalived's: a chain `in`
 * on the input hook at nftables_ipvs_priority (before IPVS, which hooks input at
 * NF_IP_PRI_NAT_SRC - 2), one interval map per protocol (`tcp_map`: `ipv4_addr .
 * inet_service : mark`), and per map the rule `meta mark set ip daddr . tcp dport map @tcp_map
 * return`. With `nftables_counters`, the maps and rules count (keepalived's add_counter and
 * NFTNL_SET_EXPR).
 */
export function nftablesIpvsScript(settings: NftablesIpvs, config: Config, fwmarks: AutoFwmarks | undefined): string {
  const t = settings.table;
  const fw = config.globalDefs.vrrpFirewall;
  const counter = fw.kind === 'nftables' && fw.counters ? ' counter' : '';
  const byMap = new Map<string, MapElement[]>();
  for (const vs of config.virtualServers) {
    const mark = fwmarkOf(vs, fwmarks);
    if (mark === undefined || vs.key.kind !== 'group') continue;
    const name = vs.key.group;
    const group = config.virtualServerGroups.find((g) => g.name === name);
    for (const e of group?.entries ?? []) {
      if (e.kind !== 'address') continue;
      const { first, last } = groupEntryRange(e);
      const key = `${e.family}|${vs.protocol}`;
      const list = byMap.get(key) ?? [];
      // keepalived adds each element once per group, whichever virtual servers share it.
      if (!list.some((x) => x.first === first && x.last === last && x.port === (e.port ?? 0))) list.push({ first, last, port: e.port ?? 0, mark });
      byMap.set(key, list);
    }
  }
  const lines: string[] = [];
  for (const f of FAMILIES) {
    lines.push(`add table ${f.table} ${t}`, `delete table ${f.table} ${t}`);
    // In the order keepalived makes them: a map (and its rule) when its first element comes.
    const maps = [...byMap].flatMap(([key, elements]) => {
      const p = PROTOCOLS.find((x) => key === `${f.family}|${x.protocol}`);
      return p === undefined ? [] : [{ ...p, elements }];
    });
    if (maps.length === 0) continue;
    lines.push(`table ${f.table} ${t} {`);
    for (const m of maps) {
      const elements = m.elements.map((x) => `${x.first === x.last ? x.first : `${x.first}-${x.last}`} . ${x.port} : ${x.mark}`).join(', ');
      lines.push(`  map ${m.map} { type ${f.addr} . inet_service : mark; flags interval;${counter === '' ? '' : ' counter;'} elements = { ${elements} } }`);
    }
    lines.push(`  chain in {`, `    type filter hook input priority ${settings.priority}; policy accept;`);
    for (const m of maps) lines.push(`    meta l4proto ${m.header} meta mark set ${f.daddr} . ${m.header} dport map @${m.map}${counter} return`);
    lines.push('  }', '}');
  }
  return `${lines.join('\n')}\n`;
}

/** The `nft -f` script that removes nftables_ipvs's tables (at stop, or when a reload drops it). */
export function nftablesIpvsRemoval(table: string): string {
  return `${FAMILIES.flatMap((f) => [`add table ${f.table} ${table}`, `delete table ${f.table} ${table}`]).join('\n')}\n`;
}
