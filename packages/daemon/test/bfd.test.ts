// The BFD side's pure parts and BFD_CHECK: session options and the reload plan, which
// transitions are reported (keepalived's rule), the bfd_* scheduling steps, and real servers
// following their sessions in the LVS service. No root, no sockets.
import test from 'ava';
import type { BfdInstance } from '@tandem/config';
import { planBfdReload, reportedEvent, sessionOptions } from '../src/bfd/sessions.js';
import { applySchedulingOf, BFD_SIDE, schedulingSteps, VRRP_SIDE, type Scheduling } from '../src/side-scheduling.js';
import { BfdCheckVerdicts } from '../src/bfd/checks.js';
import { LvsService } from '../src/lvs-service.js';
import { configFrom, memoryLogger } from './fake-host.js';

const pos = { file: 'k.conf', line: 1, col: 1 };
const session = (name: string, over: Partial<BfdInstance> = {}): BfdInstance => ({
  name,
  pos,
  neighborIp: '192.0.2.2',
  family: 4,
  minRxUs: 10_000,
  minTxUs: 10_000,
  idleTxUs: 1_000_000,
  multiplier: 5,
  passive: false,
  ttl: 255,
  multihop: false,
  maxHops: 0,
  weight: 0,
  weightReverse: false,
  vrrp: true,
  checker: true,
  ...over,
});

test('a bfd_instance is a single-hop session; max_hops relaxes its TTL floor', (t) => {
  const { afterPendingInput, ...options } = sessionOptions(session('a', { ttl: 254, maxHops: 2, passive: true, minTxUs: 50_000 }), '192.0.2.1');
  t.is(afterPendingInput, setImmediate, 'the Detection Time judged after the socket is read (Node polls it after the timers)');
  t.deepEqual(options, {
    name: 'a',
    path: { kind: 'single-hop', family: 4, local: '192.0.2.1', peer: '192.0.2.2', ttl: 254 },
    params: { desiredMinTxUs: 50_000, requiredMinRxUs: 10_000, detectMult: 5, idleTxUs: 1_000_000, passive: true },
    minTtl: 252,
  });
  t.is(sessionOptions(session('b', { maxHops: 255 }), '192.0.2.1').minTtl, 1, 'max_hops 255: no TTL check');
});

test('multihop: an RFC 5883 session (UDP 4784) with keepalived 2.2.8\'s TTL rule, ttl - max_hops', (t) => {
  const o = sessionOptions(session('m', { multihop: true, maxHops: 4 }), '192.0.2.1');
  t.deepEqual(o.path, { kind: 'multihop', family: 4, local: '192.0.2.1', peer: '192.0.2.2', ttl: 255 });
  t.is(o.minTtl, 251);
  t.deepEqual(
    planBfdReload([session('m')], [session('m', { multihop: true })]).map((s) => (s.kind === 'restart' ? s.why : s.kind)),
    ['multihop changed'],
    'turning multihop on is a new session on the other port',
  );
});

test('reload plan: unchanged sessions kept, timers renegotiated in place, a new path is a new session, removals first', (t) => {
  const before = [session('keep'), session('timers'), session('moved', { neighborIp: '192.0.2.3' }), session('gone', { neighborIp: '192.0.2.4' }), session('routing', { neighborIp: '192.0.2.5' })];
  const after = [
    session('new', { neighborIp: '192.0.2.4' }),
    session('keep', { pos: { ...pos, line: 40 } }),
    session('timers', { minTxUs: 50_000, multiplier: 3 }),
    session('moved', { neighborIp: '192.0.2.9', sourceIp: '192.0.2.1' }),
    session('routing', { neighborIp: '192.0.2.5', weight: -10, checker: false }),
  ];
  t.deepEqual(
    planBfdReload(before, after).map((s) => (s.kind === 'keep' || s.kind === 'remove' ? `${s.kind} ${s.name}` : s.kind === 'restart' ? `restart ${s.session.name}: ${s.why}` : `${s.kind} ${s.session.name}`)),
    ['remove gone', 'restart moved: neighborIp, sourceIp changed', 'keep keep', 'reconfigure timers', 'keep routing', 'add new'],
  );
});

