// keepalived's weights on tracked items of sync group members and address owners (vrrp.c).
import test from 'ava';
import { effectiveTracking, hasOwnerMember, trackedDefaults, trackedInUse, type Config } from '../src/index.js';
import { loadText } from './load-text.js';

const scripts = 'vrrp_script s0 {\n  script "/bin/true"\n}\nvrrp_script s5 {\n  script "/bin/true"\n  weight 5\n}\ntrack_file f1 {\n  file /tmp/f1\n}\ntrack_file f3 {\n  file /tmp/f3\n  weight 3\n}\nvrrp_track_process p {\n  process sshd\n  weight 7\n}\n';
const instance = (name: string, vrid: number, priority: number, vip: string): string =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${priority}\n  virtual_ipaddress {\n    ${vip}\n  }\n  track_script {\n    s0\n    s5\n  }\n  track_file {\n    f1\n    f3\n  }\n  track_interface {\n    eth1 weight 10\n    eth2\n  }\n  track_process {\n    p\n  }\n}\n`;

function effective(c: Config, name: string) {
  const i = c.vrrpInstances.find((x) => x.name === name)!;
  const g = c.syncGroups.find((x) => x.group.includes(name));
  const e = effectiveTracking(i, g, g !== undefined && hasOwnerMember(g, c.vrrpInstances), trackedDefaults(c.vrrpScripts, c.trackFiles, c.trackProcesses));
  const show = (t: typeof e.own | undefined) =>
    t === undefined ? undefined : { script: t.trackScript.map((r) => `${r.name}:${r.weight ?? '-'}`), file: t.trackFile.map((r) => `${r.name}:${r.weight ?? '-'}`), iface: t.trackInterface.map((r) => `${r.name}:${r.weight ?? '-'}`), process: t.trackProcess.map((r) => `${r.name}:${r.weight ?? '-'}`) };
  return { own: show(e.own), group: show(e.group), said: e.corrections.map((x) => x.message) };
}

test('alone, an instance keeps every weight', (t) => {
  const { r } = loadText(scripts + instance('A', 1, 100, '192.0.2.1'));
  t.deepEqual(effective(r.config!, 'A').own, { script: ['s0:-', 's5:-'], file: ['f1:-', 'f3:-'], iface: ['eth1:10', 'eth2:-'], process: ['p:-'] });
});

test('a sync group member without sync_group_tracking_weight: weighted scripts and files dropped, interfaces and default-weight files at 0, processes kept; warned at load', (t) => {
  const { r, warnings } = loadText(`${scripts}vrrp_sync_group G {\n  group {\n    A B\n  }\n}\n${instance('A', 1, 100, '192.0.2.1')}${instance('B', 2, 100, '192.0.2.2')}`);
  t.deepEqual(effective(r.config!, 'A').own, { script: ['s0:-'], file: ['f1:0'], iface: ['eth1:0', 'eth2:-'], process: ['p:-'] });
  t.true(warnings.some((w) => /\(A\) track_script s5 with weight 5 is ignored, as keepalived does for a member of vrrp_sync_group G/.test(w)), warnings.join(' | '));
  t.true(warnings.some((w) => /\(A\) track_file f3 with weight 3 is ignored/.test(w)));
  t.true(warnings.some((w) => /\(B\) track_interface eth1 counts at weight 0, not 10/.test(w)));
  // Nothing tracks s5 once the weighted references are dropped: keepalived says "script s5 is not used" and never runs it.
  const c = r.config!;
  t.deepEqual([...trackedInUse(c.vrrpInstances, c.syncGroups, trackedDefaults(c.vrrpScripts, c.trackFiles, c.trackProcesses)).scripts], ['s0']);
  t.true(warnings.some((w) => /vrrp_script s5 is tracked only where keepalived ignores its weight .*it will not run/.test(w)), warnings.join(' | '));
  const weighted = loadText(`${scripts}vrrp_sync_group G {\n  group {\n    A\n  }\n  sync_group_tracking_weight\n}\n${instance('A', 1, 100, '192.0.2.1')}`);
  t.deepEqual(effective(weighted.r.config!, 'A').own, { script: ['s0:-', 's5:-'], file: ['f1:-', 'f3:-'], iface: ['eth1:10', 'eth2:-'], process: ['p:-'] }, 'sync_group_tracking_weight keeps them');
});

test('an address owner: weighted scripts, files and interfaces dropped', (t) => {
  const { r } = loadText(scripts + instance('A', 1, 255, '192.0.2.1'));
  t.deepEqual(effective(r.config!, 'A').own, { script: ['s0:-'], file: ['f1:0'], iface: ['eth2:-'], process: ['p:-'] });
});

test('the sync group\'s own items keep their weights, at 0 once a member is an address owner', (t) => {
  const group = (members: string) => `vrrp_sync_group G {\n  group {\n    ${members}\n  }\n  track_script {\n    s5\n  }\n  track_process {\n    p\n  }\n}\n`;
  const plain = loadText(`${scripts}${group('A B')}${instance('A', 1, 100, '192.0.2.1')}${instance('B', 2, 100, '192.0.2.2')}`);
  t.like(effective(plain.r.config!, 'A').group, { script: ['s5:-'], process: ['p:-'] });
  const owned = loadText(`${scripts}${group('A B')}${instance('A', 1, 255, '192.0.2.1')}${instance('B', 2, 100, '192.0.2.2')}`);
  const e = effective(owned.r.config!, 'B');
  t.like(e.group, { script: ['s5:0'], process: ['p:0'] });
  t.true(owned.warnings.some((w) => /\(G\) track_script s5 counts at weight 0, not 5, as keepalived does when a member is an address owner/.test(w)), owned.warnings.join(' | '));
});
