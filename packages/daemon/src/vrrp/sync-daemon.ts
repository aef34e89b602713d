import type { LvsSyncDaemon } from '@tandem/config';
import { IpvsError, type IpvsClient, type SyncDaemon, type SyncState } from '@tandem/ipvs';
import type { VrrpState } from '@tandem/vrrp';
import type { Logger } from '../logger.js';

/**
 * The kernel's connection-sync daemon as keepalived drives it: with an instance, the master
 * daemon runs while that instance is MASTER and the backup daemon otherwise (so the backup
 * director holds the master's connections when it takes over); without one, both run for as
 * long as tandemd does. Changes are serialised; a refused change is logged, never fatal.
 */
export class SyncDaemonControl {
  private chain: Promise<void> = Promise.resolve();
  private running = new Set<SyncState>();
  private lastError: string | undefined;

  constructor(
    private readonly ipvs: IpvsClient,
    private readonly config: LvsSyncDaemon,
    /** The followed instance's VRID: keepalived's default sync id. */
    private readonly vrid: number | undefined,
    private readonly log: Logger,
  ) {}

  private daemon(state: SyncState): SyncDaemon {
    const c = this.config;
    return {
      state,
      interface: c.interface,
      syncId: c.syncId ?? this.vrid ?? 0,
      ...(c.maxlen !== undefined ? { maxlen: c.maxlen } : {}),
      ...(c.group !== undefined ? { group: c.group } : {}),
      ...(c.port !== undefined ? { port: c.port } : {}),
      ...(c.ttl !== undefined ? { ttl: c.ttl } : {}),
    };
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(work, work);
    return this.chain;
  }

  private async startRole(state: SyncState): Promise<void> {
    const d = this.daemon(state);
    try {
      await this.ipvs.startDaemon(d);
    } catch (err) {
      // One left by an earlier run may carry other settings: replace it.
      if (!(err instanceof IpvsError) || err.errno !== 'EEXIST') throw err;
      await this.ipvs.stopDaemon(state);
      await this.ipvs.startDaemon(d);
    }
    this.running.add(state);
    this.log.info(`IPVS sync daemon ${state} started on ${d.interface}, sync id ${d.syncId}`);
  }

  private async stopRole(state: SyncState): Promise<void> {
    try {
      await this.ipvs.stopDaemon(state);
      this.log.info(`IPVS sync daemon ${state} stopped`);
    } catch (err) {
      if (!(err instanceof IpvsError) || err.errno !== 'ESRCH') throw err;
    }
    this.running.delete(state);
  }

  private guarded(what: string, work: () => Promise<void>): Promise<void> {
    return this.enqueue(async () => {
      try {
        await work();
        this.lastError = undefined;
      } catch (err) {
        this.lastError = `${what}: ${(err as Error).message}`;
        this.log.error(`IPVS sync daemon: ${this.lastError}`);
      }
    });
  }

  /** At start: both roles without an instance; the backup role with one (instances start as BACKUP). */
  start(): Promise<void> {
    if (this.config.instance === undefined) {
      return this.guarded('start', async () => {
        await this.startRole('master');
        await this.startRole('backup');
      });
    }
    return this.follow('BACKUP');
  }

  /** A transition of the followed instance: MASTER runs the master daemon, every other state the backup. */
  follow(state: VrrpState): Promise<void> {
    if (this.config.instance === undefined) return Promise.resolve();
    const want: SyncState = state === 'MASTER' ? 'master' : 'backup';
    const other: SyncState = want === 'master' ? 'backup' : 'master';
    return this.guarded(`switch to ${want}`, async () => {
      if (this.running.has(other)) await this.stopRole(other);
      if (!this.running.has(want)) await this.startRole(want);
    });
  }

  /** What `tandemctl status` shows: the roles running now and where. */
  status(): { readonly interface: string; readonly syncId: number; readonly instance: string | null; readonly running: SyncState[]; readonly error?: string } {
    return {
      interface: this.config.interface,
      syncId: this.config.syncId ?? this.vrid ?? 0,
      instance: this.config.instance ?? null,
      running: [...this.running].sort(),
      ...(this.lastError !== undefined ? { error: this.lastError } : {}),
    };
  }

  /** At stop: whatever runs is stopped. */
  stop(): Promise<void> {
    return this.guarded('stop', async () => {
      for (const s of [...this.running]) await this.stopRole(s);
    });
  }
}
