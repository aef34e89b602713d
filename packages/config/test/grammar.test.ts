import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, printConfig, suspendsChecks } from '../src/index.js';
import { exampleFile } from './keyword-examples.js';

function loadText(text: string): ReturnType<typeof load> {
  const file = join(mkdtempSync(join(tmpdir(), 'tandem-grammar-')), 'keepalived.conf');
  writeFileSync(file, text);
  return load(file);
}

const messages = (r: ReturnType<typeof load>, severity: 'error' | 'warning'): string[] => r.diagnostics.filter((d) => d.severity === severity).map((d) => `${d.pos.line}: ${d.message}`);

// Each refused by keepalived 2.2.7's -t (test/netns/keywords-oracle.test.ts asks it).
for (const [what, text, said] of [
  ['quorum 0', exampleFile('virtual_server', 'quorum', 'quorum 0'), /quorum must be 1-4294967295, got 0/],
  ['use_pid_dir in global_defs', exampleFile('global_defs', 'router_id', 'use_pid_dir'), /use_pid_dir belongs at the top level, outside global_defs/],
  ['child_wait_time in global_defs', exampleFile('global_defs', 'router_id', 'child_wait_time 5'), /child_wait_time belongs at the top level/],
  ['instance in global_defs', exampleFile('global_defs', 'router_id', 'instance blue'), /instance belongs at the top level/],
  ['linkbeat_use_polling in global_defs', exampleFile('global_defs', 'router_id', 'linkbeat_use_polling'), /linkbeat_use_polling belongs at the top level/],
  ['namespace_with_ipsets in global_defs', exampleFile('global_defs', 'router_id', 'namespace_with_ipsets'), /namespace_with_ipsets belongs at the top level/],
  ['net_namespace_ipvs in global_defs', exampleFile('global_defs', 'router_id', 'net_namespace_ipvs lb'), /net_namespace_ipvs belongs at the top level/],
] as const) {
  test(`refused as keepalived 2.2.7 refuses it: ${what}`, (t) => {
    const r = loadText(text);
    t.is(r.config, undefined);
    t.regex(messages(r, 'error').join('\n'), said);
  });
}

