// The VRRP service on fake hosts and a fake clock: elections, sync groups, tracking, reloads
// and restarts, as a pair of directors would live them, without root or real time.
import test from 'ava';
import { diff } from '@tandem/config';
import type { PreparedScript, ScriptOutcome } from '@tandem/healthcheck';
import { FakeClock } from '@tandem/vrrp';
import { VrrpService, vrrpPartOf, type VrrpPart } from '../src/index.js';
import { FakeHost, FakeSegment, configFrom, instanceText, memoryLogger, runClock, settle } from './fake-host.js';

/** `vrrp_instance` text; `extra` lines go inside the block. */
function instance(name: string, vrid: number, priority: number, vip: string, extra: readonly string[] = []): string {
  return instanceText(name, vrid, priority, { vip, extra });
}

/** A fake script runner whose outcome the test sets per script path. */
function fakeExec(): { exec: (s: PreparedScript) => Promise<ScriptOutcome>; results: Map<string, boolean> } {
  const results = new Map<string, boolean>();
  return {
    results,
    exec: async (s) => ({ code: results.get(s.text) === false ? 1 : 0, signal: null, timedOut: false, output: '' }),
  };
}

interface Director {
  readonly host: FakeHost;
  readonly service: VrrpService;
  part: VrrpPart;
  readonly lines: string[];
  state(name: string): string | undefined;
}

async function director(segment: FakeSegment, clock: FakeClock, address: string, text: string, exec = fakeExec().exec, resume: readonly string[] = []): Promise<Director> {
  const host = new FakeHost(segment, address);
  const log = memoryLogger();
  const service = new VrrpService({ host, clock, log, exec });
  const part = vrrpPartOf(configFrom(text));
  await service.start(part, new Set(resume));
  await settle();
  return { host, service, part, lines: log.lines, state: (name) => service.status().find((i) => i.name === name)?.state };
}

const run = (clock: FakeClock, ms: number): Promise<void> => runClock(clock, ms);

test('two directors elect the higher priority; only the master holds the VIP; a cut link moves it', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const a = await director(seg, clock, '192.0.2.11', instance('VI_1', 51, 150, '192.0.2.100'));
  const b = await director(seg, clock, '192.0.2.12', instance('VI_1', 51, 100, '192.0.2.100'));
  await run(clock, 5000);
  t.is(a.state('VI_1'), 'MASTER');
  t.is(b.state('VI_1'), 'BACKUP');
  t.deepEqual([...a.host.addresses], ['192.0.2.100/24']);
  t.deepEqual([...b.host.addresses], []);
  a.host.setLink(false);
  await run(clock, 4000);
  t.is(a.state('VI_1'), 'FAULT');
  t.is(b.state('VI_1'), 'MASTER');
  t.deepEqual([...a.host.addresses], [], 'a faulted director holds nothing');
  t.deepEqual([...b.host.addresses], ['192.0.2.100/24']);
});

test('a start into BACKUP clears the VIP an earlier run left on the interface', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const host = new FakeHost(seg, '192.0.2.12');
  host.addresses.add('192.0.2.100/24');
  const service = new VrrpService({ host, clock, log: memoryLogger() });
  await service.start(vrrpPartOf(configFrom(instance('VI_1', 51, 100, '192.0.2.100'))));
  await settle();
  t.is(service.status()[0]?.state, 'BACKUP');
  t.deepEqual([...host.addresses], []);
});

test('a resumed start (the VRRP side restarted while MASTER) is MASTER at once and keeps the peer BACKUP', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const b = await director(seg, clock, '192.0.2.12', instance('VI_1', 51, 100, '192.0.2.100'));
  await run(clock, 1000);
  const a = await director(seg, clock, '192.0.2.11', instance('VI_1', 51, 150, '192.0.2.100'), undefined, ['VI_1']);
  t.is(a.state('VI_1'), 'MASTER', 'no Master_Down_Interval wait');
  await run(clock, 5000);
  t.is(b.state('VI_1'), 'BACKUP', 'the backup never took over');
  t.deepEqual([...b.host.addresses], []);
});

