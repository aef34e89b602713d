import { effectiveTracking, sameValue, trackedDefaults, trackedInUse, type SyncGroup, type TrackedDefaults, type TrackFile, type Tracking, type TrackProcess, type VrrpInstance, type VrrpScript } from '@tandem/config';
import type { LinkInfo } from '@tandem/net';
import type { Clock } from '@tandem/vrrp';
import { FileMonitor } from '../file-monitor.js';
import type { Logger } from '../logger.js';
import { preparedOrDisabled, ScriptUnavailable, vrrpScriptRef, type ScriptExec, type ScriptPreparer } from '../script-prep.js';
import { trackedPriority, type TrackedItem } from '../tracking-rules.js';
import type { ProcessSource } from './host.js';
import { ProcessWatch } from './process-watch.js';
import { ScriptMonitor } from './script-monitor.js';

// keepalived's vrrp_track.c: the vrrp_scripts, track_files and vrrp_track_processes the instances and sync groups
// watch, and what they make of an instance's priority.

/** A tracked vrrp_script as keepalived reports it: INIT before its first result, then GOOD or BAD. */
export interface ScriptStatus {
  readonly name: string;
  readonly status: 'INIT' | 'GOOD' | 'BAD';
  readonly running: boolean;
}

/** The scripts and files one configuration has the instances and groups track. */
export interface TrackerSources {
  readonly vrrpInstances: readonly VrrpInstance[];
  readonly syncGroups: readonly SyncGroup[];
  readonly vrrpScripts: readonly VrrpScript[];
  readonly trackFiles: readonly TrackFile[];
  readonly trackProcesses: readonly TrackProcess[];
}

/**
 * The monitors of tracked scripts and files. A change of any verdict calls `onChange` with
 * what changed, and the service recomputes the instances that track it.
 */
