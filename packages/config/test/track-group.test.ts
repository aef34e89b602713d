import test from 'ava';
import { printConfig, staticTrackedInterfaces } from '../src/index.js';
import { loadText } from './load-text.js';

const inst = (name: string, vrid: number): string => `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  virtual_ipaddress {\n    192.0.2.${vrid}\n  }\n}\n`;
const group = (members: string): string => `track_group TG {\n  group {\n    ${members}\n  }\n}\n`;

test('track_group: members several to a line (keepalived reads the block as words), named by static addresses, routes and rules, each instance tracking their interfaces once', (t) => {
  const { r, errors } = loadText(
    group('VI_1 VI_2') +
      'static_ipaddress {\n  198.51.100.1/24 dev eth1 track_group TG\n  198.51.100.2/24 dev eth1 track_group TG\n  198.51.100.3/24 track_group TG\n}\n' +
      'static_routes {\n  198.51.101.0/24 via 198.51.100.9 dev eth2 track_group TG\n}\n' +
      'static_rules {\n  iif eth3 table 100 preference 7 track_group TG\n}\n' +
      inst('VI_1', 1) +
      inst('VI_2', 2) +
      inst('VI_3', 3),
  );
  t.deepEqual(errors, []);
  const c = r.config!;
  t.deepEqual(c.trackGroups?.map((g) => [g.name, g.group]), [['TG', ['VI_1', 'VI_2']]]);
  // An address without dev is on default_interface (eth0).
  t.deepEqual(staticTrackedInterfaces(c), { VI_1: ['eth1', 'eth0', 'eth2', 'eth3'], VI_2: ['eth1', 'eth0', 'eth2', 'eth3'] });
  // Printed, it reads back the same (the group before the items that name it).
  const again = loadText(printConfig(c));
  t.deepEqual(again.errors, []);
  t.deepEqual(staticTrackedInterfaces(again.r.config!), staticTrackedInterfaces(c));
});

test('track_group errors as keepalived 2.2.7 -t reports them: defined after its use, not defined, a route without dev, on an instance\'s address; an unknown member is a warning', (t) => {
  const late = loadText('static_ipaddress {\n  198.51.100.1/24 dev eth1 track_group TG\n}\n' + group('VI_1') + inst('VI_1', 1));
  t.deepEqual(late.errors, [':2:3: track_group TG is defined only after this line: keepalived reads it in order and says "not found"; move the track_group block up']);
  const missing = loadText('static_ipaddress {\n  198.51.100.1/24 dev eth1 track_group TX\n}\n' + inst('VI_1', 1));
  t.deepEqual(missing.errors, [':2:3: track_group TX not found']);
  const route = loadText(group('VI_1 VI_9') + 'static_routes {\n  198.51.101.0/24 via 198.51.100.2 track_group TG\n}\n' + inst('VI_1', 1));
  t.deepEqual(route.errors, [':7:3: a static route with track_group needs dev (keepalived: "Static route cannot have track_group if interface not specified")']);
  t.deepEqual(route.warnings, [':1:1: warning: track_group TG: no vrrp_instance VI_9; ignored, as keepalived ignores it']);
  const onVip = loadText(group('VI_1') + inst('VI_1', 1).replace('192.0.2.1\n', '192.0.2.1 track_group TG\n'));
  t.deepEqual(onVip.errors, [':10:5: track_group is taken only by static_ipaddress, static_routes and static_rules entries (keepalived refuses it here too)']);
  const twice = loadText(group('VI_1') + group('VI_1') + inst('VI_1', 1));
  t.deepEqual(twice.errors, [':6:1: track_group TG is defined twice (first at line 1)']);
  const noTrack = loadText(group('VI_1') + 'static_ipaddress {\n  198.51.100.1/24 dev eth1 no_track track_group TG\n}\n' + inst('VI_1', 1));
  t.deepEqual(noTrack.warnings, [':7:3: warning: static_ipaddress entry has both track_group and no_track: not tracked (as keepalived)']);
  t.deepEqual(staticTrackedInterfaces(noTrack.r.config!), {});
});

test('startup_script / shutdown_script: command, user and group; timeouts 1-1000 s, 10 by default; one each', (t) => {
  const { r, errors } = loadText('global_defs {\n  startup_script "/usr/local/bin/up --now" nobody nogroup\n  shutdown_script /usr/local/bin/down\n  shutdown_script_timeout 30\n}\n' + inst('VI_1', 1));
  t.deepEqual(errors, []);
  const g = r.config!.globalDefs;
  t.like(g.startupScript, { command: '/usr/local/bin/up --now', user: 'nobody', group: 'nogroup' });
  t.like(g.shutdownScript, { command: '/usr/local/bin/down' });
  t.is(g.startupScriptTimeout, 10);
  t.is(g.shutdownScriptTimeout, 30);
  const bad = loadText('global_defs {\n  startup_script /bin/true\n  startup_script /bin/false\n  startup_script_timeout 0\n}\n' + inst('VI_1', 1));
  t.is(bad.errors.length, 2);
  t.regex(bad.errors[0]!, /^:3:3: startup_script already given/);
  t.regex(bad.errors[1]!, /^:4:26: .*startup_script_timeout/);
});

test('garp_group: intervals, interface lines and interfaces blocks; an interface in two groups and a group without an interval are errors, as keepalived -t says', (t) => {
  const { r, errors } = loadText('garp_group {\n  garp_interval 0.5\n  gna_interval 0.002\n  interfaces {\n    eth0 eth1\n    eth2\n  }\n  interface eth3\n}\n' + inst('VI_1', 1));
  t.deepEqual(errors, []);
  t.deepEqual(r.config!.garpGroups?.map(({ pos: _p, ...g }) => g), [{ garpInterval: 0.5, gnaInterval: 0.002, interfaces: ['eth0', 'eth1', 'eth2', 'eth3'] }]);
  const again = loadText(printConfig(r.config!));
  t.deepEqual(again.r.config!.garpGroups?.map(({ pos: _p, ...g }) => g), r.config!.garpGroups?.map(({ pos: _p, ...g }) => g));
  const twice = loadText('garp_group {\n  garp_interval 0.5\n  interfaces {\n    eth0 eth1\n  }\n}\ngarp_group {\n  gna_interval 1\n  interface eth1\n}\n' + inst('VI_1', 1));
  t.deepEqual(twice.errors, [':9:13: garp_group already specified for eth1 (keepalived ignores this one)']);
  const none = loadText('garp_group {\n  interface eth1\n}\n' + inst('VI_1', 1));
  t.deepEqual(none.errors, [':1:1: garp_group needs garp_interval or gna_interval (keepalived: "does not have any delay set - removing")']);
});
