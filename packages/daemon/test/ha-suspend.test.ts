import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic, load, type Config } from '@tandem/config';
import type { AddressEvent } from '@tandem/net';
import { LvsService } from '../src/lvs-service.js';
import { PresentAddresses, suspendAddresses, type HostAddresses } from '../src/ha-suspend.js';
import { memoryLogger } from './fake-host.js';

function model(text: string): Config {
  const p = join(mkdtempSync(join(tmpdir(), 'tandem-ha-suspend-')), 'keepalived.conf');
  writeFileSync(p, text);
  const r = load(p);
  if (r.config === undefined) throw new Error(r.errors.map(formatDiagnostic).join('\n'));
  return r.config;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The host's addresses as a test moves them. */
class FakeAddresses implements HostAddresses {
  private readonly now = new Map<string, { address: string; ifindex: number }>();
  private watchers: Array<(e: AddressEvent) => void> = [];

  set(address: string, ifindex: number, added: boolean): void {
    if (added) this.now.set(`${address}%${ifindex}`, { address, ifindex });
    else this.now.delete(`${address}%${ifindex}`);
    for (const w of this.watchers) w({ address, ifindex, family: address.includes(':') ? 6 : 4, added });
  }

  async list(): Promise<Array<{ address: string; ifindex: number }>> {
    return [...this.now.values()];
  }

  watch(onChange: (e: AddressEvent) => void): { close(): void } {
    this.watchers.push(onChange);
    return { close: () => (this.watchers = this.watchers.filter((w) => w !== onChange)) };
  }
}

test('PresentAddresses: an address counts once per interface, a repeated RTM_NEWADDR (a change in place) is not a second one', (t) => {
  const p = new PresentAddresses();
  p.reset([{ address: '192.0.2.1', ifindex: 2 }]);
  t.true(p.has('192.0.2.1'));
  t.false(p.apply({ address: '192.0.2.1', ifindex: 2, added: true }));
  t.false(p.apply({ address: '192.0.2.1', ifindex: 3, added: true }));
  t.false(p.apply({ address: '192.0.2.1', ifindex: 2, added: false }));
  t.true(p.has('192.0.2.1'));
  t.true(p.apply({ address: '192.0.2.1', ifindex: 3, added: false }));
  t.false(p.has('192.0.2.1'));
  t.true(p.apply({ address: '2001:DB8::0:1', ifindex: 2, added: true }));
  t.true(p.has('2001:db8::1'));
});

test('suspendAddresses: the service address, or every address of its group (ranges and prefixes)', (t) => {
  const c = model('virtual_server_group G {\n  192.0.2.10-12 80\n  198.51.100.0/31 80\n  fwmark 3\n}\nvirtual_server group G {\n  lb_kind DR\n  real_server 10.0.0.1 80 {\n  }\n}\nvirtual_server 192.0.2.50 80 {\n  real_server 10.0.0.1 80 {\n  }\n}\n');
  t.deepEqual([...suspendAddresses(c.virtualServers[0]!, c.virtualServerGroups)], ['192.0.2.10', '192.0.2.11', '192.0.2.12', '198.51.100.0', '198.51.100.1']);
  t.deepEqual([...suspendAddresses(c.virtualServers[1]!, c.virtualServerGroups)], ['192.0.2.50']);
});

test('ha_suspend: the checkers run only while the virtual address is on the host; the verdicts stay as they were meanwhile', async (t) => {
  let connections = 0;
  const server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const host = new FakeAddresses();
  const log = memoryLogger();
  const lvs = new LvsService(log, undefined, () => host);
  try {
    const conf = (suspend: boolean): Config =>
      model(`virtual_server 192.0.2.77 80 {\n  delay_loop 0.3\n${suspend ? '  ha_suspend\n' : ''}  real_server 127.0.0.1 ${port} {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n}\n`);
    await lvs.start(conf(true), undefined, 'no IPVS in this test');
    await sleep(1000);
    t.is(connections, 0);
    t.like(lvs.status()[0], { suspended: true, reals: [{ up: true }] });
    t.true(log.lines.some((l) => l.includes('ha_suspend: suspending its checkers: its address is not on this host')));
    host.set('192.0.2.77', 2, true);
    await sleep(1000);
    t.true(connections >= 2, String(connections));
    t.is(lvs.status()[0]!.suspended, undefined);
    host.set('192.0.2.77', 2, false);
    await sleep(100);
    const then = connections;
    await sleep(1000);
    t.is(connections, then);
    // A reload without ha_suspend: they run again.
    await lvs.reload(conf(false));
    await sleep(1000);
    t.true(connections > then);
  } finally {
    await lvs.stop();
    server.close();
  }
});
