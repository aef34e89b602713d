// track_process through the VRRP service on fake hosts: the process table and the kernel's
// events are the fake host's, the clock is fake.
import test from 'ava';
import { FakeClock } from '@tandem/vrrp';
import { VrrpService, vrrpPartOf } from '../src/index.js';
import { FakeHost, FakeSegment, configFrom, memoryLogger, runClock, settle } from './fake-host.js';

const conf = (priority: number, track: string): string => `vrrp_track_process haproxy {
    process haproxy
    quorum 1
    ${track}
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority ${priority}
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
    track_process {
        haproxy
    }
}
`;

const run = (clock: FakeClock, ms: number): Promise<void> => runClock(clock, ms);

async function start(seg: FakeSegment, clock: FakeClock, address: string, text: string, procs: ReadonlyArray<[number, string]>): Promise<{ host: FakeHost; service: VrrpService; lines: string[] }> {
  const host = new FakeHost(seg, address);
  for (const [pid, comm] of procs) host.procs.set(pid, { comm, argv: [] });
  const log = memoryLogger();
  const service = new VrrpService({ host, clock, log });
  await service.start(vrrpPartOf(configFrom(text)));
  await settle();
  return { host, service, lines: log.lines };
}

const state = (s: VrrpService): string | undefined => s.status()[0]?.state;

test('track_process without weight: the instance is in FAULT while the process is not running, and leaves it the moment it starts', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const a = await start(seg, clock, '192.0.2.11', conf(150, ''), [[100, 'haproxy']]);
  const b = await start(seg, clock, '192.0.2.12', conf(100, ''), [[200, 'haproxy']]);
  await run(clock, 5000);
  t.is(state(a.service), 'MASTER');
  a.host.endProcess(100);
  await settle();
  t.is(state(a.service), 'FAULT', 'at the exit event, not at a poll');
  t.deepEqual([...a.host.addresses], []);
  await run(clock, 4000);
  t.is(state(b.service), 'MASTER');
  a.host.startProcess(101, { comm: 'haproxy', argv: [] });
  await settle();
  t.is(state(a.service), 'BACKUP');
  await run(clock, 4000);
  t.is(state(a.service), 'MASTER', 'the higher priority preempts once it is back');
  t.true(a.lines.some((l) => l.includes('Quorum lost for tracked process haproxy')));
});

test('track_process with a weight: the priority drops by it while the process is down; terminate_delay lets a restart go unnoticed', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const a = await start(seg, clock, '192.0.2.11', conf(150, 'weight -60\n    terminate_delay 2'), [[100, 'haproxy']]);
  await run(clock, 5000);
  t.is(a.service.status()[0]?.effectivePriority, 150);
  a.host.endProcess(100);
  await run(clock, 1000);
  a.host.startProcess(102, { comm: 'haproxy', argv: [] });
  await run(clock, 3000);
  t.is(a.service.status()[0]?.effectivePriority, 150, 'back within terminate_delay');
  a.host.endProcess(102);
  await run(clock, 2500);
  t.is(a.service.status()[0]?.effectivePriority, 90);
  t.is(state(a.service), 'MASTER', 'a weight lowers the priority, it does not fault the instance');
});

test('a kernel without process events (a network namespace, a container): the VRRP side starts, says so, and counts the processes every second, where keepalived counts them once', async (t) => {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  host.procEventsRefused = new Error('process connector subscribe: connection refused');
  host.procs.set(100, { comm: 'haproxy', argv: [] });
  const log = memoryLogger();
  const service = new VrrpService({ host, clock, log });
  await service.start(vrrpPartOf(configFrom(conf(150, ''))));
  await settle();
  t.true(log.lines.some((l) => /no process events from the kernel here .*connection refused.*counted every 1 s/.test(l)), log.lines.join('\n'));
  await run(clock, 5000);
  t.is(state(service), 'MASTER');
  host.endProcess(100);
  await settle();
  t.is(state(service), 'MASTER', 'no event: nothing before the next count');
  await run(clock, 1000);
  t.is(state(service), 'FAULT', 'the next count sees it gone');
  host.startProcess(101, { comm: 'haproxy', argv: [] });
  await run(clock, 1000);
  t.not(state(service), 'FAULT', 'and back');
  await service.stop();
});
