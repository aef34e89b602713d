import { serviceId } from './describe.js';
import { IpvsError } from './errors.js';
import { applyPlan, type IpvsApplier, planChanges, type ReconcileReport } from './reconcile.js';
import type { TableService } from './types.js';

/**
 * Keeps the kernel's IPVS equal to a desired table for the services it owns, and leaves every
 * other service alone (another tool's, or another daemon's). It reads the kernel once, then
 * plans against what it last programmed, so a health change costs one operation and no dump;
 * after any refusal or failure it reads the kernel again before the next change. Calls are
 * serialised and coalesced: while one sync runs, only the latest desired table waits.
 */
export class TableKeeper {
  private programmed: TableService[] | undefined;
  /** Services this keeper created or was asked for: the ones it may change or delete. */
  private owned = new Set<string>();
  private running: Promise<ReconcileReport> | undefined;
  private queued: { desired: readonly TableService[]; waiters: Array<{ resolve: (r: ReconcileReport) => void; reject: (e: unknown) => void }> } | undefined;

  /**
   * `owned`: services (by serviceId) an earlier run of the daemon created and may have left
   * behind after a crash; the first sync deletes those the desired table no longer has.
   */
  constructor(
    private readonly ipvs: IpvsApplier,
    owned: Iterable<string> = [],
  ) {
    this.owned = new Set(owned);
  }

  /** Services (by serviceId) this keeper owns. */
  ownedIds(): ReadonlySet<string> {
    return this.owned;
  }

  /** Makes the owned part of the kernel equal `desired`; services owned before and absent now are deleted. */
  sync(desired: readonly TableService[]): Promise<ReconcileReport> {
    if (this.running === undefined) {
      this.running = this.run(desired).finally(() => this.next());
      return this.running;
    }
    return new Promise((resolve, reject) => {
      if (this.queued === undefined) this.queued = { desired, waiters: [] };
      this.queued.desired = desired;
      this.queued.waiters.push({ resolve, reject });
    });
  }

  /** The operations a sync to `desired` would apply now, when the keeper knows the kernel's table without reading it (nothing is applied). */
  plan(desired: readonly TableService[]): number | undefined {
    if (this.programmed === undefined || this.running !== undefined) return undefined;
    return planChanges(desired, this.programmed).length;
  }

  /** Forgets what was programmed: the next sync reads the kernel first (after a reload, or on demand). */
  invalidate(): void {
    this.programmed = undefined;
  }

  private next(): void {
    this.running = undefined;
    const q = this.queued;
    if (q === undefined) return;
    this.queued = undefined;
    this.running = this.run(q.desired).finally(() => this.next());
    this.running.then(
      (r) => q.waiters.forEach((w) => w.resolve(r)),
      (e: unknown) => q.waiters.forEach((w) => w.reject(e)),
    );
  }

  private async run(desired: readonly TableService[]): Promise<ReconcileReport> {
    const wanted = new Set(desired.map((t) => serviceId(t.service.key)));
    const scope = new Set([...this.owned, ...wanted]);
    try {
      const base = this.programmed ?? (await this.ipvs.table()).filter((t) => scope.has(serviceId(t.service.key)));
      const report = await applyPlan(this.ipvs, planChanges(desired, base.filter((t) => scope.has(serviceId(t.service.key)))));
      this.owned = wanted;
      this.programmed = report.failed.length === 0 ? [...desired] : undefined;
      return report;
    } catch (err) {
      this.programmed = undefined;
      throw err instanceof IpvsError ? err : new IpvsError('IPVS_ERR_SOCKET', 'sync the IPVS table', String(err));
    }
  }
}
