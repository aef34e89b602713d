import { EventEmitter } from 'node:events';
import type { VrrpScript } from '@tandem/config';
import type { PreparedScript } from '@tandem/healthcheck';
import type { Clock, Timer } from '@tandem/vrrp';
import type { Logger } from '../logger.js';
import type { ScriptExec } from '../script-prep.js';
import { nextScriptVerdict, type ScriptVerdict } from '../tracking-rules.js';

/**
 * Runs one `vrrp_script` every `interval` (never two runs at once) and keeps
 * its rise/fall verdict; emits 'change' when the verdict flips.
 */
export class ScriptMonitor extends EventEmitter<{ change: [boolean] }> {
  private verdict: ScriptVerdict;
  private timer: Timer | undefined;
  private stopped = false;

  constructor(
    readonly script: VrrpScript,
    private readonly prepared: PreparedScript,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly exec: ScriptExec,
  ) {
    super();
    this.verdict = { ok: !script.initFail, streak: 0 };
  }

  get ok(): boolean {
    return this.verdict.ok;
  }

  /** Finished runs so far (none yet: keepalived's INIT status). */
  runs = 0;

  /** No run has finished and the script does not start failed (init_fail): keepalived's INIT. */
  get pending(): boolean {
    return this.runs === 0 && !this.script.initFail;
  }

  /**
   * Started failed (init_fail), and has neither failed a run nor passed since: keepalived tells
   * nothing of it until its first failure (FAULT) or its verdict turns good (BACKUP).
   */
  get neverUp(): boolean {
    return this.script.initFail && !this.verdict.ok && !this.wasUp && !this.failedRun;
  }

  private wasUp = false;
  private failedRun = false;
  /** A run is under way (keepalived's `State = running`). */
  running = false;

  start(): void {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(delayMs, () => void this.runOnce());
  }

  private async runOnce(): Promise<void> {
    const started = this.clock.now();
    const intervalMs = this.script.interval * 1000;
    this.running = true;
    const outcome = await this.exec(this.prepared, (this.script.timeout ?? this.script.interval) * 1000);
    this.running = false;
    this.runs++;
    if (this.stopped) return;
    const success = outcome.code === 0 && !outcome.timedOut;
    if (!success) {
      const why = outcome.timedOut ? `timed out after ${this.script.timeout ?? this.script.interval} s (process group killed)` : outcome.error ?? (outcome.signal !== null ? `killed by ${outcome.signal}` : `exit ${outcome.code}`);
      this.log.debug(`vrrp_script ${this.script.name}: ${why}${outcome.output !== '' ? `: ${outcome.output}` : ''}`);
    }
    // keepalived (vrrp_init_script): before its first result a script is one run from either
    // verdict, so the first run decides ("one success is enough"), whatever rise and fall say.
    const first = this.runs === 1 && !this.script.initFail;
    const next = first ? { ok: success, streak: 0 } : nextScriptVerdict(this.verdict, success, this.script.rise, this.script.fall);
    const changed = next.ok !== this.verdict.ok;
    this.verdict = next;
    if (next.ok) this.wasUp = true;
    const firstFailure = !success && !this.failedRun;
    if (!success) this.failedRun = true;
    if (changed) this.log.info(`vrrp_script ${this.script.name} is now ${next.ok ? 'up' : 'down'}${success ? '' : outcome.output !== '' ? `: ${outcome.output}` : ''}`);
    // The first result is news even when it agrees with the assumed verdict, and so is an init_fail
    // script's first failure: instances wait for them.
    if (changed || first || (firstFailure && this.script.initFail)) this.emit('change', next.ok);
    this.schedule(Math.max(0, started + intervalMs - this.clock.now()));
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }
}
