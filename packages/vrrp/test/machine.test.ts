import test from 'ava';
import {
  initialState,
  masterDownIntervalMs,
  skewTimeMs,
  step,
  type InstanceParams,
  type MachineAction,
  type MachineEvent,
  type MachineState,
} from '../src/index.js';

const v2: InstanceParams = {
  version: 2,
  family: 4,
  priority: 100,
  intervalCs: 100,
  preempt: true,
  preemptDelayMs: 0,
  startState: 'BACKUP',
  primaryAddress: '192.0.2.10',
  downTimerAdverts: 3,
  higherPrioSendAdvert: false,
};
const v3: InstanceParams = { ...v2, version: 3, intervalCs: 10 };

function run(p: InstanceParams, events: Array<[number, MachineEvent]>): { s: MachineState; actions: MachineAction[]; next: number | undefined } {
  let s = initialState(p);
  let actions: MachineAction[] = [];
  let next: number | undefined;
  for (const [now, e] of events) {
    const r = step(p, s, e, now);
    s = r.state;
    actions = [...r.actions];
    next = r.nextTimer;
  }
  return { s, actions, next };
}

const kinds = (a: MachineAction[]): string[] => a.map((x) => (x.kind === 'sendAdvert' ? `sendAdvert(${x.priority})` : x.kind));

test('timer formulas: v2 and v3 Skew_Time and Master_Down_Interval', (t) => {
  t.is(skewTimeMs(2, 100, 100), (156 * 1000) / 256);
  t.is(masterDownIntervalMs(2, 100, 100), 3000 + (156 * 1000) / 256);
  t.is(skewTimeMs(3, 100, 10), (156 * 100) / 256);
  t.is(masterDownIntervalMs(3, 100, 10), 300 + (156 * 100) / 256);
  t.is(masterDownIntervalMs(3, 200, 5, 30), 30 * 50 + (56 * 50) / 256);
});

test('Initialize, Startup, priority 255: MASTER at once, advert, addresses, announce (§6.4.1)', (t) => {
  const r = run({ ...v2, priority: 255 }, [[0, { kind: 'startup' }]]);
  t.is(r.s.state, 'MASTER');
  t.deepEqual(kinds(r.actions), ['transition', 'addVips', 'sendAdvert(255)', 'announce']);
  t.is(r.next, 1000);
});

test('Initialize, Startup, priority < 255: BACKUP with Master_Down_Timer = Master_Down_Interval (§6.4.1)', (t) => {
  const r = run(v2, [[1000, { kind: 'startup' }]]);
  t.is(r.s.state, 'BACKUP');
  t.is(r.next, 1000 + masterDownIntervalMs(2, 100, 100));
  t.deepEqual(kinds(r.actions), ['transition', 'delVips'], 'addresses a crashed run left are cleared');
});

test('state MASTER hint below 255 still waits Master_Down_Interval at start, as keepalived 2.2.7 does: no taking addresses before hearing the peers', (t) => {
  const r = run({ ...v3, startState: 'MASTER' }, [[0, { kind: 'startup' }]]);
  t.is(r.s.state, 'BACKUP');
  t.is(r.next, masterDownIntervalMs(3, 100, 10));
});

test('Startup with a fault already known (its link down): FAULT straight from INIT, no BACKUP on the way, addresses cleared; the fault clearing starts the election', (t) => {
  const r = run({ ...v2, priority: 255 }, [[0, { kind: 'startup', fault: 'eth1 is down' }]]);
  t.is(r.s.state, 'FAULT');
  t.deepEqual(r.actions.filter((a) => a.kind === 'transition'), [{ kind: 'transition', from: 'INIT', to: 'FAULT', reason: 'eth1 is down' }]);
  t.deepEqual(kinds(r.actions), ['transition', 'delVips']);
  const cleared = run(v2, [[0, { kind: 'startup', fault: 'eth1 is down' }], [500, { kind: 'faultCleared' }]]);
  t.is(cleared.s.state, 'BACKUP');
  t.is(cleared.next, 500 + masterDownIntervalMs(2, 100, 100));
});

