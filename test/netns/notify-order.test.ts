import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, type Daemon } from '../lib/lab.js';
import { run, sleep, waitFor } from '../lib/sh.js';

// The notify FIFO's lines at start, tandemd against keepalived 2.2.7 on the same file: a
// notify_fifo_script (a log shipper, a monitoring hook) reads them in order.

interface Member {
  readonly name: string;
  readonly vrid: number;
  readonly dev: string;
  readonly priority?: number;
  /** A vrrp_script it tracks (weight 0: FAULT while it fails). */
  readonly track?: string;
}

/** vrrp_script blocks the scenarios track: one failing, one that succeeds after 2 s, two starting failed (init_fail), one succeeding, one not. */
const SCRIPTS = `vrrp_script failing {\n    script "/bin/false"\n    interval 1\n    fall 3\n    rise 1\n}\nvrrp_script slow_ok {\n    script "/bin/sleep 2"\n    interval 5\n    timeout 4\n}\nvrrp_script init_fail_ok {\n    script "/bin/true"\n    interval 1\n    init_fail\n}\nvrrp_script init_fail_failing {\n    script "/bin/false"\n    interval 1\n    init_fail\n}\n`;

function conf(fifo: string, reader: string, members: readonly Member[], group: boolean): string {
  const instances = members
    .map((m) => `vrrp_instance ${m.name} {\n    interface ${m.dev}\n    virtual_router_id ${m.vrid}\n    priority ${m.priority ?? 100}\n${m.track !== undefined ? `    track_script {\n        ${m.track}\n    }\n` : ''}    advert_int 1\n    virtual_ipaddress {\n        192.0.2.${m.vrid}/24\n    }\n}\n`)
    .join('');
  const sync = group ? `vrrp_sync_group G {\n    group {\n${members.map((m) => `        ${m.name}\n`).join('')}    }\n}\n` : '';
  return `global_defs {\n    script_user root\n    notify_fifo ${fifo}\n    notify_fifo_script "/bin/sh ${reader}"\n}\n${SCRIPTS}${instances}${sync}`;
}

let runs = 0;

async function startLines(lab: Lab, who: 'tandem' | 'keepalived', text: (fifo: string, reader: string) => string, expect: number): Promise<string[]> {
  const run = `${who}-${++runs}`;
  const fifo = join(lab.dir, `${run}.fifo`);
  const log = join(lab.dir, `${run}.log`);
  const reader = join(lab.dir, `${run}-reader.sh`);
  writeFileSync(reader, `while read -r line; do echo "$line" >> ${log}; done < "$1"\n`);
  const c = text(fifo, reader);
  const d: Daemon = who === 'tandem' ? await lab.startTandem('a', c) : await lab.startKeepalived('a', c);
  try {
    const lines = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter((l) => l !== '') : []);
    // 20 s: keepalived's script and advert timers on a loaded machine (a 10 s wait missed once).
    await waitFor(`${who}'s ${expect} FIFO lines`, 20_000, () => (lines().length >= expect ? true : undefined)).catch(() => undefined);
    await sleep(1000);
    return lines();
  } finally {
    await lab.stopDaemon(d);
  }
}

const A: Member = { name: 'VI_1', vrid: 51, dev: 'eth0' };
const B: Member = { name: 'VI_2', vrid: 52, dev: 'eth0' };
const DOWN: Member = { name: 'VI_2', vrid: 52, dev: 'd0' };

/** Each case: the instances, in a sync group or not, the state of d0 (a second link), and how many lines keepalived writes in its first seconds (the MASTER ones included). */
const SCENARIOS: ReadonlyArray<{ name: string; members: readonly Member[]; group: boolean; d0: 'down' | 'down, no address'; lines: number }> = [
  { name: 'a sync group of BACKUP members is written before its members, then MASTER', members: [A, B], group: true, d0: 'down', lines: 6 },
  { name: 'alone, an interface down', members: [A, DOWN], group: false, d0: 'down', lines: 3 },
  { name: 'alone, an interface down without an address', members: [A, DOWN], group: false, d0: 'down, no address', lines: 3 },
  { name: 'sync group, a member on an interface down', members: [A, DOWN], group: true, d0: 'down', lines: 3 },
  { name: 'sync group, a member on an interface down without an address', members: [A, DOWN], group: true, d0: 'down, no address', lines: 3 },
  { name: 'an address owner and a backup', members: [{ ...A, priority: 255 }, B], group: false, d0: 'down', lines: 3 },
  { name: 'sync group of address owners', members: [{ ...A, priority: 255 }, { ...B, priority: 255 }], group: true, d0: 'down', lines: 6 },
  { name: 'a tracked script failing from the start (fall 3)', members: [A, { ...B, track: 'failing' }], group: false, d0: 'down', lines: 3 },
  { name: 'a tracked script that takes 2 s to succeed', members: [A, { ...B, track: 'slow_ok' }], group: false, d0: 'down', lines: 4 },
  { name: 'sync group, a member tracking a failing script', members: [A, { ...B, track: 'failing' }], group: true, d0: 'down', lines: 2 },
  { name: 'a tracked script with init_fail that succeeds', members: [A, { ...B, track: 'init_fail_ok' }], group: false, d0: 'down', lines: 4 },
  { name: 'a tracked script with init_fail that keeps failing', members: [A, { ...B, track: 'init_fail_failing' }], group: false, d0: 'down', lines: 2 },
  { name: 'sync group, a member tracking a script that takes 2 s', members: [A, { ...B, track: 'slow_ok' }], group: true, d0: 'down', lines: 6 },
];

for (const sc of SCENARIOS) {
  test.serial(`notify FIFO at start: ${sc.name}, as keepalived`, async (t) => {
    const lab = await Lab.create('nf', ['a']);
    try {
      await run('ip', ['-n', lab.ns('a'), 'link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1']);
      if (sc.d0 !== 'down, no address') await run('ip', ['-n', lab.ns('a'), 'addr', 'add', '10.99.0.1/24', 'dev', 'd0']);
      const k = await startLines(lab, 'keepalived', (f, r) => conf(f, r, sc.members, sc.group), sc.lines);
      const m = await startLines(lab, 'tandem', (f, r) => conf(f, r, sc.members, sc.group), sc.lines);
      // The first lines: keepalived writes a waiting instance's FAULT again later, tandem once.
      t.is(k.length >= sc.lines ? sc.lines : k.length, sc.lines, `keepalived wrote ${k.join(', ')}`);
      // In order, sync group members entering MASTER together too: the one whose master-down
      // timer ran out last goes first (tandem's VRRP side fires its timers in deadline order).
      t.deepEqual(m.slice(0, sc.lines), k.slice(0, sc.lines));
    } finally {
      await lab.cleanup();
    }
  });
}
