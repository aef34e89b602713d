import test from 'ava';
import { printConfig, sameValue } from '../src/index.js';
import { loadText } from './load-text.js';
import { bfdMinTtl } from '../src/bfd.js';
import { BFD_DUPLICATES } from './bfd-cases.js';

const inst = (name: string, vrid: number, extra: string, priority = 100): string =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${priority}\n  virtual_ipaddress {\n    192.0.2.${vrid}\n  }\n${extra}}\n`;

test('bfd_instance: keepalived 2.2.7 defaults (10 ms, 1 s idle, x5, TTL 255 / hop limit 64, events to both)', (t) => {
  const { r, errors } = loadText('bfd_instance b4 {\n  neighbor_ip 192.0.2.2\n}\nbfd_instance b6 {\n  neighbour_ip 2001:DB8::2\n}\n');
  t.deepEqual(errors, []);
  const [b4, b6] = r.config!.bfdInstances;
  t.like(b4, { name: 'b4', neighborIp: '192.0.2.2', family: 4, minRxUs: 10_000, minTxUs: 10_000, idleTxUs: 1_000_000, multiplier: 5, passive: false, ttl: 255, maxHops: 0, weight: 0, weightReverse: false, vrrp: true, checker: true });
  t.is(b4!.sourceIp, undefined);
  t.like(b6, { neighborIp: '2001:db8::2', family: 6, ttl: 64 });
  t.is(bfdMinTtl(b4!), 255);
  t.is(bfdMinTtl(b6!), 64);
});

test('bfd_instance: every keyword, intervals in ms with microsecond resolution', (t) => {
  const { r, errors } = loadText(`bfd_instance peer {
  source_ip 192.0.2.1
  neighbor_ip 192.0.2.2
  min_rx 3.312
  min_tx 50
  idle_tx 2000.5
  multiplier 3
  passive
  ttl 254
  max_hops 2
  weight -20 reverse
  vrrp
}
`);
  t.deepEqual(errors, []);
  const b = r.config!.bfdInstances[0]!;
  t.like(b, { sourceIp: '192.0.2.1', minRxUs: 3312, minTxUs: 50_000, idleTxUs: 2_000_500, multiplier: 3, passive: true, ttl: 254, maxHops: 2, weight: -20, weightReverse: true, vrrp: true, checker: false });
  t.is(bfdMinTtl(b), 252);
  t.is(bfdMinTtl({ ttl: 255, maxHops: 255 }), 1, 'max_hops 255 turns the TTL check off');
  const off = loadText('bfd_instance x {\n  neighbor_ip 192.0.2.2\n  max_hops -1\n}\n');
  t.is(off.r.config!.bfdInstances[0]!.maxHops, 255, '-1 is 255 (keepalived keeps it in a uint8_t)');
});

test('bfd_instance: the errors keepalived reports, with positions', (t) => {
  const { errors, warnings } = loadText(`bfd_instance b1 {
  neighbor_ip 192.0.2.2
  min_rx 0.5
  min_tx 1.2345
  idle_tx 999
  multiplier 0
  ttl 256
  max_hops 300
  weight 300
  passive off
}
bfd_instance b3 {
  source_ip 2001:db8::1
  neighbor_ip 192.0.2.3
}
bfd_instance b4 {
  min_rx 20
}
bfd_instance abcdefghijabcdefghijabcdefghijab {
  neighbor_ip 192.0.2.7
}
bfd_instance b6 {
  neighbor_ip 2001:db8::6
  max_hops 100
  min_rx 20000
}
bfd_instance b7 {
  neighbor_ip 192.0.2.77
  weight 20 bogus
  color blue
}
`);
  t.deepEqual(errors, [
    ":3:10: min_rx must be 1-4294967 ms (at most 3 decimals), got '0.5'",
    ":4:10: min_tx must be 1-4294967 ms (at most 3 decimals), got '1.2345'",
    ":5:11: idle_tx must be 1000-4294967 ms (at most 3 decimals), got '999'",
    ':6:14: multiplier must be 1-255, got 0',
    ':7:7: ttl/hoplimit must be 1-255, got 256',
    ':8:12: max_hops must be -1-255, got 300',
    ':9:10: weight must be -253-253, got 300',
    ":10:11: unexpected 'off' after passive, which takes no value",
    ':12:1: bfd_instance b3: source_ip 2001:db8::1 and neighbor_ip 192.0.2.3 are not of the same family',
    ':16:1: bfd_instance b4 needs neighbor_ip',
    ":19:14: bfd_instance name 'abcdefghijabcdefghijabcdefghijab' is longer than 31 characters (keepalived's limit)",
    ':24:3: bfd_instance b6: max_hops 100 exceeds ttl/hoplimit 64 (keepalived would lower it to 64)',
    ":29:13: unknown weight option 'bogus' (expected reverse)",
    ":30:3: unknown keyword 'color' in bfd_instance",
  ]);
  t.deepEqual(warnings, [":25:10: warning: min_rx 20000 ms is larger than keepalived's most sensible value (10000 ms)"]);
});

test('bfd_instance: multihop (keepalived 2.2.8), alone or with a BOOL, printed back; a multihop and a single-hop session to one neighbor are two paths', (t) => {
  const { r, errors } = loadText(`bfd_instance s {
  neighbor_ip 192.0.2.2
}
bfd_instance m {
  neighbor_ip 192.0.2.2
  multihop
  max_hops 3
}
bfd_instance off {
  neighbor_ip 192.0.2.7
  multihop off
}
bfd_instance six {
  neighbor_ip 2001:db8::7
  multihop yes
}
`);
  t.deepEqual(errors, []);
  const [s, m, off, six] = r.config!.bfdInstances;
  t.like(s, { multihop: false });
  t.like(m, { multihop: true, maxHops: 3, ttl: 255 });
  t.is(bfdMinTtl(m!), 252);
  t.like(off, { multihop: false });
  t.like(six, { multihop: true, ttl: 64 });
  const again = loadText(printConfig(r.config!));
  t.true(sameValue(again.r.config!.bfdInstances, r.config!.bfdInstances), 'printed and read back');
  const bad = loadText('bfd_instance m {\n  neighbor_ip 192.0.2.2\n  multihop maybe\n}\nbfd_instance n {\n  neighbor_ip 192.0.2.2\n  multihop\n}\nbfd_instance o {\n  neighbor_ip 192.0.2.2\n  multihop true\n}\n');
  t.deepEqual(bad.errors, [":3:12: multihop takes on|off|true|false|yes|no, got 'maybe'", ':9:1: bfd_instance o: bfd_instance n (line 5) already runs a multihop session to neighbor 192.0.2.2']);
});

test('bfd_instance: names and paths are unique', (t) => {
  const { errors } = loadText('bfd_instance b1 {\n  neighbor_ip 192.0.2.2\n}\nbfd_instance b1 {\n  neighbor_ip 192.0.2.9\n}\nbfd_instance b5 {\n  neighbor_ip 192.0.2.2\n}\nbfd_instance b8 {\n  neighbor_ip 192.0.2.2\n  source_ip 192.0.2.1\n}\n');
  const every = '; without source_ip a session stands for every source (keepalived\'s find_bfd_by_addr)';
  t.deepEqual(errors, [
    ':4:1: bfd_instance b1 is defined twice (first at line 1)',
    ':7:1: bfd_instance b5: bfd_instance b1 (line 1) already runs a session to neighbor 192.0.2.2',
    `:10:1: bfd_instance b8: bfd_instance b1 (line 1) already runs a session to neighbor 192.0.2.2${every}`,
  ]);
});

for (const [what, text, duplicate] of BFD_DUPLICATES) {
  test(`bfd_instance duplicates as keepalived 2.2.7's find_bfd_by_addr: ${what}`, (t) => {
    const { errors } = loadText(text);
    if (duplicate) t.deepEqual(errors.map((e) => e.replace(/^:\d+:1: /, '').replace(/ already runs .*/, '')), ['bfd_instance two: bfd_instance one (line 1)']);
    else t.deepEqual(errors, []);
  });
}