test('Backup, Master_Down_Timer fires: advert, announce, MASTER (§6.4.2)', (t) => {
  const mdi = masterDownIntervalMs(2, 100, 100);
  const early = run(v2, [[0, { kind: 'startup' }], [mdi - 1, { kind: 'timer' }]]);
  t.is(early.s.state, 'BACKUP');
  const r = run(v2, [[0, { kind: 'startup' }], [mdi, { kind: 'timer' }]]);
  t.is(r.s.state, 'MASTER');
  t.deepEqual(kinds(r.actions), ['transition', 'addVips', 'sendAdvert(100)', 'announce']);
  t.is(r.next, mdi + 1000);
});

test('Backup, advert priority 0: Master_Down_Timer = Skew_Time (§6.4.2)', (t) => {
  const r = run(v2, [[0, { kind: 'startup' }], [500, { kind: 'advert', priority: 0, intervalCs: 100, src: '192.0.2.20' }]]);
  t.is(r.s.state, 'BACKUP');
  t.is(r.next, 500 + skewTimeMs(2, 100, 100));
});

test('Backup, advert with higher priority: resets Master_Down_Timer (§6.4.2)', (t) => {
  const r = run(v2, [[0, { kind: 'startup' }], [2000, { kind: 'advert', priority: 150, intervalCs: 100, src: '192.0.2.20' }]]);
  t.is(r.next, 2000 + masterDownIntervalMs(2, 100, 100));
  t.is(r.s.masterAddress, '192.0.2.20');
});

test('Backup, v3: adopts the master\'s advertised interval (§6.4.2)', (t) => {
  const r = run(v3, [[0, { kind: 'startup' }], [50, { kind: 'advert', priority: 150, intervalCs: 5, src: '192.0.2.20' }]]);
  t.is(r.s.masterAdverIntervalCs, 5);
  t.is(r.next, 50 + masterDownIntervalMs(3, 100, 5));
});

test('Backup, v2: keeps its configured interval whatever the advert says', (t) => {
  const r = run(v2, [[0, { kind: 'startup' }], [50, { kind: 'advert', priority: 150, intervalCs: 300, src: '192.0.2.20' }]]);
  t.is(r.s.masterAdverIntervalCs, 100);
});

test('Backup, preempt, lower priority advert: discarded, the down timer runs out (§6.4.2)', (t) => {
  const mdi = masterDownIntervalMs(2, 100, 100);
  const r = run(v2, [
    [0, { kind: 'startup' }],
    [1000, { kind: 'advert', priority: 50, intervalCs: 100, src: '192.0.2.20' }],
  ]);
  t.is(r.next, mdi);
  const after = run(v2, [
    [0, { kind: 'startup' }],
    [1000, { kind: 'advert', priority: 50, intervalCs: 100, src: '192.0.2.20' }],
    [mdi, { kind: 'timer' }],
  ]);
  t.is(after.s.state, 'MASTER');
});

test('Backup, nopreempt, lower priority advert: accepted as master, timer reset', (t) => {
  const r = run({ ...v2, preempt: false }, [
    [0, { kind: 'startup' }],
    [1000, { kind: 'advert', priority: 50, intervalCs: 100, src: '192.0.2.20' }],
  ]);
  t.is(r.next, 1000 + masterDownIntervalMs(2, 100, 100));
});

test('preempt_delay: no preemption within the delay, preemption after it', (t) => {
  const p = { ...v2, preemptDelayMs: 10_000 };
  const within = run(p, [
    [0, { kind: 'startup' }],
    [5000, { kind: 'advert', priority: 50, intervalCs: 100, src: '192.0.2.20' }],
  ]);
  t.is(within.next, 5000 + masterDownIntervalMs(2, 100, 100));
  const after = run(p, [
    [0, { kind: 'startup' }],
    [10_000, { kind: 'advert', priority: 50, intervalCs: 100, src: '192.0.2.20' }],
  ]);
  t.is(after.next, masterDownIntervalMs(2, 100, 100), 'the advert was discarded');
});

test('Backup, equal priority advert: accepted as master (preempt needs a strictly lower priority)', (t) => {
  const r = run(v2, [[0, { kind: 'startup' }], [1000, { kind: 'advert', priority: 100, intervalCs: 100, src: '192.0.2.1' }]]);
  t.is(r.next, 1000 + masterDownIntervalMs(2, 100, 100));
});