const group = (name: string, members: readonly string[], extra: readonly string[] = []): string =>
  `vrrp_sync_group ${name} {\n    group {\n${members.map((m) => `        ${m}`).join('\n')}\n    }\n${extra.map((l) => `    ${l}`).join('\n')}\n}\n`;

test('sync group: one member\'s tracked failure faults the whole group on that director, and the peer takes every member', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const scripts = fakeExec();
  const tracked = `vrrp_script chk {\n    script "/bin/true"\n    interval 1\n    fall 1\n    rise 1\n}\n`;
  const conf = (prio: number, track: boolean): string =>
    `${tracked}${group('G', ['VI_1', 'VI_2'])}${instance('VI_1', 51, prio, '192.0.2.100', track ? ['track_script {', '    chk', '}'] : [])}${instance('VI_2', 52, prio, '192.0.2.200')}`;
  const a = await director(seg, clock, '192.0.2.11', conf(150, true), scripts.exec);
  const b = await director(seg, clock, '192.0.2.12', conf(100, false));
  await run(clock, 5000);
  t.deepEqual([a.state('VI_1'), a.state('VI_2')], ['MASTER', 'MASTER']);
  scripts.results.set('/bin/true', false);
  await run(clock, 5000);
  t.deepEqual([a.state('VI_1'), a.state('VI_2')], ['FAULT', 'FAULT'], 'VI_2 follows its group into FAULT');
  t.deepEqual([b.state('VI_1'), b.state('VI_2')], ['MASTER', 'MASTER']);
  t.true(a.lines.some((l) => l.includes('sync group G: VI_1')), 'the group fault names the member');
  scripts.results.set('/bin/true', true);
  await run(clock, 6000);
  t.deepEqual([a.state('VI_1'), a.state('VI_2')], ['MASTER', 'MASTER'], 'recovered, the higher priority preempts with the whole group');
  t.deepEqual([b.state('VI_1'), b.state('VI_2')], ['BACKUP', 'BACKUP']);
});

test('sync group: a backup that loses only one member\'s master keeps the whole group BACKUP (no split)', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const conf = (prio: number): string => `${group('G', ['VI_1', 'VI_2'])}${instance('VI_1', 51, prio, '192.0.2.100')}${instance('VI_2', 52, prio, '192.0.2.200')}`;
  const a = await director(seg, clock, '192.0.2.11', conf(150));
  const b = await director(seg, clock, '192.0.2.12', conf(100));
  await run(clock, 5000);
  // The switch drops VRID 51's adverts from a: b's VI_1 hears no master, its VI_2 still does.
  seg.drop = (payload, src) => src === '192.0.2.11' && payload[1] === 51;
  await run(clock, 10_000);
  t.deepEqual([b.state('VI_1'), b.state('VI_2')], ['BACKUP', 'BACKUP']);
  t.deepEqual([a.state('VI_1'), a.state('VI_2')], ['MASTER', 'MASTER']);
  // Both masters gone: now the group moves, all members together.
  a.host.setLink(false);
  await run(clock, 5000);
  t.deepEqual([b.state('VI_1'), b.state('VI_2')], ['MASTER', 'MASTER']);
});

