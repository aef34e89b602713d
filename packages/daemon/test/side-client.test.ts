// The supervisor's handle on the VRRP side, with stand-in sides (small scripts speaking the
// side's protocol): restarts after a death, masters resumed, a side that keeps dying slowed
// down, requests failing cleanly while it is away, and an orderly stop.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VrrpSide } from '../src/vrrp/side-client.js';
import type { VrrpPart } from '../src/index.js';
import { memoryLogger } from './fake-host.js';

/**
 * A stand-in side: answers every request, reports `VI_1` MASTER after start, records each
 * start's `resume` list in `starts.log`, and dies on its own `dieAfterMs` after a start.
 */
function standIn(dieAfterMs: number | undefined, dieOnce = false): { entry: string; starts: () => string[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-side-'));
  const log = join(dir, 'starts.log');
  writeFileSync(log, '');
  const entry = join(dir, 'side.js');
  writeFileSync(
    entry,
    `const fs = require('fs');
process.on('message', (m) => {
  const r = m.request;
  if (r.kind === 'start') {
    fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(r.resume) + '\\n');
    process.send({ kind: 'reply', id: m.id, ok: true, data: null });
    process.send({ kind: 'transition', event: { instance: 'VI_1', from: 'BACKUP', to: 'MASTER', reason: 'test', byGroup: false } });
    ${dieAfterMs !== undefined ? `if (${String(!dieOnce)} || fs.readFileSync(${JSON.stringify(log)}, 'utf8').trim().split('\\n').length === 1) setTimeout(() => process.exit(3), ${dieAfterMs});` : ''}
  } else if (r.kind === 'status') {
    process.send({ kind: 'reply', id: m.id, ok: true, data: { instances: [], syncDaemon: null } });
  } else if (r.kind === 'stop') {
    process.send({ kind: 'reply', id: m.id, ok: true, data: null }, () => process.exit(0));
  }
});
`,
  );
  return { entry, starts: () => readFileSync(log, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as string[]) };
}

// The fake side reads nothing of it; the client applies its vrrp_* settings (here: none, so
// tandem's default, through a fake).
const part = { globalDefs: { vrrpProcess: { noSwap: false } } } as unknown as VrrpPart;
const scheduling = { exec: async (): Promise<void> => undefined, nice: (): void => undefined };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a side that dies is started again; the masters it had resume; a side that keeps dying starts from BACKUP, slower each time', async (t) => {
  const s = standIn(150);
  const log = memoryLogger();
  const side = new VrrpSide({ log, statePath: '/dev/null', detail: false, entry: s.entry, scheduling });
  await side.start(part);
  // Five starts take 1.5 s of waits plus five process starts: seconds on a loaded machine.
  for (const end = Date.now() + 30_000; s.starts().length < 5 && Date.now() < end; ) await sleep(100);
  await side.stop();
  const starts = s.starts();
  t.true(starts.length >= 5, `${starts.length} starts`);
  t.deepEqual(starts[0], [], 'the first start resumes nothing');
  t.deepEqual(starts[1], ['VI_1'], 'after one death the master resumes');
  t.deepEqual(starts[2], ['VI_1'], 'and after a second');
  t.deepEqual(starts[3], [], 'a third death within a minute: from BACKUP');
  const restartLines = log.lines.filter((l) => l.includes('exited with 3; restarting it in'));
  t.deepEqual(restartLines.slice(0, 4).map((l) => Number(/in (\d+) ms/.exec(l)![1])), [100, 200, 400, 800], 'the waits double');
  t.is(side.restarts, restartLines.length);
});

test('while the side is away, requests fail at once and say so; stop ends it in order', async (t) => {
  const s = standIn(50, true);
  const side = new VrrpSide({ log: memoryLogger(), statePath: '/dev/null', detail: false, entry: s.entry, scheduling });
  await side.start(part);
  // The moment it has died (and waits its 100 ms before the restart):
  for (let i = 0; i < 200 && side.restarts === 0; i++) await sleep(5);
  await t.throwsAsync(side.status(), { message: /the VRRP side is restarting/ });
  for (let i = 0; i < 100 && side.restarts === 1 && s.starts().length < 2; i++) await sleep(50);
  await sleep(100);
  t.deepEqual(await side.status(), { instances: [], syncDaemon: null }, 'back after its restart');
  await side.stop();
  t.is(side.pid, undefined);
});

test('a side that cannot start is the start\'s failure, not restarted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-side-'));
  const entry = join(dir, 'side.js');
  writeFileSync(entry, `process.on('message', (m) => process.send({ kind: 'reply', id: m.id, ok: false, error: 'interface eth9 does not exist' }, () => process.exit(1)));\n`);
  const log = memoryLogger();
  const side = new VrrpSide({ log, statePath: '/dev/null', detail: false, entry, scheduling });
  await t.throwsAsync(side.start(part), { message: 'interface eth9 does not exist' });
  await sleep(300);
  t.is(side.restarts, 0);
  t.false(log.lines.some((l) => l.includes('restarting')));
});