test('Backup, Shutdown: INIT, no advert (§6.4.2)', (t) => {
  const r = run(v2, [[0, { kind: 'startup' }], [10, { kind: 'shutdown' }]]);
  t.is(r.s.state, 'INIT');
  t.deepEqual(kinds(r.actions), ['transition']);
  t.is(r.next, undefined);
});

const master = (p: InstanceParams): Array<[number, MachineEvent]> => [
  [0, { kind: 'startup' }],
  [masterDownIntervalMs(p.version, p.priority, p.intervalCs), { kind: 'timer' }],
];

test('Master: a late advert timer does not stretch the next interval; one more than an interval late restarts from now', (t) => {
  let s = run(v3, master(v3)).s;
  const due = s.adverTimerAt!;
  const late = step(v3, s, { kind: 'timer' }, due + 1);
  t.is(late.nextTimer, due + 100, 'due 100 ms after the last one was due, not after it fired');
  s = late.state;
  const veryLate = step(v3, s, { kind: 'timer' }, due + 100 + 250);
  t.is(veryLate.nextTimer, due + 100 + 250 + 100);
});

test('Master, Adver_Timer fires: advert, timer reset (§6.4.3)', (t) => {
  const start = masterDownIntervalMs(2, 100, 100);
  const r = run(v2, [...master(v2), [start + 1000, { kind: 'timer' }]]);
  t.deepEqual(kinds(r.actions), ['sendAdvert(100)']);
  t.is(r.next, start + 2000);
});

test('Master, Shutdown: priority-0 advert, addresses removed, INIT (§6.4.3)', (t) => {
  const r = run(v2, [...master(v2), [9000, { kind: 'shutdown' }]]);
  t.is(r.s.state, 'INIT');
  t.deepEqual(kinds(r.actions), ['transition', 'sendAdvert(0)', 'delVips']);
});

test('Master, advert priority 0: advert at once (§6.4.3)', (t) => {
  const r = run(v2, [...master(v2), [5000, { kind: 'advert', priority: 0, intervalCs: 100, src: '192.0.2.20' }]]);
  t.is(r.s.state, 'MASTER');
  t.deepEqual(kinds(r.actions), ['sendAdvert(100)']);
  t.is(r.next, 6000);
});

test('Master, higher priority advert: BACKUP, addresses removed (§6.4.3)', (t) => {
  const r = run(v3, [...master(v3), [5000, { kind: 'advert', priority: 200, intervalCs: 20, src: '192.0.2.20' }]]);
  t.is(r.s.state, 'BACKUP');
  t.deepEqual(kinds(r.actions), ['transition', 'delVips']);
  t.is(r.s.masterAdverIntervalCs, 20);
  t.is(r.next, 5000 + masterDownIntervalMs(3, 100, 20));
});

test('Master, higher priority advert with higher_prio_send_advert: one last advert with its own priority, then BACKUP', (t) => {
  const p = { ...v3, higherPrioSendAdvert: true };
  const r = run(p, [...master(p), [5000, { kind: 'advert', priority: 200, intervalCs: 20, src: '192.0.2.20' }]]);
  t.is(r.s.state, 'BACKUP');
  t.deepEqual(kinds(r.actions), ['transition', 'sendAdvert(100)', 'delVips']);
});

test('Master, equal priority and greater source address: BACKUP (§6.4.3)', (t) => {
  const r = run(v2, [...master(v2), [5000, { kind: 'advert', priority: 100, intervalCs: 100, src: '192.0.2.11' }]]);
  t.is(r.s.state, 'BACKUP');
});

test('Master, equal priority and smaller source address: stays MASTER', (t) => {
  const r = run(v2, [...master(v2), [5000, { kind: 'advert', priority: 100, intervalCs: 100, src: '192.0.2.9' }]]);
  t.is(r.s.state, 'MASTER');
});

test('Master, lower priority master seen (split brain heals): told (notify_master_rx_lower_pri), advert and re-announce', (t) => {
  const r = run(v2, [...master(v2), [5000, { kind: 'advert', priority: 50, intervalCs: 100, src: '192.0.2.20' }]]);
  t.is(r.s.state, 'MASTER');
  t.deepEqual(kinds(r.actions), ['lowerPriorityMaster', 'sendAdvert(100)', 'announce']);
  t.deepEqual(r.actions[0], { kind: 'lowerPriorityMaster', from: '192.0.2.20', priority: 50 });
  t.like(r.actions[2], { reason: 'lower-priority-master' });
});