test('sync group: a member\'s own weighted script is ignored (keepalived drops it), while the group\'s own weighted script moves the priority', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const scripts = fakeExec();
  const ran = new Set<string>();
  const exec = (s: PreparedScript): Promise<ScriptOutcome> => (ran.add(s.text), scripts.exec(s));
  const script = (name: string): string => `vrrp_script ${name} {\n    script "/bin/true ${name}"\n    interval 1\n    weight -60\n    fall 1\n    rise 1\n}\n`;
  const conf = (prio: number): string =>
    `${script('own')}${script('shared')}${group('G', ['VI_1', 'VI_2'], ['track_script {', '    shared', '}'])}${instance('VI_1', 51, prio, '192.0.2.100', ['track_script {', '    own', '}'])}${instance('VI_2', 52, prio, '192.0.2.200')}`;
  const a = await director(seg, clock, '192.0.2.11', conf(150), exec);
  const b = await director(seg, clock, '192.0.2.12', conf(100));
  await run(clock, 5000);
  t.deepEqual([a.state('VI_1'), a.state('VI_2')], ['MASTER', 'MASTER']);
  t.deepEqual([...ran], ['/bin/true shared'], 'the dropped script is not run at all ("script own is not used", keepalived says)');
  scripts.results.set('/bin/true own', false);
  await run(clock, 5000);
  t.deepEqual(a.service.status().map((i) => [i.state, i.effectivePriority]), [['MASTER', 150], ['MASTER', 150]], 'the member\'s own weighted script counts for nothing');
  scripts.results.set('/bin/true shared', false);
  await run(clock, 8000);
  t.deepEqual(a.service.status().map((i) => i.effectivePriority), [90, 90], 'the group\'s script weighs on every member');
  t.deepEqual([b.state('VI_1'), b.state('VI_2')], ['MASTER', 'MASTER'], 'the peer preempts the whole group');
});

test('tracking: a weighted script lowers the priority and the peer preempts; its recovery takes the role back', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const scripts = fakeExec();
  const tracked = `vrrp_script chk {\n    script "/bin/true"\n    interval 1\n    weight -60\n    fall 2\n    rise 2\n}\n`;
  const a = await director(seg, clock, '192.0.2.11', tracked + instance('VI_1', 51, 150, '192.0.2.100', ['track_script {', '    chk', '}']), scripts.exec);
  const b = await director(seg, clock, '192.0.2.12', instance('VI_1', 51, 100, '192.0.2.100'));
  await run(clock, 5000);
  t.is(a.state('VI_1'), 'MASTER');
  scripts.results.set('/bin/true', false);
  await run(clock, 8000);
  t.is(a.service.status()[0]?.effectivePriority, 90);
  t.is(b.state('VI_1'), 'MASTER');
  t.is(a.state('VI_1'), 'BACKUP');
  scripts.results.set('/bin/true', true);
  await run(clock, 5000);
  t.is(a.state('VI_1'), 'MASTER');
});

test('tracking: a script that does not exist is disabled with a warning, as keepalived disables it: the instance is not in FAULT for it', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const tracked = `vrrp_script chk {\n    script "/nonexistent/chk.sh"\n    interval 1\n    fall 1\n}\n`;
  const a = await director(seg, clock, '192.0.2.11', tracked + instance('VI_1', 51, 150, '192.0.2.100', ['track_script {', '    chk', '}']));
  await run(clock, 5000);
  t.is(a.state('VI_1'), 'MASTER');
  t.true(a.lines.some((l) => /vrrp_script chk disabled: .*\/nonexistent\/chk\.sh is not an executable file/.test(l)), a.lines.join('\n'));
});

test('reload: a priority change is applied in place without a transition; a tracked script added by the reload runs', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const scripts = fakeExec();
  const first = configFrom(instance('VI_1', 51, 150, '192.0.2.100'));
  const a = await director(seg, clock, '192.0.2.11', instance('VI_1', 51, 150, '192.0.2.100'), scripts.exec);
  await run(clock, 5000);
  t.is(a.state('VI_1'), 'MASTER');
  const becameMaster = a.service.stats().instances.VI_1!.becameMaster;
  const second = configFrom(instance('VI_1', 51, 120, '192.0.2.100'));
  const r1 = await a.service.reload(vrrpPartOf(first), vrrpPartOf(second), diff(first, second));
  t.deepEqual(r1.updated, ['VI_1']);
  t.is(a.state('VI_1'), 'MASTER');
  t.is(a.service.stats().instances.VI_1!.becameMaster, becameMaster, 'no transition');
  // A tracked script added by the reload runs: unweighted and failing, it faults the instance.
  const third = configFrom(`vrrp_script chk {\n    script "/bin/true"\n    interval 1\n    fall 1\n}\n${instance('VI_1', 51, 120, '192.0.2.100', ['track_script {', '    chk', '}'])}`);
  scripts.results.set('/bin/true', false);
  const r2 = await a.service.reload(vrrpPartOf(second), vrrpPartOf(third), diff(second, third));
  t.deepEqual(r2.restarted, ['VI_1'], 'tracking is not a live field');
  await run(clock, 3000);
  t.is(a.state('VI_1'), 'FAULT');
});