test('track_bfd: weights default to the bfd_instance, reverse/noreverse, in instances and sync groups', (t) => {
  const { r, errors } = loadText(
    'bfd_instance b1 {\n  neighbor_ip 192.0.2.2\n  weight 10 reverse\n}\nbfd_instance b2 {\n  neighbor_ip 192.0.2.3\n}\n' +
      inst('VI_1', 1, '  track_bfd {\n    b1\n    b2 weight -30 noreverse\n  }\n') +
      inst('VI_2', 2, '') +
      'vrrp_sync_group G {\n  group {\n    VI_2\n  }\n  track_bfd {\n    b2 weight 5\n  }\n}\n',
  );
  t.deepEqual(errors, []);
  const c = r.config!;
  t.deepEqual(
    c.vrrpInstances[0]!.tracking.trackBfd.map(({ name, weight, reverse }) => ({ name, weight, reverse })),
    [
      { name: 'b1', weight: undefined, reverse: false },
      { name: 'b2', weight: -30, reverse: false },
    ],
  );
  t.like(c.syncGroups[0]!.tracking.trackBfd[0], { name: 'b2', weight: 5 });
});

test('track_bfd and BFD_CHECK: the references keepalived cannot resolve while it reads are ignored with a warning, as it ignores them, and left out of the model', (t) => {
  const { errors, warnings, r } = loadText(
    inst('VI_0', 9, '  track_bfd {\n    b1\n  }\n') +
      'bfd_instance b1 {\n  neighbor_ip 192.0.2.2\n  weight 10\n}\nbfd_instance b6 {\n  neighbor_ip 192.0.2.6\n  vrrp\n}\nbfd_instance b7 {\n  neighbor_ip 192.0.2.7\n  checker\n}\n' +
      inst('VI_1', 1, '  track_bfd {\n    b1 weight 0\n    b1 weight 5\n    b7\n    bx\n  }\n') +
      inst('VI_2', 2, '  track_bfd {\n    b1\n  }\n') +
      inst('VI_3', 3, '  track_bfd {\n    b6 weight 7\n  }\n  @tandem bfd_takeover b6\n', 255) +
      'vrrp_sync_group G {\n  group {\n    VI_2\n    VI_3\n  }\n  track_bfd {\n    b6 weight 4\n  }\n}\n' +
      'virtual_server 192.0.2.100 80 {\n  protocol TCP\n  real_server 192.0.2.5 80 {\n    BFD_CHECK {\n      name b6\n    }\n    BFD_CHECK {\n      name b7\n    }\n    BFD_CHECK {\n      name b7\n    }\n  }\n}\n',
  );
  t.deepEqual(errors, []);
  const ignored = ', as keepalived ignores it';
  t.deepEqual(
    warnings.filter((w) => w.endsWith(ignored)),
    [
      `:9:5: warning: track_bfd b1: bfd_instance b1 is defined later (line 12); keepalived only finds a bfd_instance defined before the block that names it; ignored${ignored}`,
      `:33:5: warning: (VI_1) track_bfd b1 is listed twice; the second is ignored${ignored}`,
      `:34:5: warning: track_bfd b7: bfd_instance b7 says 'checker' and not 'vrrp', so its events never reach VRRP; ignored${ignored}`,
      `:35:5: warning: track_bfd bx: no bfd_instance of that name; did you mean 'b1'?; ignored${ignored}`,
      `:73:5: warning: BFD_CHECK b6: bfd_instance b6 says 'vrrp' and not 'checker', so its events never reach the checkers; ignored${ignored}`,
      `:79:5: warning: (192.0.2.100:80/TCP) real server 192.0.2.5 already has a BFD_CHECK of b7; ignored${ignored}`,
    ],
  );
  const c = r.config!;
  t.deepEqual(c.vrrpInstances.map((i) => i.tracking.trackBfd.map((x) => x.name)), [[], ['b1'], ['b1'], ['b6']]);
  t.deepEqual(c.virtualServers[0]!.realServers[0]!.checkers.map((x) => (x.kind === 'BFD_CHECK' ? x.name : x.kind)), ['b7']);
  // The weights keepalived ignores or sets to 0 (vrrp.c) are warnings: it runs the file.
  t.deepEqual(
    warnings.filter((w) => w.includes('track_bfd') && !w.endsWith(ignored)),
    [
      ':46:5: warning: (VI_2) track_bfd b1 with weight 10 is ignored, as keepalived does for a member of vrrp_sync_group G without sync_group_tracking_weight; use weight 0 to track it',
      ':57:5: warning: (VI_3) track_bfd b6 with weight 7 is ignored, as keepalived does for the address owner (priority 255); use weight 0 to track it',
      ':67:5: warning: (G) track_bfd b6 counts at weight 0, not 4, as keepalived does when a member (VI_3) is an address owner (priority 255)',
    ],
  );
});