test('Master: spoofed lower-priority and priority-0 adverts are answered at most once per advertisement interval', (t) => {
  const spoof = (at: number, priority: number): [number, MachineEvent] => [at, { kind: 'advert', priority, intervalCs: 100, src: '192.0.2.99' }];
  let s = run(v2, master(v2)).s;
  const answers: string[][] = [];
  // 200 adverts 10 ms apart (2 s), alternating lower priority and priority 0, from 5 s on.
  for (let i = 0; i < 200; i++) {
    const r = step(v2, s, spoof(5000 + i * 10, i % 2 === 0 ? 50 : 0)[1], 5000 + i * 10);
    s = r.state;
    answers.push(kinds([...r.actions]));
  }
  const answered = answers.filter((a) => a.includes('sendAdvert(100)'));
  t.is(answered.length, 2, 'one answer per 1 s interval over 2 s');
  t.is(answers.filter((a) => a.includes('announce')).length, 2, 'one gratuitous ARP burst per interval');
  t.is(answers.filter((a) => a.at(-1) === 'answerLimited').length, 198);
  // Every lower-priority one is told all the same, answered or not, as keepalived runs its script at each.
  t.is(answers.filter((a) => a[0] === 'lowerPriorityMaster').length, 100);
  t.deepEqual(answers[0], ['lowerPriorityMaster', 'sendAdvert(100)', 'announce']);
  t.deepEqual(answers[100], ['lowerPriorityMaster', 'sendAdvert(100)', 'announce'], 'the first advert a full interval after the last answer is answered again');
  t.is(s.state, 'MASTER');
});

test('Master, lower priority advert with lower_prio_no_advert (strict mode): nothing sent (§6.4.3), only told', (t) => {
  const p = { ...v2, lowerPrioNoAdvert: true };
  const r = run(p, [...master(p), [5000, { kind: 'advert', priority: 50, intervalCs: 100, src: '192.0.2.20' }]]);
  t.is(r.s.state, 'MASTER');
  t.deepEqual(kinds(r.actions), ['lowerPriorityMaster']);
  t.is(r.next, masterDownIntervalMs(2, 100, 100) + 1000, 'the advert timer is not reset');
});

test('fault from MASTER: priority-0 advert, addresses removed; cleared: BACKUP with a fresh down timer', (t) => {
  const r = run(v2, [...master(v2), [5000, { kind: 'fault', reason: 'link down' }]]);
  t.is(r.s.state, 'FAULT');
  t.deepEqual(kinds(r.actions), ['transition', 'sendAdvert(0)', 'delVips']);
  t.is(r.next, undefined);
  const back = run(v2, [...master(v2), [5000, { kind: 'fault', reason: 'link down' }], [8000, { kind: 'faultCleared' }]]);
  t.is(back.s.state, 'BACKUP');
  t.is(back.next, 8000 + masterDownIntervalMs(2, 100, 100));
});

test('every way into BACKUP or FAULT removes the addresses, not only the way from MASTER (a crashed run may have left them)', (t) => {
  t.deepEqual(kinds([...run(v2, [[0, { kind: 'startup' }]]).actions]), ['transition', 'delVips'], 'startup into BACKUP');
  t.deepEqual(kinds([...run({ ...v2, startState: 'MASTER' }, [[0, { kind: 'startup' }]]).actions]), ['transition', 'delVips'], 'startup with the state MASTER hint');
  t.deepEqual(kinds([...run(v2, [[0, { kind: 'startup' }], [100, { kind: 'fault', reason: 'link down' }]]).actions]), ['transition', 'delVips'], 'BACKUP into FAULT');
  const cleared = run(v2, [[0, { kind: 'startup' }], [100, { kind: 'fault', reason: 'link down' }], [200, { kind: 'faultCleared' }]]);
  t.deepEqual(kinds([...cleared.actions]), ['transition', 'delVips'], 'FAULT into BACKUP');
  t.deepEqual(kinds([...run({ ...v2, priority: 255 }, [[0, { kind: 'startup' }]]).actions]), ['transition', 'addVips', 'sendAdvert(255)', 'announce'], 'the owner still goes straight to MASTER');
});