test('SNMP SETs: a lower base priority (tracking on top) lets the peer preempt, nopreempt set through SNMP holds the role, 255 freezes the effective priority, and a reload puts the file back', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const scripts = fakeExec();
  const tracked = `vrrp_script chk {\n    script "/bin/true"\n    interval 1\n    weight 10\n}\n`;
  const text = tracked + instance('VI_1', 51, 150, '192.0.2.100', ['track_script {', '    chk', '}']);
  const a = await director(seg, clock, '192.0.2.11', text, scripts.exec);
  const b = await director(seg, clock, '192.0.2.12', instance('VI_1', 51, 120, '192.0.2.100'));
  await run(clock, 5000);
  t.is(a.state('VI_1'), 'MASTER');
  t.is(a.service.status()[0]?.effectivePriority, 160);
  t.true(await a.service.setBasePriority('VI_1', 100));
  t.false(await a.service.setBasePriority('VI_9', 100), 'no such instance');
  t.is(a.service.status()[0]?.priority, 100, 'the base priority served');
  t.is(a.service.status()[0]?.effectivePriority, 110, 'the tracked weight on top of the new base');
  await run(clock, 4000);
  t.is(b.state('VI_1'), 'MASTER', 'the peer (120) preempts a master advertising 110');
  t.is(a.state('VI_1'), 'BACKUP');
  // b without preemption keeps the role even when a takes a higher priority back.
  t.true(await b.service.setPreempt('VI_1', false));
  t.false(b.service.status()[0]?.preempt);
  t.true(await a.service.setBasePriority('VI_1', 200));
  t.true(await a.service.setPreempt('VI_1', false));
  await run(clock, 5000);
  t.is(b.state('VI_1'), 'MASTER', 'a (210, nopreempt by SNMP) does not preempt');
  // 255 without being a configured owner: keepalived leaves the effective priority where it was.
  t.true(await a.service.setBasePriority('VI_1', 255));
  t.is(a.service.status()[0]?.priority, 255);
  t.is(a.service.status()[0]?.effectivePriority, 210);
  // A reload (even one that changes nothing of VI_1) puts the file's priority and preemption back.
  const part = vrrpPartOf(configFrom(text));
  await a.service.reload(part, part, diff(configFrom(text), configFrom(text)));
  t.is(a.service.status()[0]?.priority, 150);
  t.is(a.service.status()[0]?.effectivePriority, 160);
  t.true(a.service.status()[0]?.preempt);
  await run(clock, 5000);
  t.is(a.state('VI_1'), 'MASTER', 'preempting again with 160 against 120');
  t.true(a.lines.some((l) => l.includes('(VI_1) base priority changed from 150 to 100 via SNMP.')), 'keepalived\'s log line');
});

test('the VRRP part of a configuration holds what the side runs, and no virtual servers', (t) => {
  const c = configFrom(`${instance('VI_1', 51, 150, '192.0.2.100')}virtual_server 192.0.2.100 80 {\n    real_server 198.51.100.1 80 {\n    }\n}\n`);
  const part = vrrpPartOf(c);
  t.deepEqual(Object.keys(part).sort(), ['bfdInstances', 'globalDefs', 'syncGroups', 'trackFiles', 'trackProcesses', 'vrrpInstances', 'vrrpScripts']);
  t.is(part.vrrpInstances.length, 1);
});

/** The notify FIFO lines of a director started on `text` (its link down first when `linkDown`), after `ms`. */
async function startLines(text: string, ms: number, linkDown = false): Promise<string[]> {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  if (linkDown) host.setLink(false);
  const service = new VrrpService({ host, clock, log: memoryLogger() });
  const lines: string[] = [];
  service.onNotifyLine = (l) => lines.push(l);
  await service.start(vrrpPartOf(configFrom(text)));
  await settle();
  await run(clock, ms);
  await service.stop();
  return lines.filter((l) => !l.includes('STOP') && !l.includes('INIT'));
}

