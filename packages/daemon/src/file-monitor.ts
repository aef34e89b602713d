import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { TrackFile } from '@tandem/config';
import type { Logger } from './logger.js';

/** The number in a tracked file: its first integer; a missing or unreadable file counts as 0, as in keepalived. */
export function readTrackedValue(path: string): number {
  try {
    const m = /-?\d+/.exec(readFileSync(path, 'utf8'));
    return m === null ? 0 : Number(m[0]);
  } catch {
    return 0;
  }
}

/** Watches one `track_file` and emits 'change' when its value changes. */
export class FileMonitor extends EventEmitter<{ change: [number] }> {
  private current: number;
  private watcher: FSWatcher | undefined;

  constructor(
    readonly track: TrackFile,
    private readonly log: Logger,
  ) {
    super();
    const init = track.initFile;
    if (init !== undefined && (init.overwrite || !existsSync(track.file))) writeFileSync(track.file, `${init.value}\n`);
    this.current = readTrackedValue(track.file);
  }

  get value(): number {
    return this.current;
  }

  /** Watches the directory, so that a file replaced by rename (as editors and scripts do) is still seen. */
  start(): void {
    const name = basename(this.track.file);
    try {
      this.watcher = watch(dirname(this.track.file), (_event, changed) => {
        if (changed !== null && changed !== name) return;
        const v = readTrackedValue(this.track.file);
        if (v === this.current) return;
        this.current = v;
        this.log.info(`track_file ${this.track.name}: ${this.track.file} now holds ${v}`);
        this.emit('change', v);
      });
      this.watcher.on('error', (err) => this.log.warn(`track_file ${this.track.name}: ${err.message}`));
    } catch (err) {
      this.log.error(`track_file ${this.track.name}: cannot watch ${dirname(this.track.file)}: ${(err as Error).message}`);
    }
  }

  stop(): void {
    this.watcher?.close();
  }
}