test('a resumed start (the VRRP process restarted while MASTER) takes MASTER at once, addresses and advert first', (t) => {
  const r = run(v2, [[0, { kind: 'startup', resumeMaster: true }]]);
  t.is(r.s.state, 'MASTER');
  t.deepEqual(kinds(r.actions), ['transition', 'addVips', 'sendAdvert(100)', 'announce']);
  t.is(r.next, 1000);
});

test('transitions made by a sync group say so; the instance\'s own do not', (t) => {
  const own = run(v2, [[0, { kind: 'startup' }]]);
  t.is((own.actions[0] as Extract<MachineAction, { kind: 'transition' }>).byGroup, undefined);
  const grouped = run(v2, [[0, { kind: 'startup' }], [10, { kind: 'syncMaster', reason: 'group' }]]);
  t.like(grouped.actions[0], { kind: 'transition', to: 'MASTER', byGroup: true });
  const back = run(v2, [[0, { kind: 'startup' }], [10, { kind: 'syncMaster', reason: 'group' }], [20, { kind: 'syncBackup', reason: 'group' }]]);
  t.like(back.actions[0], { kind: 'transition', to: 'BACKUP', byGroup: true });
});

test('adverts and timers in FAULT or INIT do nothing', (t) => {
  const r = run(v2, [[0, { kind: 'advert', priority: 50, intervalCs: 100, src: '192.0.2.20' }], [1, { kind: 'timer' }]]);
  t.is(r.s.state, 'INIT');
  t.deepEqual(r.actions, []);
});

test('effective priority is clamped to 1..254 and used in the skew; an owner stays 255', (t) => {
  const r = run(v2, [[0, { kind: 'priority', effective: 400 }], [0, { kind: 'startup' }]]);
  t.is(r.s.effectivePriority, 254);
  t.is(r.next, masterDownIntervalMs(2, 254, 100));
  const owner = run({ ...v2, priority: 255 }, [[0, { kind: 'priority', effective: 10 }]]);
  t.is(owner.s.effectivePriority, 255);
});

test('a master whose priority changes advertises the new value at once', (t) => {
  const r = run(v2, [...master(v2), [5000, { kind: 'priority', effective: 60 }]]);
  t.deepEqual(kinds(r.actions), ['sendAdvert(60)']);
});

test('sync group member: the down timer only says it wants MASTER, and keeps running; an advert heard withdraws the wish', (t) => {
  const p = { ...v2, syncGroup: true };
  const mdiMs = masterDownIntervalMs(2, 100, 100, 3);
  const r = run(p, [
    [0, { kind: 'startup' }],
    [mdiMs, { kind: 'timer' }],
  ]);
  t.is(r.s.state, 'BACKUP');
  t.true(r.s.wantsMaster);
  t.deepEqual(kinds(r.actions), ['wantMaster']);
  t.is(r.next, 2 * mdiMs, 'the timer is re-armed');
  const heard = step(p, r.s, { kind: 'advert', priority: 150, intervalCs: 100, src: '192.0.2.20' }, mdiMs + 5);
  t.is(heard.state.wantsMaster, undefined);
});

test('sync group: syncMaster makes a backup master at once; syncBackup makes a master leave, addresses removed', (t) => {
  const p = { ...v2, syncGroup: true };
  const backup = run(p, [[0, { kind: 'startup' }]]).s;
  const m = step(p, backup, { kind: 'syncMaster', reason: 'sync group G: all members want MASTER' }, 10);
  t.is(m.state.state, 'MASTER');
  t.deepEqual(kinds([...m.actions]), ['transition', 'addVips', 'sendAdvert(100)', 'announce']);
  const b = step(p, m.state, { kind: 'syncBackup', reason: 'sync group G: VI_2 left MASTER' }, 20);
  t.is(b.state.state, 'BACKUP');
  t.deepEqual(kinds([...b.actions]), ['transition', 'delVips']);
  t.deepEqual(step(p, b.state, { kind: 'syncBackup', reason: 'again' }, 30).actions, [], 'already BACKUP: nothing');
  const f = step(p, backup, { kind: 'fault', reason: 'eth1 down' }, 5).state;
  t.deepEqual(step(p, f, { kind: 'syncMaster', reason: 'x' }, 6).actions, [], 'FAULT does not follow the group to MASTER');
});