test('reported events follow keepalived: every arrival in Up, a fall from Up unless the neighbor said AdminDown, nothing else', (t) => {
  t.is(reportedEvent('Init', 'Up', 'Up'), 'up');
  t.is(reportedEvent('Down', 'Up', 'Init'), 'up');
  t.is(reportedEvent('Up', 'Down', 'Down'), 'down', 'detection time expired or the neighbor said Down');
  t.is(reportedEvent('Up', 'Down', 'AdminDown'), undefined, 'RFC 5882 §3.2: an administrative shutdown is not a failure');
  t.is(reportedEvent('Init', 'Down', 'Down'), undefined, 'never Up: nothing to report');
  t.is(reportedEvent('Up', 'AdminDown', 'Up'), undefined, 'our own AdminDown');
  t.is(reportedEvent('Down', 'Init', 'Down'), undefined);
});

test('bfd_* scheduling: CPUs for every thread, SCHED_RR with reset-on-fork and RLIMIT_RTTIME (half soft), or the nice value', (t) => {
  const argv = (steps: ReturnType<typeof schedulingSteps>): string[] => steps.map((s) => (s.kind === 'exec' ? [s.command, ...s.args].join(' ') : `nice ${s.priority}`));
  t.deepEqual(argv(schedulingSteps(42, { rtPriority: 10, priority: -5, rlimitRttimeUs: 10_000, cpuAffinity: [1, 3], noSwap: false }, BFD_SIDE)), ['taskset -a -p -c 1,3 42', 'chrt -R -r -p 10 42', 'prlimit --pid 42 --rttime=5000:10000']);
  t.deepEqual(argv(schedulingSteps(42, { rtPriority: 10, noSwap: false }, BFD_SIDE)), ['chrt -R -r -p 10 42', 'prlimit --pid 42 --rttime=50000:100000'], "without bfd_rlimit_rttime: tandem's 100 ms");
  t.deepEqual(argv(schedulingSteps(42, { priority: -5, noSwap: false }, BFD_SIDE)), ['nice -5'], 'bfd_priority applies only without bfd_rt_priority');
  t.deepEqual(argv(schedulingSteps(42, { noSwap: false }, BFD_SIDE)), [], 'nothing set: nothing done');
  t.deepEqual(argv(schedulingSteps(42, { noSwap: false }, BFD_SIDE, true)), ['chrt -o -p 0 42', 'nice 0'], 'a reload that removed them goes back to the defaults');
});

test('bfd_* scheduling: what cannot be applied is reported, the rest still is', async (t) => {
  const done: string[] = [];
  const fake: Scheduling = {
    exec: async (command, args) => {
      if (command === 'chrt') throw new Error('chrt: failed to set pid 42\'s policy: Operation not permitted');
      done.push([command, ...args].join(' '));
    },
    nice: (pid, p) => void done.push(`nice ${pid} ${p}`),
  };
  const { problems } = await applySchedulingOf(42, { rtPriority: 10, rlimitRttimeUs: 10_000, cpuAffinity: [0], noSwap: false }, BFD_SIDE, false, fake);
  t.deepEqual(problems, ["cannot apply bfd_rt_priority 10: chrt: failed to set pid 42's policy: Operation not permitted"]);
  t.deepEqual(done, ['taskset -a -p -c 0 42', 'prlimit --pid 42 --rttime=5000:10000']);
});

test('vrrp_* scheduling: unset, the VRRP side runs SCHED_RR 1 without RLIMIT_RTTIME, nice -10 where the kernel refuses it', async (t) => {
  const argv = (steps: ReturnType<typeof schedulingSteps>): string[] => steps.map((s) => (s.kind === 'exec' ? [s.command, ...s.args].join(' ') : `nice ${s.priority}`));
  t.deepEqual(argv(schedulingSteps(7, { noSwap: false }, VRRP_SIDE)), ['nice -10', 'chrt -R -r -p 1 7']);
  t.deepEqual(argv(schedulingSteps(7, { noSwap: false }, VRRP_SIDE, true)), ['nice -10', 'chrt -R -r -p 1 7', 'prlimit --pid 7 --rttime=unlimited:unlimited'], 'a reload that removed vrrp_rt_priority drops its time limit too');
  t.deepEqual(argv(schedulingSteps(7, { rtPriority: 30, noSwap: false }, VRRP_SIDE)), ['chrt -R -r -p 30 7', 'prlimit --pid 7 --rttime=50000:100000'], 'vrrp_rt_priority: as keepalived, with the time limit');
  t.deepEqual(argv(schedulingSteps(7, { priority: 5, noSwap: false }, VRRP_SIDE, true)), ['chrt -o -p 0 7', 'nice 5'], 'vrrp_priority: the operator chose a nice value, not real time');
  const refusing: Scheduling = {
    exec: async (command) => {
      if (command === 'chrt') throw new Error('Operation not permitted');
    },
    nice: () => undefined,
  };
  t.deepEqual(await applySchedulingOf(7, { noSwap: false }, VRRP_SIDE, false, refusing), { problems: [], fallbacks: ['cannot apply SCHED_RR 1: Operation not permitted; it runs at nice -10'] });
  t.deepEqual((await applySchedulingOf(7, { rtPriority: 30, noSwap: false }, VRRP_SIDE, false, refusing)).problems, ['cannot apply vrrp_rt_priority 30: Operation not permitted'], "the file's own setting refused is a problem, as keepalived logs it");
});

