// keepalived keywords of the VRRP side on fake hosts and a fake clock.
import test from 'ava';
import { FakeClock } from '@tandem/vrrp';
import { VrrpService, vrrpPartOf } from '../src/index.js';
import { FakeHost, FakeSegment, configFrom, memoryLogger, settle } from './fake-host.js';

const instance = (extra = '', ifname = 'eth0'): string => `vrrp_instance VI_1 {
    state MASTER
    priority 255
    interface ${ifname}
    virtual_router_id 51
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
${extra}}
`;

async function run(clock: FakeClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    await settle();
  }
}

test('vrrp_delay_after_boot: the instances wait until that long after the host booted (the longer of it and vrrp_startup_delay)', async (t) => {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  const service = new VrrpService({ host, clock, log: memoryLogger(), uptime: () => 40 });
  await service.start(vrrpPartOf(configFrom(`global_defs {\n    vrrp_delay_after_boot 100\n    vrrp_startup_delay 30\n}\n${instance()}`)));
  await settle();
  await run(clock, 59_000);
  t.is(service.status()[0]?.state, 'INIT');
  await run(clock, 1_500);
  t.is(service.status()[0]?.state, 'MASTER');
  // Booted long ago: no wait.
  const late = new VrrpService({ host: new FakeHost(new FakeSegment(clock), '192.0.2.12'), clock, log: memoryLogger(), uptime: () => 3600 });
  await late.start(vrrpPartOf(configFrom(`global_defs {\n    vrrp_delay_after_boot 100\n}\n${instance()}`)));
  await settle();
  t.is(late.status()[0]?.state, 'MASTER');
});

test('dynamic_interfaces: an instance on a missing interface waits in FAULT, starts when it appears, faults when it is deleted and starts again when it is back', async (t) => {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  const log = memoryLogger();
  const service = new VrrpService({ host, clock, log });
  const part = vrrpPartOf(configFrom(`global_defs {\n    dynamic_interfaces\n}\n${instance('', 'vlan7')}`));
  await service.start(part);
  await settle();
  t.like(service.status()[0], { name: 'VI_1', state: 'FAULT', interface: 'vlan7' });
  t.true(log.lines.some((l) => l.includes('interface vlan7 does not exist: FAULT until it appears')));
  host.addLink('vlan7');
  await run(clock, 500);
  t.is(service.status()[0]?.state, 'MASTER');
  t.deepEqual([...host.addresses], ['192.0.2.100/24']);
  host.deleteLink('vlan7');
  await run(clock, 500);
  t.is(service.status()[0]?.state, 'FAULT');
  host.addLink('vlan7');
  await run(clock, 500);
  t.is(service.status()[0]?.state, 'MASTER', 'back on the new interface (another index)');
  t.is(service.status().length, 1);
});

test('without dynamic_interfaces a missing interface stops the start, as before', async (t) => {
  const clock = new FakeClock(1000);
  const service = new VrrpService({ host: new FakeHost(new FakeSegment(clock), '192.0.2.11'), clock, log: memoryLogger() });
  await t.throwsAsync(service.start(vrrpPartOf(configFrom(instance('', 'vlan7')))), { message: /vlan7 does not exist/ });
});