test('peerDown (bfd_takeover): a backup following that master takes over after Skew_Time on the Detection Time\'s scale, with the reason', (t) => {
  const heard = run(v2, [
    [0, { kind: 'startup' }],
    [500, { kind: 'advert', priority: 150, intervalCs: 100, src: '192.0.2.20' }],
    [900, { kind: 'peerDown', peer: '192.0.2.20', reason: 'BFD session master-link down', detectMs: 150 }],
  ]);
  t.is(heard.s.state, 'BACKUP');
  t.is(heard.next, 900 + ((256 - 100) * 150) / 256, '(256 - Priority) / 256 of the 150 ms Detection Time, not Master_Down_Interval');
  const m = step(v2, heard.s, { kind: 'timer' }, heard.next!);
  t.is(m.state.state, 'MASTER');
  t.like(m.actions[0], { kind: 'transition', to: 'MASTER', reason: 'BFD session master-link down: master 192.0.2.20 taken over after 91.4 ms' });
  const noDetect = run(v2, [
    [0, { kind: 'startup' }],
    [500, { kind: 'advert', priority: 150, intervalCs: 100, src: '192.0.2.20' }],
    [900, { kind: 'peerDown', peer: '192.0.2.20', reason: 'x' }],
  ]);
  t.is(noDetect.next, 900 + skewTimeMs(2, 100, 100), 'without a Detection Time: Skew_Time itself');
  const higher = step({ ...v2, priority: 200 }, run({ ...v2, priority: 200 }, [[0, { kind: 'startup' }], [500, { kind: 'advert', priority: 250, intervalCs: 100, src: '192.0.2.20' }]]).s, { kind: 'peerDown', peer: '192.0.2.20', reason: 'x', detectMs: 150 }, 900);
  t.true(higher.nextTimer! < heard.next!, 'a higher priority backup goes first');
});

test('peerDown: ignored for another router, before any master was heard, when not BACKUP, or when the timer is already sooner', (t) => {
  const following = run(v2, [
    [0, { kind: 'startup' }],
    [500, { kind: 'advert', priority: 150, intervalCs: 100, src: '192.0.2.20' }],
  ]);
  t.deepEqual(step(v2, following.s, { kind: 'peerDown', peer: '192.0.2.30', reason: 'x' }, 600).state, following.s, 'another router than the master');
  const fresh = run(v2, [[0, { kind: 'startup' }]]).s;
  t.deepEqual(step(v2, fresh, { kind: 'peerDown', peer: '192.0.2.20', reason: 'x' }, 100).state, fresh, 'no master heard yet');
  const master = run({ ...v2, priority: 255 }, [[0, { kind: 'startup' }]]).s;
  t.deepEqual(step(v2, master, { kind: 'peerDown', peer: '192.0.2.20', reason: 'x' }, 100).actions, []);
  const zero = step(v2, following.s, { kind: 'advert', priority: 0, intervalCs: 100, src: '192.0.2.20' }, 600).state;
  t.is(step(v2, zero, { kind: 'peerDown', peer: '192.0.2.20', reason: 'x' }, 601).state.masterDownTimerAt, zero.masterDownTimerAt, 'priority 0 already set a sooner timer');
  const v6 = { ...v3, family: 6 as const, primaryAddress: 'fe80::10' };
  const six = run(v6, [
    [0, { kind: 'startup' }],
    [50, { kind: 'advert', priority: 150, intervalCs: 10, src: 'fe80::20' }],
  ]).s;
  t.is(step(v6, six, { kind: 'peerDown', peer: 'FE80:0:0:0::20', reason: 'x' }, 60).nextTimer, 60 + skewTimeMs(3, 100, 10), 'the same IPv6 address written another way');
});

