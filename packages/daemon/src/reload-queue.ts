/** Reloads asked for, and what became of them (tandemctl stats: daemon.reloads). */
export interface ReloadCounters {
  applied: number;
  refused: number;
  /** Asked for while one ran and another already waited: folded into the waiting one. */
  coalesced: number;
}

/**
 * Serialises and coalesces reloads: one runs at a time; whatever asks while it runs (SIGHUPs,
 * tandemctl) shares one more run after it, which reads the file as it is then. A storm of
 * signals costs at most two reloads, never one per signal.
 */
export class ReloadQueue<T extends { readonly applied: boolean }> {
  private running: Promise<T> | undefined;
  private queued: Promise<T> | undefined;
  readonly counters: ReloadCounters = { applied: 0, refused: 0, coalesced: 0 };

  constructor(
    private readonly run: () => Promise<T>,
    /** After each run, whatever its outcome (the daemon schedules its memory release here). */
    private readonly after: () => void = () => undefined,
  ) {}

  request(): Promise<T> {
    if (this.queued !== undefined) {
      this.counters.coalesced++;
      return this.queued;
    }
    if (this.running === undefined) return (this.running = this.once());
    this.queued = this.running.then(() => {
      this.queued = undefined;
      return (this.running = this.once());
    });
    return this.queued;
  }

  /** True while a reload runs or waits. */
  get busy(): boolean {
    return this.running !== undefined || this.queued !== undefined;
  }

  /** Settles once no reload runs or waits (whatever their outcome): a stop waits here so it never races one. */
  async idle(): Promise<void> {
    while (this.running !== undefined || this.queued !== undefined) await (this.queued ?? this.running)!.catch(() => undefined);
  }

  private async once(): Promise<T> {
    try {
      const r = await this.run();
      if (r.applied) this.counters.applied++;
      else this.counters.refused++;
      return r;
    } finally {
      this.running = undefined;
      this.after();
    }
  }
}
