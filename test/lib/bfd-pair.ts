// A tandem pair in the failover lab (test/lib/lab.ts) with a BFD session between the two
// directors and tandem's fast takeover (`@tandem bfd_takeover`): the files, and a wait for
// the session to be Up at both ends before a fault is made.
import { vrrpConf } from './configs.js';
import { VIP, type Setting } from './failover-run.js';
import { TANDEMCTL, type Daemon, type Lab } from './lab.js';
import { run, waitFor } from './sh.js';

/** BFD timers of the pair's session. */
export interface BfdTimers {
  readonly intervalMs: number;
  readonly multiplier: number;
}

/**
 * Director `d`'s file: the pair's instance (Setting), a bfd_instance `peer` to the other
 * director, `@tandem bfd_takeover peer`, and the BFD side at real-time priority.
 */
export function bfdPairConf(lab: Lab, s: Setting, timers: BfdTimers) {
  return (d: 'a' | 'b', priority: number): string => {
    const other = d === 'a' ? 'b' : 'a';
    return (
      vrrpConf({
        priority,
        advertInt: s.advertInt,
        vips: [`${VIP}/24`],
        ...(s.version === 3 ? { version: 3 as const } : {}),
        globalLines: ['bfd_rt_priority 10'],
        instanceLines: ['@tandem bfd_takeover peer'],
      }) +
      `bfd_instance peer {\n    neighbor_ip ${lab.address(other)}\n    source_ip ${lab.address(d)}\n    min_rx ${timers.intervalMs}\n    min_tx ${timers.intervalMs}\n    multiplier ${timers.multiplier}\n}\n`
    );
  };
}

/** Resolves once both directors' sessions `peer` are Up (tandemctl status). */
export async function bfdPairUp(a: Daemon, b: Daemon, timeoutMs = 15_000): Promise<void> {
  const up = async (d: Daemon): Promise<boolean> => {
    const s = JSON.parse(await run('node', [TANDEMCTL, '--socket', d.socket, 'status', '--json'])) as { bfd?: Array<{ name: string; state: string }> };
    return s.bfd?.find((x) => x.name === 'peer')?.state === 'Up';
  };
  await waitFor('the BFD session Up at both directors', timeoutMs, async () => ((await up(a)) && (await up(b)) ? true : undefined), 100);
}
