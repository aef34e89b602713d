// bfd_no_swap (keepalived's set_process_dont_swap for its bfd child): tandemd's BFD side locks
// its memory, as /proc/PID/status shows (VmLck), at start, after the side is killed and
// restarted, and at a reload that sets it; a reload that drops it unlocks.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { A, B, BfdLab, type TandemdNode } from '../lib/bfd-lab.js';
import { waitFor } from '../lib/sh.js';

const conf = (noSwap: boolean): string => `global_defs {
    router_id tN-tandem
${noSwap ? '    bfd_no_swap\n' : ''}}
bfd_instance to_b {
    neighbor_ip ${B}
    source_ip ${A}
}
`;

async function sidePid(d: TandemdNode): Promise<number> {
  return (await d.ctl<{ sides: { bfd: { pid: number } } }>('stats')).sides.bfd.pid;
}

/** A size line of /proc/PID/status, in kB. */
function statusKb(pid: number, field: 'VmLck' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

const lockedKb = (pid: number): number => statusKb(pid, 'VmLck');

test.serial('bfd_no_swap: the BFD side locks its memory at start, after a restart and at a reload that sets it; a reload without it unlocks', async (t) => {
  const lab = await BfdLab.create('ns', { prefix: 'tN' });
  try {
    const d = await lab.startTandemd(conf(true));
    const pid = await sidePid(d);
    const atStart = await waitFor('VmLck above 0', 5000, () => (lockedKb(pid) > 0 ? lockedKb(pid) : undefined), 50);
    // VmLck counts the locked mappings whole; with MCL_ONFAULT only the pages touched are resident.
    t.log(`VmLck at start: ${atStart} kB, VmRSS ${statusKb(pid, 'VmRSS')} kB`);
    t.true(atStart >= statusKb(pid, 'VmRSS'), `${atStart} kB locked`);
    t.false(d.output().includes('cannot apply bfd_no_swap'), d.output());

    t.deepEqual((await d.reload(conf(false))).errors, []);
    await waitFor('VmLck 0 after a reload without bfd_no_swap', 5000, () => (lockedKb(pid) === 0 ? true : undefined), 50);
    t.log(`unlocked: VmRSS ${statusKb(pid, 'VmRSS')} kB`);

    t.deepEqual((await d.reload(conf(true))).errors, []);
    await waitFor('VmLck above 0 after a reload with bfd_no_swap', 5000, () => (lockedKb(pid) > 0 ? true : undefined), 50);

    process.kill(pid, 'SIGKILL');
    const again = await waitFor('the side restarted', 10_000, async () => {
      const p = await sidePid(d).catch(() => undefined);
      return p !== undefined && p !== pid ? p : undefined;
    }, 100);
    await waitFor('VmLck above 0 in the restarted side', 5000, () => (lockedKb(again) > 0 ? true : undefined), 50);
  } finally {
    await lab.cleanup();
  }
});
