import type { GlobalDefs } from '@tandem/config';
import { tmpDir, SIGNUMS } from './cli.js';
import { formatData, formatJson, formatStats, keepalivedCounters, type InstanceDump, type KeepalivedCounters, type ScriptDump } from './keepalived-dumps.js';
import type { Logger } from './logger.js';
import { writePrivateFile } from './private-files.js';
import { onSignalNumber } from './rt-signals.js';

/** What the dumps are made of, read when a signal comes. */
export type DumpSource = () => Promise<{ readonly instances: readonly InstanceDump[]; readonly globals: GlobalDefs; readonly scripts?: readonly ScriptDump[] }>;

export interface DumpPaths {
  readonly data: string;
  readonly stats: string;
  readonly json: string;
}

/**
 * Where a dump goes, by keepalived's rule for `state_dump_file` (global_data.c open_dump_file):
 * an absolute path is taken as it is, one ending in `/` is a directory for the default name, and
 * a relative one is a name in $TMPDIR (absolute) or /tmp. Without the keyword, the default name
 * there, as keepalived 2.2.7 writes it.
 */
function dumpPath(dir: string, given: string | undefined, name: string): string {
  if (given === undefined || given === '') return `${dir}/${name}`;
  if (given.endsWith('/')) return `${given.startsWith('/') ? given.replace(/\/+$/, '') : `${dir}/${given.replace(/\/+$/, '')}`}/${name}`;
  return given.startsWith('/') ? given : `${dir}/${given}`;
}

/** The three dump files: `state_dump_file`, `stats_dump_file`, `json_dump_file`, or keepalived's names in $TMPDIR or /tmp. */
export function dumpPaths(files: GlobalDefs['dumpFiles'] = {}, env: NodeJS.ProcessEnv = process.env): DumpPaths {
  const dir = tmpDir(env);
  return {
    data: dumpPath(dir, files.state, 'keepalived.data'),
    stats: dumpPath(dir, files.stats, 'keepalived.stats'),
    json: dumpPath(dir, files.json, 'keepalived.json'),
  };
}

/** Counters less what they were at the last STATS_CLEAR, so the file starts from zero as keepalived's does. */
function since(c: KeepalivedCounters, base: KeepalivedCounters | undefined): KeepalivedCounters {
  if (base === undefined) return c;
  const out = { ...c };
  for (const k of Object.keys(out) as (keyof KeepalivedCounters)[]) out[k] = Math.max(0, (c[k] ?? 0) - (base[k] ?? 0));
  return out;
}

/**
 * keepalived's signals and files: SIGUSR1 → keepalived.data, SIGUSR2 → keepalived.stats,
 * SIGRTMIN+2 (`--signum=JSON`) → keepalived.json, SIGRTMAX-1 (`--signum=STATS_CLEAR`) →
 * keepalived.stats, then its counters start again from zero (tandem's own counters, in
 * `tandemctl stats` and the metrics, keep counting). Each file is written for root only,
 * never through a link (private-files.ts).
 */
export class KeepalivedSignals {
  private readonly cleared = new Map<string, KeepalivedCounters>();
  private readonly closers: (() => void)[] = [];

  constructor(
    private readonly source: DumpSource,
    private readonly log: Logger,
    /** Fixed paths (tests); by default the running file's `*_dump_file` keywords decide at each signal. */
    private readonly fixedPaths?: DumpPaths,
  ) {}

  private paths(globals: GlobalDefs): DumpPaths {
    return this.fixedPaths ?? dumpPaths(globals.dumpFiles);
  }

  install(): void {
    const on = (sig: 'SIGUSR1' | 'SIGUSR2', f: () => Promise<void>): void => {
      const h = (): void => void f();
      process.on(sig, h);
      this.closers.push(() => process.off(sig, h));
    };
    on('SIGUSR1', () => this.writeData());
    on('SIGUSR2', () => this.writeStats(false));
    for (const [name, f] of [['JSON', () => this.writeJson()], ['STATS_CLEAR', () => this.writeStats(true)]] as const) {
      const stop = onSignalNumber(SIGNUMS[name]!, () => void f());
      if (stop === undefined) this.log.warn(`this Node cannot listen to signal ${SIGNUMS[name]!} (--signum=${name}); tandemctl dump and stats give the same figures`);
      else this.closers.push(stop);
    }
  }

  close(): void {
    for (const c of this.closers.splice(0)) c();
  }

  private write(path: string, text: string): void {
    try {
      writePrivateFile(path, text);
      this.log.info(`wrote ${path}`);
    } catch (err) {
      this.log.error(`cannot write ${path}: ${(err as Error).message}`);
    }
  }

  private counters(d: InstanceDump): KeepalivedCounters {
    return since(keepalivedCounters(d), this.cleared.get(d.config.name));
  }

  async writeData(): Promise<void> {
    const { instances, globals, scripts } = await this.source();
    this.write(this.paths(globals).data, formatData(instances, globals, true, scripts));
  }

  async writeStats(clear: boolean): Promise<void> {
    const { instances, globals } = await this.source();
    this.write(this.paths(globals).stats, formatStats(instances, (d) => this.counters(d)));
    if (clear) for (const d of instances) this.cleared.set(d.config.name, keepalivedCounters(d));
  }

  async writeJson(): Promise<void> {
    const { instances, globals, scripts } = await this.source();
    this.write(this.paths(globals).json, formatJson(instances, globals, (d) => this.counters(d), scripts));
  }
}
