import type { IntervalHistogram } from 'node:perf_hooks';
import { perfHooksModule } from './builtins.js';

/** An event loop's delay since it started being watched, in milliseconds. */
export interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Where watched (the BFD side): garbage collections since start, and the longest pause in ms. */
  readonly gcPauses?: number;
  readonly gcMaxMs?: number;
}

/**
 * Watches this thread's event loop: how late its timers fire. A VRRP side whose p99 nears the
 * advert interval is about to cost a failover; the figure shows it before it does.
 */
export class LoopDelayMonitor {
  private readonly histogram: IntervalHistogram = perfHooksModule().monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.histogram.enable();
  }

  read(): LoopDelay {
    const ms = (ns: number): number => Math.round((ns / 1e6) * 100) / 100;
    return { p50: ms(this.histogram.percentile(50)), p99: ms(this.histogram.percentile(99)), max: ms(this.histogram.max) };
  }

  stop(): void {
    this.histogram.disable();
  }
}