test('track_bfd and BFD_CHECK: a bad weight option and a nameless BFD_CHECK', (t) => {
  const { errors } = loadText(
    'bfd_instance b1 {\n  neighbor_ip 192.0.2.2\n}\n' +
      inst('VI_1', 1, '  track_bfd {\n    b1 weight 3 sideways\n    b1 weight\n  }\n') +
      'virtual_server 192.0.2.100 80 {\n  protocol TCP\n  real_server 192.0.2.5 80 {\n    BFD_CHECK {\n    }\n  }\n}\n',
  );
  t.deepEqual(errors, [":12:17: expected reverse or noreverse, got 'sideways'", ":13:8: expected 'weight N [reverse]', got 'weight'", ':19:5: BFD_CHECK needs name BFD_INSTANCE']);
});

test('@tandem lines: tandemd always reads them, whatever its config id, and skips @^tandem ones', (t) => {
  const text = 'bfd_instance b1 {\n  neighbor_ip 192.0.2.2\n}\n' + inst('VI_1', 1, '  @tandem bfd_takeover b1\n  @^tandem priority 50\n  @host1 priority 120\n');
  for (const id of ['host1', 'tandem']) {
    const { r, errors } = loadText(text, id);
    t.deepEqual(errors, []);
    const i = r.config!.vrrpInstances[0]!;
    t.deepEqual(i.bfdTakeover.map((x) => x.name), ['b1'], `config id ${id}`);
    t.not(i.priority, 50);
  }
  t.is(loadText(text, 'host1').r.config!.vrrpInstances[0]!.priority, 120);
  const unknown = loadText(inst('VI_1', 1, '  @tandem bfd_takeover nope\n'));
  t.deepEqual(unknown.errors, [':8:24: bfd_takeover nope: no bfd_instance of that name']);
  const owner = loadText('bfd_instance b1 {\n  neighbor_ip 192.0.2.2\n}\n' + inst('VI_1', 1, '  @tandem bfd_takeover b1\n', 255));
  t.deepEqual(owner.warnings, [':11:24: warning: (VI_1) bfd_takeover has no effect: the address owner (priority 255) is never a backup']);
});