test('the process keywords keepalived takes at the top level are read there, with a warning saying why they change nothing', (t) => {
  const r = loadText('use_pid_dir\ninstance blue\nchild_wait_time 10\nlinkbeat_use_polling\nnamespace_with_ipsets\n');
  t.deepEqual(messages(r, 'error'), []);
  t.deepEqual(
    messages(r, 'warning').map((m) => m.replace(/ \(.*$/, '')),
    ['1: use_pid_dir changes nothing for tandem', '2: instance changes nothing for tandem', '3: child_wait_time changes nothing for tandem', '4: linkbeat_use_polling changes nothing for tandem', '5: namespace_with_ipsets changes nothing for tandem'],
  );
  t.regex(messages(loadText('instance\n'), 'error').join(), /instance needs 1 value/);
});

test('a virtual_server weight is the weight of its real servers that give none', (t) => {
  const r = loadText(`virtual_server 192.0.2.1 80 {
  protocol TCP
  real_server 10.0.0.1 80 {
    weight 3
  }
  real_server 10.0.0.2 80 {
  }
  weight 7
}
virtual_server 192.0.2.2 80 {
  real_server 10.0.0.1 80 {
  }
}
`);
  t.deepEqual(messages(r, 'error'), []);
  t.deepEqual(r.config!.virtualServers[0]!.realServers.map((rs) => rs.weight), [3, 7]);
  t.deepEqual(r.config!.virtualServers[1]!.realServers.map((rs) => rs.weight), [1]);
  t.regex(messages(loadText(exampleFile('virtual_server', 'weight', 'weight 0')), 'error').join(), /weight must be 1-65535/);
});

test('keywords keepalived 2.2.7 refuses in a virtual_server or real_server still cascade, with a warning that keepalived would not take the file', (t) => {
  const r = loadText(exampleFile('virtual_server', 'retry', 'connect_port 8080\nnb_get_retry 4'));
  t.deepEqual(messages(r, 'error'), []);
  t.deepEqual(r.config!.virtualServers[0]!.options, { connectPort: 8080, retry: 4 });
  t.is(messages(r, 'warning').filter((m) => /keepalived 2.2.7 does not take (connect_port|nb_get_retry) in virtual_server \(it would refuse this file\)/.test(m)).length, 2);
  const rs = loadText(exampleFile('virtual_server > real_server', 'lvs_method', 'lb_kind DR'));
  t.deepEqual(rs.config!.virtualServers[0]!.realServers[0]!.forwarding, { kind: 'DR' });
  t.regex(messages(rs, 'warning').join(), /does not take lb_kind in real_server.*read as lvs_method/);
});

test('nb_get_retry in HTTP_GET is retry, with keepalived\'s deprecation warning; lvs_flush_onstop is lvs_flush_on_stop', (t) => {
  const r = loadText(exampleFile('virtual_server > real_server > HTTP_GET', 'nb_get_retry'));
  t.is(r.config!.virtualServers[0]!.realServers[0]!.checkers[0]!.options.retry, 2);
  t.regex(messages(r, 'warning').join(), /nb_get_retry is deprecated/);
  t.is(loadText(exampleFile('global_defs', 'lvs_flush_onstop', 'lvs_flush_onstop VS')).config!.globalDefs.lvsFlushOnStop, 'vs');
});

test('sync groups: smtp_alert, global_tracking and notify_priority_changes are keywords, not old-style members', (t) => {
  const r = loadText(exampleFile('vrrp_sync_group', 'global_tracking'));
  t.deepEqual(messages(r, 'error'), []);
  t.deepEqual(r.config!.syncGroups[0]!.group, ['VI_1', 'VI_2']);
  t.true(r.config!.syncGroups[0]!.syncGroupTrackingWeight);
  t.regex(messages(r, 'warning').join(), /global_tracking is deprecated/);
});

test('a notify_fifo_script without its FIFO does nothing, as in keepalived: a warning, not an error', (t) => {
  const r = loadText('global_defs {\n  vrrp_notify_fifo_script /bin/true\n}\n');
  t.deepEqual(messages(r, 'error'), []);
  t.deepEqual(r.config!.globalDefs.notifyFifos, {});
  t.regex(messages(r, 'warning').join(), /vrrp_notify_fifo_script without vrrp_notify_fifo PATH does nothing/);
});

test('no virtual_ipaddress: a warning with VRRPv2, as keepalived 2.2.7; an error with VRRPv3 or strict mode; no_virtual_ipaddress (2.2.8) allows VRRPv3 quietly', (t) => {
  const noVip = (lines: string): ReturnType<typeof load> => loadText(`vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n${lines}}\n`);
  const v2 = noVip('');
  t.deepEqual(messages(v2, 'error'), []);
  t.deepEqual(v2.config!.vrrpInstances[0]!.virtualIpaddress, []);
  t.is(v2.config!.vrrpInstances[0]!.family, 4);
  t.regex(messages(v2, 'warning').join(), /VI_1 has no virtual_ipaddress.*at least one is sensible/);
  t.regex(messages(noVip('  version 3\n'), 'error').join(), /needs at least one address in virtual_ipaddress with VRRPv3/);
  t.regex(messages(noVip('  strict_mode\n'), 'error').join(), /with strict mode/);
  const meant = noVip('  version 3\n  no_virtual_ipaddress\n');
  t.deepEqual(meant.diagnostics, []);
  t.is(meant.config!.vrrpInstances[0]!.version, 3);
  t.regex(messages(noVip('  no_virtual_ipaddress\n  virtual_ipaddress {\n    192.0.2.1\n  }\n'), 'error').join(), /no_virtual_ipaddress, yet virtual_ipaddress has addresses/);
  t.regex(messages(noVip('  strict_mode\n  no_virtual_ipaddress\n'), 'error').join(), /no_virtual_ipaddress is not allowed/);
});

test('timer_expired_backup (keepalived 2.2.8): the other routers\' highest priority, 254 by default, with nopreempt only; thread_timer_expired is its old name', (t) => {
  const inst = (lines: string): ReturnType<typeof load> => loadText(`vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.1\n  }\n${lines}}\n`);
  const given = inst('  nopreempt\n  timer_expired_backup 200\n');
  t.deepEqual(given.diagnostics, []);
  t.is(given.config!.vrrpInstances[0]!.timerExpiredBackup, 200);
  t.is(inst('  nopreempt\n  timer_expired_backup\n').config!.vrrpInstances[0]!.timerExpiredBackup, 254);
  const old = inst('  nopreempt\n  thread_timer_expired 100\n');
  t.is(old.config!.vrrpInstances[0]!.timerExpiredBackup, 100);
  t.regex(messages(old, 'warning').join(), /replace it with timer_expired_backup/);
  const preempting = inst('  timer_expired_backup\n');
  t.is(preempting.config!.vrrpInstances[0]!.timerExpiredBackup, undefined);
  t.regex(messages(preempting, 'warning').join(), /timer_expired_backup needs nopreempt; ignored/);
  t.regex(messages(inst('  nopreempt\n  timer_expired_backup 255\n'), 'error').join(), /timer_expired_backup/);
});

test('use_ipvlan [NAME] [ADDRESS] [bridge|private|vepa] in any order: keepalived 2.2.7\'s name, mode and address; the address is the source unless configured; IPv4 needs it', (t) => {
  const inst = (lines: string, vip = '192.0.2.1'): ReturnType<typeof load> =>
    loadText(`global_defs {\n  vmac_prefix kv\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    ${vip}\n  }\n${lines}}\n`);
  const full = inst('  use_ipvlan 192.0.2.21/24 vepa ipv1\n');
  t.deepEqual(full.diagnostics, []);
  t.like(full.config!.vrrpInstances[0], { unicastSrcIp: '192.0.2.21', vmac: { name: 'ipv1', xmitBase: false, ipvlan: { mode: 'vepa', address: { address: '192.0.2.21', prefix: 24 } } } });
  const named = inst('  use_ipvlan 192.0.2.21\n  unicast_src_ip 192.0.2.11\n');
  t.like(named.config!.vrrpInstances[0], { unicastSrcIp: '192.0.2.11', vmac: { name: 'kv.51', ipvlan: { mode: 'bridge', address: { address: '192.0.2.21', prefix: 32 } } } });
  t.regex(messages(inst('  use_ipvlan ipv1\n'), 'error').join(), /use_ipvlan needs an address with IPv4/);
  t.like(inst('  use_ipvlan\n', 'fe80::1').config!.vrrpInstances[0], { vmac: { name: 'kv.51', ipvlan: { mode: 'bridge' } } });
  t.regex(messages(inst('  use_ipvlan 2001:db8::1\n'), 'error').join(), /not of the instance's family/);
  t.regex(messages(inst('  use_ipvlan 192.0.2.21 private bridge\n'), 'error').join(), /the mode is already private/);
  t.regex(messages(inst('  use_ipvlan 192.0.2.21 a b\n'), 'error').join(), /the interface name is already a/);
  t.regex(messages(inst('  use_ipvlan 192.0.2.21 much-too-long-name\n'), 'error').join(), /not an interface name/);
  const both = inst('  use_vmac vm1\n  use_ipvlan 192.0.2.21\n');
  t.like(both.config!.vrrpInstances[0], { vmac: { name: 'vm1', ipvlan: { mode: 'bridge' } } });
  t.regex(messages(both, 'warning').join(), /use_vmac beside use_ipvlan/);
});

test('vrf NAME: a unicast instance without interface, unicast_src_ip not link-local, a dev on each address; keepalived\'s refusals; 2.2.7\'s "Unknown interface!" said', (t) => {
  const inst = (head: string, vips = '    192.0.2.1/24 dev eth0\n', tail = ''): ReturnType<typeof load> =>
    loadText(`vrrp_instance VI_1 {\n${head}  virtual_router_id 51\n  virtual_ipaddress {\n${vips}  }\n${tail}}\n`);
  const unicast = '  unicast_src_ip 192.0.2.11\n  unicast_peer {\n    192.0.2.12\n  }\n';
  const ok = inst(`  vrf red\n${unicast}`);
  t.deepEqual(messages(ok, 'error'), []);
  t.like(ok.config!.vrrpInstances[0], { vrf: 'red', interface: 'red', unicastSrcIp: '192.0.2.11' });
  t.regex(messages(ok, 'warning').join(), /keepalived 2\.2\.5-2\.2\.7 refuse any instance without interface \("Unknown interface!", fixed in 2\.2\.8\)/);
  t.regex(messages(inst(`  interface eth0\n  vrf red\n${unicast}`), 'error').join(), /vrf red: an instance in a VRF has no interface/);
  t.regex(messages(inst('  vrf red\n  unicast_src_ip 192.0.2.11\n'), 'error').join(), /vrf red: needs unicast_peer/);
  t.regex(messages(inst('  vrf red\n  unicast_peer {\n    192.0.2.12\n  }\n'), 'error').join(), /needs unicast_src_ip/);
  t.regex(messages(inst('  vrf red\n  unicast_src_ip fe80::1\n  unicast_peer {\n    fe80::2\n  }\n', '    2001:db8::1 dev eth0\n'), 'error').join(), /not link-local/);
  t.regex(messages(inst(`  vrf red\n${unicast}`, '    192.0.2.1/24\n'), 'error').join(), /192\.0\.2\.1: an instance in a VRF has no interface, so each address needs dev/);
  t.regex(messages(inst(`  vrf red\n${unicast}`, undefined, '  virtual_ipaddress_excluded {\n    192.0.2.9\n  }\n'), 'error').join(), /192\.0\.2\.9: .* needs dev/);
  t.regex(messages(inst(`  vrf red\n  use_vmac\n${unicast}`), 'error').join(), /use_vmac and use_ipvlan are made on the instance's interface/);
  t.regex(messages(inst(`  vrf red\n  vrf blue\n${unicast}`), 'error').join(), /vrf is already red/);
  t.regex(messages(inst(`  vrf lo\n${unicast}`), 'error').join(), /the loopback is no VRF device/);
  t.regex(messages(inst('  interface lo\n', '    192.0.2.1/24\n'), 'error').join(), /interface: the loopback cannot carry VRRP \(keepalived: cannot use a loopback interface \(lo\) for vrrp\)/);
  t.regex(messages(inst(`  vrf a-name-far-too-long\n${unicast}`), 'error').join(), /not an interface name/);
  t.regex(messages(inst(unicast), 'error').join(), /needs interface \(or vrf, for a unicast instance\)/);
  // Printed back as keepalived.conf, it is a vrf instance again.
  t.regex(printConfig(ok.config!), /^\s*vrf red$/m);
  t.notRegex(printConfig(ok.config!), /^\s*interface red$/m);
});

test('use_vmac [NAME] [MAC] in either order: six octets, or five with the VRID as the sixth; keepalived 2.2.7\'s refusals', (t) => {
  const inst = (lines: string): ReturnType<typeof load> => loadText(`vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.1\n  }\n${lines}}\n`);
  const both = inst('  use_vmac 02:11:22:33:44:55 vm1\n');
  t.deepEqual(both.diagnostics, []);
  t.like(both.config!.vrrpInstances[0], { vmac: { name: 'vm1', mac: { octets: [2, 0x11, 0x22, 0x33, 0x44, 0x55], vridLast: false } } });
  t.like(inst('  use_vmac 02:aa:bb:cc:dd\n').config!.vrrpInstances[0], { vmac: { name: 'vrrp.51', mac: { octets: [2, 0xaa, 0xbb, 0xcc, 0xdd], vridLast: true } } });
  t.like(inst('  use_vmac 02:aa:bb:cc:dd:\n').config!.vrrpInstances[0], { vmac: { mac: { vridLast: true } } }, 'a trailing colon after five octets, as keepalived');
  t.is(inst('  use_vmac vm1\n').config!.vrrpInstances[0]!.vmac!.mac, undefined);
  t.regex(messages(inst('  use_vmac 03:11:22:33:44:55\n'), 'error').join(), /multicast/);
  t.regex(messages(inst('  use_vmac 00:00:5e:00:01:07\n'), 'error').join(), /RFC 5798/);
  t.regex(messages(inst('  use_vmac 02:11:22:33\n'), 'error').join(), /invalid MAC address/);
  t.regex(messages(inst('  use_vmac 02:11:22:33:44:55:66\n'), 'error').join(), /invalid MAC address/);
  t.regex(messages(inst('  use_vmac 02:11:2g:33:44:55\n'), 'error').join(), /invalid MAC address/);
  t.regex(messages(inst('  use_vmac 02:11:22:33:44:55 02:11:22:33:44:56\n'), 'error').join(), /address already specified/);
  t.regex(messages(inst('  use_vmac vm1 vm2\n'), 'error').join(), /name already specified/);
});

test('vrrp_track_process: keepalived\'s defaults and rules for process, param_match, quorum, quorum_max and the delays', (t) => {
  const tp = (body: string): ReturnType<typeof load> => loadText(`vrrp_track_process p {\n${body}}\n`);
  t.like(tp('  process haproxy\n').config!.trackProcesses[0], { process: 'haproxy', params: [], paramMatch: 'none', fullCommand: false, weight: 0, quorum: 1, quorumMax: Number.MAX_SAFE_INTEGER, terminateDelay: 0, forkDelay: 0 });
  // Parameters: the command line, matched exactly unless param_match says otherwise.
  t.like(tp('  process /usr/sbin/haproxy -f /etc/h.cfg\n').config!.trackProcesses[0], { params: ['-f', '/etc/h.cfg'], paramMatch: 'exact', fullCommand: true });
  t.like(tp('  process /usr/sbin/haproxy -f\n  param_match initial\n').config!.trackProcesses[0], { paramMatch: 'initial', fullCommand: true });
  t.like(tp('  process nginx\n  delay 1.5\n  fork_delay 0.25\n  weight -20 reverse\n').config!.trackProcesses[0], { terminateDelay: 1.5, forkDelay: 0.25, weight: -20, reverse: true });
  t.like(tp('  process cron\n  quorum_max 0\n').config!.trackProcesses[0], { quorum: 0, quorumMax: 0 });
  t.regex(messages(tp('  process cron\n  quorum 3\n  quorum_max 2\n'), 'error').join(), /quorum_max 2 is less than quorum 3/);
  t.regex(messages(tp('  quorum 2\n'), 'error').join(), /needs process NAME/);
  t.regex(messages(tp('  process a\n  weight 255\n'), 'error').join(), /weight must be -254-254/);
  t.regex(messages(tp('  process a-very-long-daemon-name\n'), 'warning').join(), /longer than the 15 characters of a process name \(comm\), so it never matches/);
  t.deepEqual(tp('  process a-very-long-daemon-name\n  full_command\n').warnings, []);
});

test('the no_accept firewall: nftables [TABLE] with its priority and counters, vrrp_iptables as keepalived without iptables reads it, a bare vrrp_iptables for no rules', (t) => {
  const fw = (lines: string): ReturnType<typeof load> => loadText(`global_defs {\n${lines}}\n`);
  t.deepEqual(fw('').config!.globalDefs.vrrpFirewall, { kind: 'nftables', table: 'tandem_no_accept', priority: 0, counters: false, from: 'default' });
  t.deepEqual(fw('  nftables\n').config!.globalDefs.vrrpFirewall, { kind: 'nftables', table: 'keepalived', priority: -1, counters: false, from: 'nftables' });
  t.deepEqual(fw('  nftables_counters\n  nftables mine\n  nftables_priority 10\n').config!.globalDefs.vrrpFirewall, { kind: 'nftables', table: 'mine', priority: 10, counters: true, from: 'nftables' });
  const chains = fw('  vrrp_iptables KA_IN KA_OUT\n');
  t.like(chains.config!.globalDefs.vrrpFirewall, { kind: 'nftables', table: 'keepalived', from: 'vrrp_iptables' });
  t.regex(messages(chains, 'warning').join(), /iptables chains are not used/);
  const bare = fw('  vrrp_iptables\n');
  t.deepEqual(bare.config!.globalDefs.vrrpFirewall, { kind: 'none' });
  t.regex(messages(bare, 'warning').join(), /tandem adds no firewall rules/);
  t.like(fw('  nftables\n  vrrp_iptables\n').config!.globalDefs.vrrpFirewall, { kind: 'nftables', from: 'nftables' });
  t.regex(messages(fw('  vrrp_ipsets keepalived\n'), 'warning').join(), /vrrp_ipsets is ignored/);
});

test('real_server IP 0 (and sorry_server IP 0) is a real server without a port, as keepalived reads it under virtual_server fwmark', (t) => {
  const r = loadText('virtual_server fwmark 7 {\n  lb_kind DR\n  real_server 10.0.0.1 0 {\n    TCP_CHECK {\n      connect_port 80\n    }\n  }\n  sorry_server 10.0.0.9 0\n}\n');
  t.deepEqual(messages(r, 'error'), []);
  t.is(r.config!.virtualServers[0]!.realServers[0]!.port, undefined);
  t.is(r.config!.virtualServers[0]!.sorryServer!.port, undefined);
});

test('garp_extra_if [all] N (either order), the global vrrp_garp_extra_if as its default, the deprecated vmac_garp_intvl spellings', (t) => {
  const inst = (globals: string, lines: string): ReturnType<typeof load> =>
    loadText(`global_defs {\n${globals}}\nvrrp_instance VI {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    10.0.0.1/24\n    10.1.0.1/24 dev eth1\n  }\n${lines}}\n`);
  t.deepEqual(inst('', '  garp_extra_if all 30\n').config!.vrrpInstances[0]!.garpExtraIf, { interval: 30, all: true });
  t.deepEqual(inst('', '  garp_extra_if 30 all\n').config!.vrrpInstances[0]!.garpExtraIf, { interval: 30, all: true });
  t.deepEqual(inst('  vrrp_garp_extra_if all 60\n', '').config!.vrrpInstances[0]!.garpExtraIf, { interval: 60, all: true });
  t.deepEqual(inst('  vrrp_garp_extra_if all 60\n', '  garp_extra_if 10\n').config!.vrrpInstances[0]!.garpExtraIf, { interval: 10, all: false });
  t.is(inst('  vrrp_garp_extra_if all 60\n', '  garp_extra_if 0\n').config!.vrrpInstances[0]!.garpExtraIf, undefined);
  const old = inst('  vrrp_vmac_garp_intvl 20 all\n', '');
  t.deepEqual(old.config!.vrrpInstances[0]!.garpExtraIf, { interval: 20, all: true });
  t.regex(messages(old, 'warning').join(), /vrrp_vmac_garp_intvl is deprecated .* read as vrrp_garp_extra_if/);
  t.regex(messages(inst('', '  vmac_garp_intvl 5\n'), 'warning').join(), /vmac_garp_intvl is deprecated/);
  t.regex(messages(inst('', '  garp_extra_if all\n'), 'error').join(), /garp_extra_if needs an interval/);
  t.regex(messages(inst('', '  garp_extra_if 86401\n'), 'error').join(), /garp_extra_if interval/);
});

test('interface_up_down_delays { IF DOWN [UP] } (UP 0 when left out, as keepalived 2.2.7 reads it); linkbeat_interfaces read with a warning', (t) => {
  const r = loadText('interface_up_down_delays {\n  eth0 1.5\n  eth1 0.25 2\n  eth2\n  eth3 1 1 9\n}\nlinkbeat_interfaces {\n  eth0\n  eth1 ETHTOOL\n}\n');
  t.deepEqual(messages(r, 'error'), []);
  const d = r.config!.interfaceDelays!;
  t.like(d, { eth0: { down: 1.5, up: 0 }, eth1: { down: 0.25, up: 2 }, eth3: { down: 1, up: 1 } });
  t.false('eth2' in d);
  const w = messages(r, 'warning').join('\n');
  t.regex(w, /no delays for eth2; ignored/);
  t.regex(w, /eth3 takes a down and an up delay; the rest is ignored/);
  t.regex(w, /linkbeat_interfaces changes nothing for tandem: the link state of eth0, eth1 comes from netlink events/);
  t.regex(messages(loadText('interface_up_down_delays {\n  eth0 256\n}\n'), 'error').join(), /down delay of eth0 must be 0-255 seconds/);
});

test('ha_suspend in a virtual_server; cleared with a warning for a fwmark, or a group with fwmark entries, as keepalived clears it', (t) => {
  const vs = (head: string, extra = ''): ReturnType<typeof load> => loadText(`${extra}virtual_server ${head} {\n  lb_kind DR\n  protocol TCP\n  ha_suspend\n  real_server 10.0.0.1 80 {\n    TCP_CHECK {\n    }\n  }\n}\n`);
  const ok = vs('192.0.2.50 80');
  t.deepEqual(messages(ok, 'error'), []);
  t.true(ok.config!.virtualServers[0]!.haSuspend);
  const fw = vs('fwmark 5');
  t.deepEqual(messages(fw, 'error'), []);
  t.regex(messages(fw, 'warning').join(), /ha_suspend cannot be used with a fwmark .*ignored, as keepalived clears it/);
  t.is(fw.config!.virtualServers[0]!.haSuspend, undefined);
  const mixed = vs('group G', 'virtual_server_group G {\n  192.0.2.50 80\n  fwmark 7\n}\n');
  t.deepEqual(messages(mixed, 'error'), []);
  t.regex(messages(mixed, 'warning').join(), /ha_suspend cannot be used with virtual_server_group G, which has fwmark entries; ignored/);
  t.false(suspendsChecks(mixed.config!.virtualServers[0]!, mixed.config!.virtualServerGroups));
  const plain = vs('group G', 'virtual_server_group G {\n  192.0.2.50 80\n}\n');
  t.deepEqual(messages(plain, 'error'), []);
  t.true(suspendsChecks(plain.config!.virtualServers[0]!, plain.config!.virtualServerGroups));
});

test("keepalived 1.x keywords that real files carry (nat_mask, nb_get_retry in TCP_CHECK, lvs_id, lvs_sync_daemon_inteface) are skipped with a warning, as keepalived 2.2.7 skips them; other unknown keywords stay errors", (t) => {
  const r = loadText(exampleFile('virtual_server > real_server > TCP_CHECK', 'retry', 'nb_get_retry 3'));
  t.deepEqual(messages(r, 'error'), []);
  t.regex(messages(r, 'warning').join('\n'), /nb_get_retry in TCP_CHECK: keepalived 1\.x's retry count.*write retry N\); keepalived 2\.2\.7 does not know it/);
  const retry = r.config!.virtualServers[0]!.realServers[0]!.checkers[0]!.options.retry;
  t.not(retry, 3, 'the line does nothing, as in keepalived 2.2.7');
  t.deepEqual(messages(loadText(exampleFile('virtual_server', 'protocol', 'nat_mask 255.255.255.0')), 'error'), []);
  t.deepEqual(messages(loadText(exampleFile('global_defs', 'router_id', 'lvs_id LVS_1')), 'error'), []);
  t.regex(messages(loadText(exampleFile('virtual_server > real_server > TCP_CHECK', 'retry', 'nb_get_retri 3')), 'error').join(), /unknown keyword 'nb_get_retri'/);
});