test('start order as keepalived writes it (the netns oracle compares with keepalived itself): a sync group BACKUP before its members, an address owner MASTER after the others enter BACKUP', async (t) => {
  const grouped = await startLines(group('G', ['VI_1', 'VI_2']) + instance('VI_1', 51, 100, '192.0.2.100') + instance('VI_2', 52, 100, '192.0.2.200'), 5000);
  t.deepEqual(grouped.slice(0, 3), ['GROUP "G" BACKUP 0', 'INSTANCE "VI_1" BACKUP 100', 'INSTANCE "VI_2" BACKUP 100']);
  // Which member goes MASTER first follows the timers (same instant on the fake clock): the oracle checks it.
  t.deepEqual(grouped.slice(3, 5).sort(), ['INSTANCE "VI_1" MASTER 100', 'INSTANCE "VI_2" MASTER 100']);
  t.is(grouped[5], 'GROUP "G" MASTER 0');
  t.deepEqual(await startLines(instance('VI_1', 51, 255, '192.0.2.100') + instance('VI_2', 52, 100, '192.0.2.200'), 100), ['INSTANCE "VI_2" BACKUP 100', 'INSTANCE "VI_1" MASTER 255']);
  t.deepEqual(await startLines(group('G', ['VI_1', 'VI_2']) + instance('VI_1', 51, 255, '192.0.2.100') + instance('VI_2', 52, 255, '192.0.2.200'), 100), [
    'GROUP "G" BACKUP 0',
    'INSTANCE "VI_1" BACKUP 255',
    'INSTANCE "VI_2" BACKUP 255',
  ], 'owners in a sync group wait an advert interval in BACKUP, as keepalived');
});

test('a link down at start: FAULT straight away, never BACKUP first; in a sync group every member, then the group', async (t) => {
  t.deepEqual(await startLines(instance('VI_1', 51, 100, '192.0.2.100'), 5000, true), ['INSTANCE "VI_1" FAULT 100']);
  t.deepEqual(await startLines(group('G', ['VI_1', 'VI_2']) + instance('VI_1', 51, 100, '192.0.2.100') + instance('VI_2', 52, 255, '192.0.2.200'), 5000, true), [
    'INSTANCE "VI_1" FAULT 100',
    'INSTANCE "VI_2" FAULT 255',
    'GROUP "G" FAULT 0',
  ]);
});

test('a tracked script before its first result: the instance waits in FAULT without a word; the first failure is told as FAULT (fall does not apply), a first success lets it start', async (t) => {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  const outcomes = new Map<string, { ms: number; ok: boolean }>([
    ['/bin/false', { ms: 50, ok: false }],
    ['/bin/sleep 2', { ms: 2000, ok: true }],
  ]);
  const exec = (s: PreparedScript): Promise<ScriptOutcome> => {
    const o = outcomes.get(s.text)!;
    return new Promise((resolve) => clock.setTimer(o.ms, () => resolve({ code: o.ok ? 0 : 1, signal: null, timedOut: false, output: '' })));
  };
  const scripts = 'vrrp_script failing {\n    script "/bin/false"\n    interval 1\n    fall 3\n}\nvrrp_script slow {\n    script "/bin/sleep 2"\n    interval 5\n    timeout 4\n}\n';
  const service = new VrrpService({ host, clock, log: memoryLogger(), exec });
  const lines: string[] = [];
  service.onNotifyLine = (l) => lines.push(l);
  const text = scripts + instance('VI_1', 51, 100, '192.0.2.100', ['track_script {', '    failing', '}']) + instance('VI_2', 52, 100, '192.0.2.200', ['track_script {', '    slow', '}']) + instance('VI_3', 53, 100, '192.0.2.30');
  await service.start(vrrpPartOf(configFrom(text)));
  await settle();
  t.deepEqual(lines, ['INSTANCE "VI_3" BACKUP 100'], 'nothing of the instances waiting for their scripts');
  t.deepEqual(service.status().map((i) => i.state), ['FAULT', 'FAULT', 'BACKUP']);
  await run(clock, 100);
  t.deepEqual(lines, ['INSTANCE "VI_3" BACKUP 100', 'INSTANCE "VI_1" FAULT 100'], 'one failure is enough before the first result, as keepalived');
  await run(clock, 2000);
  t.deepEqual(lines.slice(2), ['INSTANCE "VI_2" BACKUP 100']);
  await run(clock, 5000);
  t.deepEqual(service.status().map((i) => i.state), ['FAULT', 'MASTER', 'MASTER'], 'the failing one never took its address');
  t.false(host.addresses.has('192.0.2.100/24'));
  await service.stop();
});