test('@tandem bfd_takeover NAME ADDRESS...: the master\'s advert sources the session stands for; warned when the session alone never matches the master', (t) => {
  const six = (name: string, extra: string): string =>
    `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id 7\n  priority 100\n  virtual_ipaddress {\n    2001:db8::7\n  }\n${extra}}\n`;
  const sessions = 'bfd_instance g6 {\n  neighbor_ip 2001:db8::2\n}\nbfd_instance ll {\n  neighbor_ip fe80::2\n}\nbfd_instance v4 {\n  neighbor_ip 192.0.2.2\n}\n';
  const ok = loadText(sessions + six('VI_6', '  @tandem bfd_takeover g6 FE80::2 fe80::1:2\n  @tandem bfd_takeover ll\n') + inst('VI_4', 4, '  @tandem bfd_takeover g6 192.0.2.2\n  @tandem bfd_takeover v4\n'));
  t.deepEqual(ok.errors, []);
  t.deepEqual(ok.warnings, []);
  const [v6, v4] = ok.r.config!.vrrpInstances;
  t.deepEqual(v6!.bfdTakeover.map((x) => [x.name, x.masterAddresses]), [['g6', ['fe80::2', 'fe80::1:2']], ['ll', []]]);
  t.deepEqual(v4!.bfdTakeover.map((x) => [x.name, x.masterAddresses]), [['g6', ['192.0.2.2']], ['v4', []]]);
  t.true(sameValue(loadText(printConfig(ok.r.config!)).r.config!.vrrpInstances, ok.r.config!.vrrpInstances), 'printed and read back');

  // A global IPv6 session beside an IPv6 multicast instance (adverts from link-local sources), or
  // beside an IPv4 instance, never names the master by itself: the file runs, with a warning.
  const never = loadText(sessions + six('VI_6', '  @tandem bfd_takeover g6\n') + inst('VI_4', 4, '  @tandem bfd_takeover g6\n'));
  t.deepEqual(never.errors, []);
  t.deepEqual(never.warnings, [
    ":17:24: warning: (VI_6) bfd_takeover g6 never fires: VI_6's adverts come from the master's IPv6 link-local address (RFC 5798 §5.1.2.1), never from neighbor_ip 2001:db8::2; name the master's advert source after the session (@tandem bfd_takeover g6 ADDRESS)",
    ':26:24: warning: (VI_4) bfd_takeover g6 never fires: VI_4 is an IPv4 instance, whose adverts never come from neighbor_ip 2001:db8::2; name the master\'s advert source after the session (@tandem bfd_takeover g6 ADDRESS)',
  ]);
  // With unicast peers the adverts come from the peers' unicast_src_ip, which may be global.
  t.deepEqual(loadText(sessions + six('VI_6', '  unicast_peer {\n    2001:db8::2\n  }\n  @tandem bfd_takeover g6\n')).warnings, []);

  const bad = loadText(sessions + six('VI_6', '  @tandem bfd_takeover g6 192.0.2.2 fe80::2 fe80:0::2 nowhere\n'));
  t.deepEqual(bad.errors, [
    ':17:45: bfd_takeover g6: fe80:0::2 is listed twice',
    ":17:55: a bfd_takeover master address must be an IP address, got 'nowhere'",
  ]);
  const family = loadText(sessions + six('VI_6', '  @tandem bfd_takeover g6 192.0.2.2\n'));
  t.deepEqual(family.errors, [':17:24: (VI_6) bfd_takeover g6: 192.0.2.2 is not an IPv6 address, so no advert of VI_6 comes from it']);
});

