// One failover as a client sees it, shared by the failover and steadiness benchmarks: fresh
// daemons, an election, the master's link cut, and the longest gap in the client's answers.
import { Lab, longestGap, type Daemon } from './lab.js';
import { vrrpConf, type LabInstance } from './configs.js';
import { sleep, waitFor } from './sh.js';

export type Impl = 'tandem' | 'keepalived';
export const VIP = '192.0.2.100';

export interface Setting {
  readonly label: string;
  readonly version: 2 | 3;
  readonly advertInt: number;
}

export function pairConf(s: Setting, priority: number): string {
  const o: LabInstance = { priority, advertInt: s.advertInt, vips: [`${VIP}/24`], ...(s.version === 3 ? { version: 3 as const } : {}) };
  return vrrpConf(o);
}

export const startDaemon = (lab: Lab, impl: Impl, d: string, text: string): Promise<Daemon> => (impl === 'tandem' ? lab.startTandem(d, text) : lab.startKeepalived(d, text));

/** What a failover run may change: each director's file, and a wait for the pair to be ready before the cut. */
export interface FailoverOptions {
  /** The file of director `d` at `priority` (default: pairConf). */
  readonly confOf?: (d: 'a' | 'b', priority: number) => string;
  /** Runs once `a` holds the address, before the probe starts (e.g. waits for BFD sessions to be Up). */
  readonly ready?: (a: Daemon, b: Daemon) => Promise<void>;
}

/**
 * Fresh daemons on `a` (150) and `b` (100), then `a`'s link cut: right after one of its
 * adverts (`after-advert`, the worst phase) or at a random point of the advert cycle
 * (`random`, what an operator meets; or a given fraction of the cycle, so two daemons can be
 * cut at the same phases). Returns the client's longest gap in ms. The lab must have
 * responders running.
 */
export async function failoverOnce(lab: Lab, impl: Impl, s: Setting, phase: 'after-advert' | 'random' | number, o: FailoverOptions = {}): Promise<number> {
  const confOf = o.confOf ?? ((_d: 'a' | 'b', priority: number) => pairConf(s, priority));
  const a = await startDaemon(lab, impl, 'a', confOf('a', 150));
  const b = await startDaemon(lab, impl, 'b', confOf('b', 100));
  try {
    await lab.waitHolder(VIP, 'a', 15_000);
    await o.ready?.(a, b);
    const probe = lab.startProber(VIP, 2);
    await waitFor('client reaching a', 5000, () => (probe.answers.some((x) => x.from === 'a') ? true : undefined));
    await sleep(300);
    await lab.nextAdvertFrom('a');
    if (phase !== 'after-advert') await sleep((phase === 'random' ? Math.random() : phase) * s.advertInt * 1000);
    const cutAt = Date.now();
    await lab.cut('a');
    await waitFor('client reaching b', 15_000, () => (probe.answers.some((x) => x.from === 'b' && x.sentAt > cutAt) ? true : undefined));
    await probe.stop();
    return longestGap(probe.answers, cutAt - 20).gapMs;
  } finally {
    await lab.restore('a');
    await Promise.all([lab.stopDaemon(a), lab.stopDaemon(b)]);
    for (const d of lab.directors) await lab.flushAddress(d, VIP);
  }
}

/**
 * `n` random phases (fractions of the advert cycle), one in each n-th of it, in random order:
 * a few cuts still cover the whole cycle, and two daemons cut at the same phases differ by
 * what they do, not by where in the cycle the dice put their cuts.
 */
export function randomPhases(n: number): number[] {
  const phases = Array.from({ length: n }, (_, i) => (i + Math.random()) / n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [phases[i], phases[j]] = [phases[j]!, phases[i]!];
  }
  return phases;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** A markdown table. */
export function markdownTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: readonly string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return `${line(rows[0]!)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.slice(1).map(line).join('\n')}\n`;
}
