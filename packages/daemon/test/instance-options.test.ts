import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '@tandem/config';
import { runnerOptions, interfacesOf } from '../src/index.js';

function config(text: string) {
  const p = join(mkdtempSync(join(tmpdir(), 'tandem-map-')), 'k.conf');
  writeFileSync(p, text);
  const r = load(p);
  if (r.config === undefined) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.config;
}

test('keepalived settings map onto the state machine and announce schedule', (t) => {
  const c = config(`global_defs {
  vrrp_garp_master_delay 2
  vrrp_garp_master_repeat 3
  vrrp_garp_master_refresh 30
  vrrp_garp_lower_prio_delay 1.5
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 9
  priority 120
  advert_int 0.05
  version 3
  preempt_delay 4
  garp_master_repeat 2
  virtual_ipaddress {
    192.0.2.1/24 dev eth1
  }
}
`);
  const o = runnerOptions(c.vrrpInstances[0]!, c.globalDefs, '192.0.2.11');
  t.like(o.params, { version: 3, priority: 120, intervalCs: 5, preempt: true, preemptDelayMs: 4000, startState: 'BACKUP', primaryAddress: '192.0.2.11', downTimerAdverts: 3, higherPrioSendAdvert: true });
  t.deepEqual(o.announce, { masterRepeat: 2, masterDelayMs: 2000, masterRefreshMs: 30_000, masterRefreshRepeat: 1, lowerPrioRepeat: 2, lowerPrioDelayMs: 1500 });
  t.deepEqual(o.addresses, ['192.0.2.1']);
  t.deepEqual(o.auth, { type: 'none' });
  t.deepEqual(interfacesOf(c.vrrpInstances[0]!), ['eth0', 'eth1']);
});
