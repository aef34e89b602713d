// The supervisor's handle on the BFD side, with stand-in sides (small scripts speaking the
// side's protocol): events passed on only when the reported state changes, a side that dies
// restarted and counted, and a session that was Up kept Up across the restart when it comes
// back in time, reported Down when it does not.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BfdInstance } from '@tandem/config';
import { BfdSide } from '../src/bfd/side-client.js';
import type { BfdSessionEvent } from '../src/bfd/protocol.js';
import { memoryLogger } from './fake-host.js';

/**
 * A stand-in BFD side: at its first start it reports session b1 Up (twice: a repeat), then
 * dies; at later starts it reports b1 Up again only with `upAgain` (with 'flap', Up, Down at
 * once, then Up again: a peer that timed out meanwhile finishing its recovery). Every start is
 * logged.
 */
function standIn(upAgain: boolean | 'flap'): { entry: string; starts: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bfd-side-'));
  const log = join(dir, 'starts.log');
  writeFileSync(log, '');
  const entry = join(dir, 'side.js');
  const up = `process.send({ kind: 'session', name: 'b1', up: true, diag: 0, detectMs: 150, sentAt: Date.now() });`;
  const down = `process.send({ kind: 'session', name: 'b1', up: false, diag: 3, detectMs: 150, sentAt: Date.now() });`;
  writeFileSync(
    entry,
    `const fs = require('fs');
process.on('message', (m) => {
  const r = m.request;
  if (r.kind === 'start') {
    fs.appendFileSync(${JSON.stringify(log)}, 'start\\n');
    const first = fs.readFileSync(${JSON.stringify(log)}, 'utf8').trim().split('\\n').length === 1;
    process.send({ kind: 'reply', id: m.id, ok: true, data: null });
    if (first) {
      setTimeout(() => { ${up} ${up} }, 20);
      setTimeout(() => process.exit(3), 100);
    } else if (${String(upAgain === true)}) setTimeout(() => { ${up} }, 300);
    else if (${String(upAgain === 'flap')}) {
      setTimeout(() => { ${up} }, 300);
      setTimeout(() => { ${down} }, 310);
      setTimeout(() => { ${up} }, 1200);
    }
  } else if (r.kind === 'stop') {
    process.send({ kind: 'reply', id: m.id, ok: true, data: null }, () => process.exit(0));
  }
});
`,
  );
  return { entry, starts: () => readFileSync(log, 'utf8').trim().split('\n').filter((l) => l !== '').length };
}

const session: BfdInstance = {
  name: 'b1',
  pos: { file: 'k.conf', line: 1, col: 1 },
  neighborIp: '192.0.2.2',
  family: 4,
  minRxUs: 50_000,
  minTxUs: 50_000,
  idleTxUs: 1_000_000,
  multiplier: 3,
  passive: false,
  ttl: 255,
  multihop: false,
  maxHops: 0,
  weight: 0,
  weightReverse: false,
  vrrp: true,
  checker: true,
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

for (const upAgain of [true, false, 'flap'] as const) {
  const what = upAgain === 'flap' ? 'Up, Down and Up again within the grace time (the peer settling), is never reported Down' : upAgain ? 'Up again within the grace time, is never reported Down' : 'not Up again, is reported Down after multiplier x idle_tx (at least 3 s)';
  test(`a BFD side that dies is restarted; b1, Up before, ${what}`, async (t) => {
    const s = standIn(upAgain);
    const log = memoryLogger();
    const side = new BfdSide({ log, detail: false, entry: s.entry, scheduling: { exec: async () => undefined, nice: () => undefined } });
    const events: BfdSessionEvent[] = [];
    side.onSession = (e) => events.push(e);
    await side.start([session], { noSwap: false });
    for (let i = 0; i < 100 && (side.restarts === 0 || s.starts() < 2); i++) await sleep(50);
    t.is(side.restarts, 1);
    t.deepEqual(side.reportedStates(), { b1: true }, 'kept Up while the side restarts');
    await sleep(3500);
    t.deepEqual(
      events.map((e) => e.up),
      upAgain !== false ? [true] : [true, false],
      'a repeated Up is not passed on',
    );
    t.deepEqual(side.reportedStates(), { b1: upAgain !== false });
    if (upAgain === false) t.true(log.lines.some((l) => l.includes("(b1) BFD session not Up 3000 ms after the BFD side's restart: reported Down")));
    t.true(log.lines.some((l) => l.includes('BFD side (pid') && l.includes('exited with 3; restarting it in 100 ms (restart 1)')));
    await side.stop();
    t.is(side.pid, undefined);
  });
}
