// keepalived keywords of the VRRP side on fake hosts and a fake clock.
import test from 'ava';
import { FakeClock } from '@tandem/vrrp';
import { VrrpService, vrrpPartOf } from '../src/index.js';
import { FakeHost, FakeSegment, configFrom, memoryLogger, settle } from './fake-host.js';

const instance = (extra = ''): string => `vrrp_instance VI_1 {
    state MASTER
    priority 255
    interface eth0
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
