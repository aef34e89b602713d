import test from 'ava';
import type { TrackProcess } from '@tandem/config';
import type { ProcessInfo } from '@tandem/net';
import { FakeClock } from '@tandem/vrrp';
import { processMatches, ProcessTracker } from '../src/vrrp/process-tracking.js';

const pos = { file: 'k.conf', line: 1, col: 1 };
const track = (o: Partial<TrackProcess> & { name: string; process: string }): TrackProcess => ({
  pos,
  params: [],
  paramMatch: 'none',
  fullCommand: false,
  weight: 0,
  reverse: false,
  quorum: 1,
  quorumMax: Number.MAX_SAFE_INTEGER,
  terminateDelay: 0,
  forkDelay: 0,
  ...o,
});
const proc = (comm: string, ...argv: string[]): ProcessInfo => ({ comm, argv });

test('matching as keepalived: the name (comm), else argv[0] with the parameters as param_match says', (t) => {
  t.true(processMatches(track({ name: 'h', process: 'haproxy' }), proc('haproxy', '/usr/sbin/haproxy', '-f', 'x')));
  t.false(processMatches(track({ name: 'h', process: 'haproxy' }), proc('haproxy-wrap', 'haproxy')));
  const full = track({ name: 'h', process: '/usr/sbin/haproxy', fullCommand: true });
  t.true(processMatches(full, proc('haproxy', '/usr/sbin/haproxy', '-Ws')));
  t.false(processMatches(full, proc('haproxy', 'haproxy', '-Ws')));
  const exact = track({ name: 'h', process: '/usr/sbin/haproxy', params: ['-f', '/etc/h.cfg'], paramMatch: 'exact', fullCommand: true });
  t.true(processMatches(exact, proc('haproxy', '/usr/sbin/haproxy', '-f', '/etc/h.cfg')));
  t.false(processMatches(exact, proc('haproxy', '/usr/sbin/haproxy', '-f', '/etc/h.cfg', '-D')));
  const partial = { ...exact, paramMatch: 'partial' as const };
  t.true(processMatches(partial, proc('haproxy', '/usr/sbin/haproxy', '-f', '/etc/h.cfg', '-D')));
  t.false(processMatches(partial, proc('haproxy', '/usr/sbin/haproxy', '-f', '/etc/h.cfg2')));
  const initial = { ...exact, paramMatch: 'initial' as const };
  t.true(processMatches(initial, proc('haproxy', '/usr/sbin/haproxy', '-f', '/etc/h.cfg2', '-D')));
  t.false(processMatches(initial, proc('haproxy', '/usr/sbin/haproxy', '-x', '/etc/h.cfg')));
  // A zombie or kernel thread has no command line: never a full-command match.
  t.false(processMatches(full, proc('haproxy')));
});

function tracker(tracks: TrackProcess[], clock = new FakeClock()): { tr: ProcessTracker; changes: string[]; clock: FakeClock } {
  const changes: string[] = [];
  const tr = new ProcessTracker(tracks, clock, (name, up) => changes.push(`${name} ${up ? 'up' : 'down'}@${clock.now()}`));
  return { tr, changes, clock };
}

test('quorum: up from the scan at start, down at the exit that takes the count below it, up at the exec that brings it back', (t) => {
  const { tr, changes } = tracker([track({ name: 'web', process: 'nginx', quorum: 2 })]);
  tr.reset(new Map([[10, proc('nginx')], [11, proc('nginx')], [12, proc('bash')]]), true);
  t.deepEqual(changes, ['web up@0']);
  t.is(tr.count('web'), 2);
  tr.exit(12);
  tr.exit(11);
  t.deepEqual(changes, ['web up@0', 'web down@0']);
  tr.exec(13, proc('nginx'));
  t.deepEqual(changes, ['web up@0', 'web down@0', 'web up@0']);
  // An exec into another program is a loss too, at once.
  tr.exec(13, proc('sleep'));
  t.deepEqual(changes.at(-1), 'web down@0');
  t.is(tr.count('web'), 1);
});

test('quorum_max: more processes than allowed is down; quorum_max 0 is up only while none runs', (t) => {
  const { tr, changes } = tracker([track({ name: 'one', process: 'cron', quorumMax: 1 }), track({ name: 'none', process: 'cron', quorum: 0, quorumMax: 0 })]);
  tr.reset(new Map(), true);
  t.deepEqual(changes, ['one down@0', 'none up@0']);
  tr.exec(5, proc('cron'));
  t.deepEqual(changes.slice(2), ['one up@0', 'none down@0']);
  tr.fork(5, 6);
  t.deepEqual(changes.slice(4), ['one down@0']);
  tr.exit(6);
  t.deepEqual(changes.slice(5), ['one up@0']);
});

test('a forked child counts where its parent does; fork_delay holds a gained quorum back, terminate_delay a lost one, and each cancels the other', async (t) => {
  const { tr, changes, clock } = tracker([track({ name: 'w', process: 'worker', quorum: 2, forkDelay: 0.5, terminateDelay: 1 })]);
  tr.reset(new Map([[20, proc('worker')]]), true);
  t.deepEqual(changes, ['w down@0']);
  tr.fork(20, 21);
  t.is(tr.count('w'), 2);
  clock.advance(499);
  t.deepEqual(changes, ['w down@0']);
  clock.advance(1);
  t.deepEqual(changes, ['w down@0', 'w up@500']);
  tr.exit(21);
  clock.advance(999);
  t.deepEqual(changes.length, 2);
  // Back within terminate_delay: never reported down.
  tr.fork(20, 22);
  clock.advance(5000);
  t.deepEqual(changes.length, 2);
  tr.exit(22);
  clock.advance(1000);
  t.deepEqual(changes.at(-1), 'w down@7499');
  // A fork whose child dies within fork_delay never brings it up.
  tr.fork(20, 23);
  clock.advance(100);
  tr.exit(23);
  clock.advance(5000);
  t.deepEqual(changes.at(-1), 'w down@7499');
  // Threads and unrelated processes: a fork of an untracked parent is nothing.
  tr.fork(99, 100);
  t.is(tr.count('w'), 1);
});

test('a name change (PR_SET_NAME) moves a process in or out of the name-matched tracks only', (t) => {
  const { tr, changes } = tracker([track({ name: 'byname', process: 'agent' }), track({ name: 'bycmd', process: '/opt/agent', fullCommand: true })]);
  tr.reset(new Map([[30, proc('agent', '/opt/agent')]]), true);
  t.deepEqual(changes, ['byname up@0', 'bycmd up@0']);
  tr.comm(30, 'agent-worker');
  t.deepEqual(changes.slice(2), ['byname down@0']);
  t.true(tr.up('bycmd'));
  tr.comm(30, 'agent');
  t.deepEqual(changes.slice(3), ['byname up@0']);
});

test('after lost events a new scan reports only what changed', (t) => {
  const { tr, changes, clock } = tracker([track({ name: 'a', process: 'a' }), track({ name: 'b', process: 'b', terminateDelay: 2 })]);
  tr.reset(new Map([[1, proc('a')], [2, proc('b')]]), true);
  tr.reset(new Map([[1, proc('a')], [3, proc('a')]]), false);
  t.deepEqual(changes, ['a up@0', 'b up@0']);
  clock.advance(2000);
  t.deepEqual(changes, ['a up@0', 'b up@0', 'b down@2000']);
  t.is(tr.count('a'), 2);
});