test('global_defs bfd_*: priorities, the RT time limit, the process name and CPUs', (t) => {
  const { r, errors, warnings } = loadText('global_defs {\n  bfd_rt_priority 50\n  bfd_priority -10\n  bfd_rlimit_rtime 1\n  bfd_process_name tandem_bfd\n  bfd_cpu_affinity 0 1\n  bfd_no_swap\n}\n');
  t.deepEqual(errors, []);
  t.deepEqual(r.config!.globalDefs.bfdProcess, { rtPriority: 50, priority: -10, rlimitRttimeUs: 2, processName: 'tandem_bfd', cpuAffinity: [0, 1], noSwap: true });
  t.deepEqual(warnings, [":4:3: warning: bfd_rlimit_rtime is deprecated (keepalived too); write 'bfd_rlimit_rttime'"]);
  const bad = loadText('global_defs {\n  bfd_rt_priority 100\n  bfd_priority 20\n  bfd_process_name a_name_of_16chars\n}\n');
  t.deepEqual(bad.errors, [':2:19: bfd_rt_priority must be 1-99, got 100', ':3:16: bfd_priority must be -20-19, got 20', ":4:20: bfd_process_name 'a_name_of_16chars' is longer than 15 characters"]);
  t.deepEqual(loadText('').r.config!.globalDefs.bfdProcess, { noSwap: false });
});

test('global_defs vrrp_*: the same settings for the VRRP side, kept apart from the BFD side\'s', (t) => {
  const { r, errors, warnings } = loadText('global_defs {\n  vrrp_rt_priority 20\n  vrrp_priority -5\n  vrrp_rlimit_rttime 30000\n  vrrp_process_name tandem_vrrp\n  vrrp_cpu_affinity 1\n  bfd_priority 3\n}\n');
  t.deepEqual(errors, []);
  t.deepEqual(warnings, []);
  t.deepEqual(r.config!.globalDefs.vrrpProcess, { rtPriority: 20, priority: -5, rlimitRttimeUs: 30000, processName: 'tandem_vrrp', cpuAffinity: [1], noSwap: false });
  t.deepEqual(r.config!.globalDefs.bfdProcess, { priority: 3, noSwap: false });
  t.deepEqual(loadText('global_defs {\n  vrrp_rt_priority 0\n}\n').errors, [':2:20: vrrp_rt_priority must be 1-99, got 0']);
});

test('a file with BFD prints back into the same model (bfd_instance before the blocks that name it)', (t) => {
  const { r } = loadText(
    'global_defs {\n  bfd_rt_priority 10\n}\n' +
      inst('VI_1', 1, '  track_bfd {\n    b1 weight -7 reverse\n  }\n  @tandem bfd_takeover b1\n').replace('vrrp_instance', 'bfd_instance b1 {\n  neighbor_ip 192.0.2.2\n  min_rx 2.5\n  passive\n}\nvrrp_instance'),
  );
  t.deepEqual(r.errors, []);
  const again = loadText(printConfig(r.config!));
  t.deepEqual(again.errors, []);
  t.true(sameValue({ ...again.r.config!, file: '' }, { ...r.config!, file: '' }));
});