test('peerDown: an advert from the master after it calls the takeover off', (t) => {
  const r = run(v2, [
    [0, { kind: 'startup' }],
    [500, { kind: 'advert', priority: 150, intervalCs: 100, src: '192.0.2.20' }],
    [900, { kind: 'peerDown', peer: '192.0.2.20', reason: 'BFD down' }],
    [1000, { kind: 'advert', priority: 150, intervalCs: 100, src: '192.0.2.20' }],
  ]);
  t.is(r.next, 1000 + masterDownIntervalMs(2, 100, 100));
  t.is(r.s.takeover, undefined);
});

test('peerDown in a sync group: the shortened timer asks the group (wantMaster), as the down timer does', (t) => {
  const p = { ...v2, syncGroup: true };
  const r = run(p, [
    [0, { kind: 'startup' }],
    [500, { kind: 'advert', priority: 150, intervalCs: 100, src: '192.0.2.20' }],
    [900, { kind: 'peerDown', peer: '192.0.2.20', reason: 'BFD down' }],
  ]);
  const fired = step(p, r.s, { kind: 'timer' }, r.next!);
  t.deepEqual(kinds([...fired.actions]), ['wantMaster']);
});

test('timer_expired_backup: a master silent for 3 intervals plus the Skew_Time of the highest other priority goes to BACKUP at its late timer, sending nothing', (t) => {
  const p: InstanceParams = { ...v2, priority: 255, preempt: false, timerExpiredBackup: 200 };
  const limit = masterDownIntervalMs(2, 200, 100, 3); // 3000 + 56/256 s, as keepalived 2.2.8 counts it
  // On time: adverts as usual.
  const onTime = run(p, [[0, { kind: 'startup' }], [1000, { kind: 'timer' }], [2000, { kind: 'timer' }]]);
  t.deepEqual(kinds(onTime.actions), ['sendAdvert(255)']);
  // Stalled just short of the limit: the late advert is sent.
  const short = run(p, [[0, { kind: 'startup' }], [1000, { kind: 'timer' }], [1000 + limit - 1, { kind: 'timer' }]]);
  t.is(short.s.state, 'MASTER');
  t.deepEqual(kinds(short.actions), ['sendAdvert(255)']);
  // Stalled past it: BACKUP, addresses removed, no advert (keepalived's vrrp_state_leave_master).
  const late = run(p, [[0, { kind: 'startup' }], [1000, { kind: 'timer' }], [1000 + limit, { kind: 'timer' }]]);
  t.is(late.s.state, 'BACKUP');
  t.deepEqual(kinds(late.actions), ['transition', 'delVips']);
  const tr = late.actions[0];
  t.true(tr?.kind === 'transition' && tr.reason.includes('timer_expired_backup'));
  t.is(late.next, 1000 + limit + masterDownIntervalMs(2, 255, 100));
});

test('timer_expired_backup: the rule reads the instance\'s version (v3 skew on the advert interval) and applies to adverts that waited too', (t) => {
  const p: InstanceParams = { ...v3, priority: 100, preempt: false, timerExpiredBackup: 254 };
  const limit = masterDownIntervalMs(3, 254, 10, 3); // 300 + 2*100/256 ms
  const start: Array<[number, MachineEvent]> = [[0, { kind: 'startup' }], [masterDownIntervalMs(3, 100, 10), { kind: 'timer' }]];
  const becameMaster = masterDownIntervalMs(3, 100, 10);
  t.is(run(p, start).s.state, 'MASTER');
  // A lower-priority advert that waited while the process was stalled: without the rule the master answers it and takes the role back.
  const advert: MachineEvent = { kind: 'advert', priority: 50, intervalCs: 10, src: '192.0.2.20' };
  const without = run({ ...p, timerExpiredBackup: undefined }, [...start, [becameMaster + limit, advert]]);
  t.is(without.s.state, 'MASTER');
  t.deepEqual(kinds(without.actions), ['lowerPriorityMaster', 'sendAdvert(100)', 'announce']);
  const withRule = run(p, [...start, [becameMaster + limit, advert]]);
  t.is(withRule.s.state, 'BACKUP');
  t.deepEqual(kinds(withRule.actions), ['transition', 'delVips']);
  // A priority change or an answer counts as an advert sent.
  const answered = run(p, [...start, [becameMaster + 50, { kind: 'priority', effective: 90 }], [becameMaster + limit, { kind: 'timer' }]]);
  t.is(answered.s.state, 'MASTER');
});