export class Trackers {
  private readonly scripts = new Map<string, ScriptMonitor>();
  private readonly files = new Map<string, FileMonitor>();
  private readonly processes: ProcessWatch;

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly exec: ScriptExec,
    private readonly onChange: (kind: 'trackScript' | 'trackFile' | 'trackProcess', name: string) => void,
    processes: ProcessSource,
  ) {
    this.processes = new ProcessWatch(processes, clock, log.child({ module: 'track_process' }), (name) => onChange('trackProcess', name));
  }

  /**
   * Makes the monitors `sources` uses: one whose definition did not change is kept with its
   * history, a new or changed one is made (not started: the caller starts what this returns
   * once the instances are in place), one no longer used is stopped. A script that cannot be
   * found is disabled with a warning, as keepalived disables it; throws for one that must not
   * run (validation has refused such a file already: see scriptProblems).
   */
  sync(sources: TrackerSources, prepare: ScriptPreparer): Array<{ start(): void }> {
    const fresh: Array<{ start(): void }> = [];
    const scripts = new Map(sources.vrrpScripts.map((s) => [s.name, s]));
    const files = new Map(sources.trackFiles.map((f) => [f.name, f]));
    const all: Tracking[] = [...sources.vrrpInstances.map((i) => i.tracking), ...sources.syncGroups.map((g) => g.tracking)];
    // What keepalived's corrections leave tracked: a script only a dropped reference names does not run.
    const inUse = trackedInUse(sources.vrrpInstances, sources.syncGroups, trackedDefaults(sources.vrrpScripts, sources.trackFiles, sources.trackProcesses));
    const usedScripts = new Set([...inUse.scripts].filter((n) => scripts.has(n)));
    const usedFiles = new Set([...inUse.files].filter((n) => files.has(n)));
    // Processes are counted at once (a scan of /proc), so that an instance starts with the right verdict.
    const usedProcesses = new Set(all.flatMap((t) => t.trackProcess.map((r) => r.name)));
    this.processes.sync(sources.trackProcesses.filter((p) => usedProcesses.has(p.name)));
    for (const [name, mon] of this.scripts) {
      if (usedScripts.has(name) && sameValue(mon.script, scripts.get(name))) continue;
      mon.stop();
      mon.removeAllListeners();
      this.scripts.delete(name);
    }
    for (const [name, mon] of this.files) {
      if (usedFiles.has(name) && sameValue(mon.track, files.get(name))) continue;
      mon.stop();
      mon.removeAllListeners();
      this.files.delete(name);
    }
    for (const name of usedScripts) {
      if (this.scripts.has(name)) continue;
      const script = scripts.get(name)!;
      const prepared = preparedOrDisabled(prepare, vrrpScriptRef(script.script, script.user));
      if (prepared instanceof ScriptUnavailable) {
        // keepalived: "Disabling track script NAME since not found/accessible"; its track_script lines count for nothing.
        this.log.warn(`vrrp_script ${name} disabled: ${prepared.message}`);
        continue;
      }
      const mon = new ScriptMonitor(script, prepared, this.log.child({ module: 'script' }), this.clock, this.exec);
      mon.on('change', () => this.onChange('trackScript', name));
      this.scripts.set(name, mon);
      fresh.push(mon);
    }
    for (const name of usedFiles) {
      if (this.files.has(name)) continue;
      const mon = new FileMonitor(files.get(name)!, this.log.child({ module: 'track_file' }));
      mon.on('change', () => this.onChange('trackFile', name));
      this.files.set(name, mon);
      fresh.push(mon);
    }
    return fresh;
  }

  /**
   * What an instance tracks, with each item's verdict now: its own track_* and its sync
   * group's, with keepalived's weights (`effectiveTracking`: a sync group member without
   * sync_group_tracking_weight, or an address owner, drops its own weighted scripts and
   * counts its weighted interfaces at 0; the group's items keep theirs unless a member is
   * an owner).
   */
  items(instance: VrrpInstance, group: SyncGroup | undefined, links: ReadonlyMap<string, LinkInfo>, groupHasOwner = false, starting = false): TrackedItem[] {
    const { own, group: groupTracking } = effectiveTracking(instance, group, groupHasOwner, this.defaults);
    const items: TrackedItem[] = [];
    for (const t of groupTracking !== undefined ? [own, groupTracking] : [own]) {
      for (const ref of t.trackScript) {
        const mon = this.scripts.get(ref.name);
        if (mon === undefined) continue;
        items.push({ kind: 'script', name: ref.name, ok: mon.ok, weight: ref.weight ?? mon.script.weight, reverse: ref.reverse || mon.script.reverse, ...(starting && mon.pending ? { pending: true } : {}), ...(starting && mon.neverUp ? { quiet: true } : {}) });
      }
      for (const ref of t.trackFile) {
        const mon = this.files.get(ref.name);
        if (mon === undefined) continue;
        items.push({ kind: 'file', name: ref.name, ok: true, weight: ref.weight ?? mon.track.weight, reverse: ref.reverse || mon.track.reverse, value: mon.value });
      }
      for (const ref of t.trackProcess) {
        const track = this.processes.track(ref.name);
        if (track === undefined) continue;
        items.push({ kind: 'process', name: ref.name, ok: this.processes.up(ref.name), weight: ref.weight ?? track.weight, reverse: ref.reverse || track.reverse });
      }
      for (const ref of t.trackInterface) {
        items.push({ kind: 'interface', name: ref.name, ok: links.get(ref.name)?.up ?? false, weight: ref.weight ?? 0, reverse: ref.reverse });
      }
    }
    return items;
  }

  /** The weights the tracked objects give when a reference names none. */
  private readonly defaults: TrackedDefaults = {
    scriptWeight: (name) => this.scripts.get(name)?.script.weight,
    fileWeight: (name) => this.files.get(name)?.track.weight,
    processWeight: (name) => this.processes.track(name)?.weight,
  };

  /** The instance's effective priority and the first tracked fault, if any; `extra`: items tracked elsewhere (BFD sessions). */
  evaluate(instance: VrrpInstance, group: SyncGroup | undefined, links: ReadonlyMap<string, LinkInfo>, extra: readonly TrackedItem[] = [], groupHasOwner = false, starting = false): { priority: number; fault: string | undefined; held: string | undefined } {
    return trackedPriority(instance.priority, [...this.items(instance, group, links, groupHasOwner, starting), ...extra]);
  }

  /** Each tracked vrrp_script's verdict, as keepalived's dump and the exporters show it. */
  scriptStatus(): ScriptStatus[] {
    return [...this.scripts.values()].map((m) => ({ name: m.script.name, status: m.runs === 0 ? 'INIT' : m.ok ? 'GOOD' : 'BAD', running: m.running }));
  }

  /** The value each followed track_file holds now (KEEPALIVED-MIB's vrrpFileResult). */
  fileValues(): Array<{ name: string; value: number }> {
    return [...this.files.values()].map((m) => ({ name: m.track.name, value: m.value }));
  }

  /** The process tracks in use: the processes counted and whether each has its quorum. */
  processCounts(): Array<{ name: string; count: number; up: boolean }> {
    return this.processes.counts();
  }

  /** Subscribes to the kernel's process events when a vrrp_track_process is in use (where there are none, polls). */
  openProcessEvents(): Promise<void> {
    return this.processes.open();
  }

  stop(): void {
    for (const m of this.scripts.values()) m.stop();
    for (const m of this.files.values()) m.stop();
    this.processes.stop();
  }
}

/** Whether `instance` (or its sync group) tracks the item `name` of `kind`. */
export function tracks(instance: VrrpInstance, group: SyncGroup | undefined, kind: 'trackScript' | 'trackFile' | 'trackInterface' | 'trackProcess', name: string): boolean {
  return instance.tracking[kind].some((r) => r.name === name) || (group?.tracking[kind].some((r) => r.name === name) ?? false);
}