test('BFD_CHECK verdicts: up from the start (down with alpha), then as the session reports; a new check takes the last report', (t) => {
  const v = new BfdCheckVerdicts();
  v.plan('rs1', [{ name: 'b1', alpha: false }]);
  v.plan('rs2', [{ name: 'b1', alpha: true }, { name: 'b2', alpha: false }]);
  t.is(v.failure('rs1'), undefined);
  t.is(v.failure('rs2'), 'BFD session b1 is Down', 'alpha: down until the session says Up');
  t.deepEqual(v.event('b1', true), ['rs2']);
  t.is(v.failure('rs2'), undefined);
  t.deepEqual(v.event('b1', false), ['rs1', 'rs2']);
  t.deepEqual(v.event('b1', false), [], 'a repeated state changes nothing');
  v.plan('rs3', [{ name: 'b1', alpha: false }]);
  t.is(v.failure('rs3'), 'BFD session b1 is Down', 'a check added later starts from the last report');
  v.plan('rs1', [{ name: 'b1', alpha: false }, { name: 'b2', alpha: false }]);
  t.is(v.failure('rs1'), 'BFD session b1 is Down', 'a check kept by a reload keeps its verdict');
  v.retain((key) => key === 'rs3');
  t.false(v.has('rs1'));
  t.true(v.has('rs3'));
});

test('LVS service: a real server with BFD_CHECK is down while its session is down, and the others are not touched', async (t) => {
  const config = configFrom(`bfd_instance b1 {
    neighbor_ip 198.51.100.11
}
bfd_instance b2 {
    neighbor_ip 198.51.100.12
    checker
}
virtual_server 192.0.2.100 80 {
    protocol TCP
    real_server 198.51.100.11 80 {
        BFD_CHECK {
            name b1
        }
    }
    real_server 198.51.100.12 80 {
        BFD_CHECK {
            name b2
            alpha
        }
    }
}
`);
  const log = memoryLogger();
  const lvs = new LvsService(log);
  await lvs.start(config, undefined, 'no IPVS in this test');
  const reals = (): Array<{ up: boolean; reason: string; weight: number }> => lvs.status()[0]!.reals.map((r) => ({ up: r.up, reason: r.reason, weight: r.weight }));
  try {
    t.deepEqual(reals(), [
      { up: true, reason: 'not checked yet', weight: 1 },
      { up: false, reason: 'BFD session b2 is Down', weight: 0 },
    ]);
    lvs.bfdEvent('b2', true);
    lvs.bfdEvent('b1', true);
    t.deepEqual(reals().map((r) => r.up), [true, true]);
    lvs.bfdEvent('b1', false);
    t.deepEqual(reals(), [
      { up: false, reason: 'BFD session b1 is Down', weight: 0 },
      { up: true, reason: 'BFD session b2 is Up', weight: 1 },
    ]);
    t.true(log.lines.some((l) => l.includes('BFD check of [b1] RS(198.51.100.11:80) is DOWN')));
    t.true(log.lines.some((l) => l.includes('real server 198.51.100.11:80 DOWN: BFD session b1 is Down')));
    // A reload that keeps the check keeps its verdict.
    await lvs.reload(configFrom(`bfd_instance b1 {\n    neighbor_ip 198.51.100.11\n}\nvirtual_server 192.0.2.100 80 {\n    protocol TCP\n    real_server 198.51.100.11 80 {\n        BFD_CHECK {\n            name b1\n        }\n    }\n}\n`));
    t.deepEqual(reals().map((r) => r.up), [false]);
    lvs.bfdEvent('b1', true);
    t.deepEqual(reals().map((r) => r.up), [true]);
  } finally {
    await lvs.stop();
  }
});
