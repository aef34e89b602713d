import { effectiveTracking, trackedDefaults, type BfdInstance, type TrackFile, type Tracking, type TrackProcess, type VrrpInstance, type VrrpScript } from '@tandem/config';
import type { SnmpType, Varbind } from './snmp-view.js';

// KEEPALIVED-MIB's tracking tables (vrrp 4, 5, 12, 13, 14, 15, 16, 17, 19, 20, 22) as keepalived
// 2.2.7's vrrp_snmp.c fills them: each instance's (or sync group's) tracked items numbered from 1
// in the order of its track_* block (snmp_find_element), and vrrpFileTable over the track_files.
// Which weight a row shows is keepalived's: a script's and an interface's from the track_* line
// (the script's own when the line has none), a file's, a BFD session's and a process's always
// their own block's, whatever the line says. Pure; snmp-view.ts adds the rows to the view.

/** What the tracking tables are made of. */
export interface TrackSources {
  readonly instances: readonly VrrpInstance[];
  readonly syncGroups: ReadonlyArray<{ readonly name: string; readonly members: readonly string[]; readonly tracking?: Tracking; readonly trackingWeight?: boolean }>;
  readonly scripts: readonly VrrpScript[];
  /** The track_files VRRP follows (keepalived's vrrp_track_files), with the value each holds now. */
  readonly files: ReadonlyArray<{ readonly config: TrackFile; readonly value: number }>;
  readonly processes: readonly TrackProcess[];
  /** The process tracks in use: processes counted, quorum or not (vrrpProcessTable's rows). */
  readonly processCounts?: ReadonlyArray<{ readonly name: string; readonly count: number; readonly up: boolean }>;
  readonly bfd: readonly BfdInstance[];
}

/** keepalived's PARAM_MATCH_* numbers (vrrp_track.h) for `param_match`. */
const PARAM_MATCH: Readonly<Record<TrackProcess['paramMatch'], number>> = { none: 0, exact: 1, initial: 2, partial: 3 };

const truth = (b: boolean): number => (b ? 1 : 2);

/** One table's rows for one owner: `columns` are the name, weight and reverse columns. */
function rows(out: Varbind[], table: number, columns: readonly [number, number, number], owner: number, items: ReadonlyArray<{ name: string; weight: number; reverse: boolean }>): void {
  const put = (column: number, n: number, type: SnmpType, value: Varbind['value']): void => void out.push({ oid: [table, 1, column, owner, n], type, value });
  items.forEach((it, i) => {
    put(columns[0], i + 1, 'OctetString', it.name);
    put(columns[1], i + 1, 'Integer', it.weight);
    put(columns[2], i + 1, 'Integer', truth(it.reverse));
  });
}

/** An instance's or group's tracked items of each kind, with keepalived's weights. */
function tracked(t: Tracking, s: TrackSources): Record<TrackedKind, Array<{ name: string; weight: number; reverse: boolean }>> {
  const own = <T extends { readonly name: string; readonly weight: number }>(list: readonly T[], reverse: (x: T) => boolean) => (ref: { readonly name: string }) => {
    const x = list.find((y) => y.name === ref.name);
    return x === undefined ? [] : [{ name: ref.name, weight: x.weight, reverse: reverse(x) }];
  };
  return {
    interfaces: t.trackInterface.map((r) => ({ name: r.name, weight: r.weight ?? 0, reverse: r.reverse })),
    scripts: t.trackScript.flatMap((r) => {
      const sc = s.scripts.find((x) => x.name === r.name);
      return sc === undefined ? [] : [{ name: r.name, weight: r.weight ?? sc.weight, reverse: r.reverse }];
    }),
    files: t.trackFile.flatMap(own(s.files.map((f) => f.config), (f) => f.reverse)),
    bfd: t.trackBfd.flatMap(own(s.bfd, (b) => b.weightReverse)),
    processes: t.trackProcess.flatMap(own(s.processes, (p) => p.reverse)),
  };
}