test('a VRRP side resumed as MASTER counts its weighted scripts as passing until they report (as before the restart): a peer of a priority between does not preempt it', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const slow = (s: PreparedScript): Promise<ScriptOutcome> => new Promise((resolve) => clock.setTimer(s.text.includes('sleep') ? 2000 : 0, () => resolve({ code: 0, signal: null, timedOut: false, output: '' })));
  const script = 'vrrp_script chk {\n    script "/bin/sleep 1"\n    interval 5\n    timeout 4\n    weight 60\n}\n';
  const b = await director(seg, clock, '192.0.2.12', instance('VI_1', 51, 140, '192.0.2.100'));
  await run(clock, 1000);
  const a = await director(seg, clock, '192.0.2.11', script + instance('VI_1', 51, 100, '192.0.2.100', ['track_script {', '    chk', '}']), slow, ['VI_1']);
  t.is(a.service.status()[0]?.effectivePriority, 160);
  await run(clock, 5000);
  t.is(a.state('VI_1'), 'MASTER');
  t.is(b.state('VI_1'), 'BACKUP', 'the peer (140) never preempted a master advertising 160');
});

test('notify_master_rx_lower_pri: a master that hears a master of lower priority (a split healing) runs it and writes MASTER_RX_LOWER_PRI to the FIFO, at each such advert; the backup side does not', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const ran: string[] = [];
  const exec = async (s: PreparedScript): Promise<ScriptOutcome> => {
    ran.push(s.text);
    return { code: 0, signal: null, timedOut: false, output: '' };
  };
  const text = (priority: number): string => `global_defs {\n  script_user root\n}\n${instance('VI_1', 51, priority, '192.0.2.100', ['notify_master_rx_lower_pri /bin/true'])}`;
  const a = await director(seg, clock, '192.0.2.11', text(150), exec);
  const b = await director(seg, clock, '192.0.2.12', text(100), exec);
  const aLines: string[] = [];
  const bLines: string[] = [];
  a.service.onNotifyLine = (l) => aLines.push(l);
  b.service.onNotifyLine = (l) => bLines.push(l);
  await run(clock, 5000);
  t.deepEqual([a.state('VI_1'), b.state('VI_1')], ['MASTER', 'BACKUP']);
  t.deepEqual(ran, []);
  // The segment splits: both are MASTER. It heals: a hears b's lower-priority adverts, and b steps down.
  seg.drop = () => true;
  await run(clock, 5000);
  t.deepEqual([a.state('VI_1'), b.state('VI_1')], ['MASTER', 'MASTER']);
  seg.drop = () => false;
  await run(clock, 3000);
  t.deepEqual([a.state('VI_1'), b.state('VI_1')], ['MASTER', 'BACKUP']);
  t.true(ran.length >= 1 && ran.every((r) => r === '/bin/true'), ran.join(', '));
  t.is(aLines.filter((l) => l === 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150').length, ran.length);
  t.false(bLines.some((l) => l.includes('RX_LOWER')));
  t.true(a.lines.some((l) => /received advert from 192\.0\.2\.12 with lower priority 100, ours 150, forcing new election/.test(l)), a.lines.join('\n'));
});