type TrackedKind = 'interfaces' | 'scripts' | 'files' | 'bfd' | 'processes';

/** The tables of an instance's and of a sync group's tracked items (vrrpTracked* and syncGroupTracked*). */
const INSTANCE_TABLES: Readonly<Record<TrackedKind, number>> = { interfaces: 4, scripts: 5, files: 12, bfd: 17, processes: 20 };
const GROUP_TABLES: Readonly<Record<TrackedKind, number>> = { interfaces: 14, scripts: 15, files: 16, bfd: 19, processes: 22 };

/** One owner's rows in each tracking table; the interface tables have their name in column 1 (keepalived registers {N, 1, 1}). */
function trackedRows(out: Varbind[], tables: Readonly<Record<TrackedKind, number>>, owner: number, t: ReturnType<typeof tracked>): void {
  for (const kind of ['interfaces', 'scripts', 'files', 'bfd', 'processes'] as const) rows(out, tables[kind], kind === 'interfaces' ? [1, 2, 3] : [2, 3, 4], owner, t[kind]);
}

/** Every row of the tracking tables, OIDs relative to `vrrp` (KEEPALIVED-MIB 2). */
export function trackView(s: TrackSources): Varbind[] {
  const out: Varbind[] = [];
  const defaults = trackedDefaults(s.scripts, s.files.map((f) => f.config), s.processes);
  s.instances.forEach((i, n) => {
    // A sync group member without sync_group_tracking_weight, or an address owner, keeps only what
    // keepalived keeps of its own tracked items (vrrp_complete_instance: weighted scripts dropped,
    // interfaces at weight 0, ...), and only those are rows.
    const g = s.syncGroups.find((x) => x.members.includes(i.name));
    const group = g === undefined ? undefined : { name: g.name, syncGroupTrackingWeight: g.trackingWeight === true };
    trackedRows(out, INSTANCE_TABLES, n + 1, tracked(effectiveTracking(i, group, false, defaults).own, s));
  });
  s.syncGroups.forEach((g, n) => {
    if (g.tracking === undefined) return;
    trackedRows(out, GROUP_TABLES, n + 1, tracked(g.tracking, s));
  });
  // vrrpFileTable: vrrpFileResult is the value the file holds (keepalived's last_status).
  s.files.forEach((f, n) => {
    const put = (column: number, type: SnmpType, value: Varbind['value']): void => void out.push({ oid: [13, 1, column, n + 1], type, value });
    put(2, 'OctetString', f.config.name);
    put(3, 'OctetString', f.config.file);
    put(4, 'Integer', f.value);
    put(5, 'Integer', f.config.weight);
    put(6, 'Integer', truth(f.config.reverse));
  });
  // vrrpProcessTable: the delays in microseconds (keepalived's TIMER_HZ), no quorum_max as UINT_MAX (-1 as an INTEGER).
  let row = 0;
  for (const p of s.processes) {
    const c = s.processCounts?.find((x) => x.name === p.name);
    if (c === undefined) continue;
    row++;
    const put = (column: number, type: SnmpType, value: Varbind['value']): void => void out.push({ oid: [21, 1, column, row], type, value });
    put(2, 'OctetString', p.name);
    put(3, 'OctetString', p.process);
    put(4, 'OctetString', p.params.join(' '));
    put(5, 'Integer', PARAM_MATCH[p.paramMatch]);
    put(6, 'Integer', p.weight);
    put(7, 'Integer', truth(p.reverse));
    put(8, 'Gauge32', p.quorum);
    put(9, 'Integer', p.quorumMax >= 0xffffffff ? -1 : p.quorumMax);
    put(10, 'Gauge32', Math.round(p.forkDelay * 1e6));
    put(11, 'Gauge32', Math.round(p.terminateDelay * 1e6));
    put(12, 'Integer', truth(p.fullCommand));
    put(13, 'Integer', c.count);
    put(14, 'Integer', truth(c.up));
  }
  return out;
}
