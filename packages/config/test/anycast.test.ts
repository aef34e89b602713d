import test from 'ava';
import { printConfig, sameValue } from '../src/index.js';
import { loadText } from './load-text.js';

const vs = (head: string, extra: string): string => `virtual_server ${head} {\n  lb_algo mh\n  lb_kind DR\n${extra}  real_server 10.52.0.21 80 {\n  }\n}\n`;

test('@tandem announce: a virtual server announces its own address as a host route, IPv4 and IPv6', (t) => {
  const { r, errors, warnings } = loadText(`${vs('10.60.0.100 80', '  @tandem announce\n')}${vs('2001:db8::100 80', '  @tandem announce\n').replace('10.52.0.21', '2001:db8:52::21')}`);
  t.deepEqual(errors, []);
  // A host route of the service's own address is never redistributed where the director holds it as a host address (found with FRR in the guest): said at load.
  const announced = warnings.filter((w) => w.includes('announce'));
  t.deepEqual(announced.map((w) => w.split(' is the')[0]), [':4:11: warning: announce: 10.60.0.100/32', ':11:11: warning: announce: 2001:db8::100/128']);
  t.regex(announced[0]!, /zebra prefers its connected route .*announce a covering prefix$/);
  const [v4, v6] = r.config!.virtualServers;
  t.deepEqual(v4!.announce!.prefixes.map((p) => [p.address, p.prefix, p.family]), [['10.60.0.100', 32, 4]]);
  t.deepEqual(v6!.announce!.prefixes.map((p) => [p.address, p.prefix, p.family]), [['2001:db8::100', 128, 6]]);
  t.deepEqual(v4!.announce!.pos, { file: v4!.pos.file, line: 4, col: 11 }, 'the position is the keyword after @tandem');
  t.is(r.config!.globalDefs.announce, undefined, 'no global_defs lines: the defaults');
});

test('@tandem announce PREFIX...: covering prefixes, and the prefixes a fwmark or group virtual server must name', (t) => {
  const { r, errors } = loadText(`${vs('10.60.0.100 80', '  @tandem announce 10.60.0.0/24 10.60.0.100\n')}${vs('fwmark 7', '  @tandem announce 10.61.0.0/28 2001:db8:61::/64\n')}`);
  t.deepEqual(errors, []);
  const [a, f] = r.config!.virtualServers;
  t.deepEqual(a!.announce!.prefixes.map((p) => `${p.address}/${p.prefix}`), ['10.60.0.0/24', '10.60.0.100/32']);
  t.deepEqual(f!.announce!.prefixes.map((p) => `${p.address}/${p.prefix}`), ['10.61.0.0/28', '2001:db8:61::/64']);
});

test('@tandem announce: the mistakes, each at its position', (t) => {
  const { errors } = loadText(
    [
      vs('10.60.0.100 80', '  @tandem announce 10.60.0.1/24\n'),
      vs('10.60.0.101 80', '  @tandem announce 10.61.0.0/24\n'),
      vs('fwmark 7', '  @tandem announce\n'),
      vs('10.60.0.102 80', '  @tandem announce 10.60.0.102/33 nonsense\n'),
      vs('10.60.0.103 80', '  @tandem announce\n  @tandem announce\n'),
      vs('10.60.0.104 80', '  @tandem announce 10.60.0.104 10.60.0.104/32\n'),
      vs('2001:db8::1 80', '  @tandem announce 2001:db8::1/64 ::ffff:10.60.0.0/120\n').replace('10.52.0.21', '2001:db8::21'),
      vs('10.60.0.105 80', '  @tandem announce 2001:db8::/64\n'),
    ].join(''),
  );
  t.deepEqual(errors, [
    ':4:20: announce: 10.60.0.1/24 has bits set past /24; a route needs the network address',
    ":11:20: announce: 10.61.0.0/24 does not contain the virtual server's address 10.60.0.101",
    ':18:11: announce in a fwmark virtual_server needs the prefixes to announce (it has no single address)',
    ':25:20: announce: prefix /33 is longer than 32',
    ":25:35: announce must be an IP address, got 'nonsense'",
    ':33:11: announce is given twice in this virtual_server (first at line 32); list every prefix on one line',
    ':40:32: announce: 10.60.0.104/32 is listed twice',
    ':47:20: announce: 2001:db8::1/64 has bits set past /64; a route needs the network address',
    ":47:35: announce: ::ffff:10.60.0.0/120 does not contain the virtual server's address 2001:db8::1",
    ":54:20: announce: 2001:db8::/64 does not contain the virtual server's address 10.60.0.105",
  ]);
});

test('an IPv4-mapped IPv6 prefix is read with its dotted tail: no host bits past /120', (t) => {
  const { errors } = loadText(vs('::ffff:10.60.0.7 80', '  @tandem announce ::ffff:10.60.0.0/120\n').replace('10.52.0.21', '::ffff:10.52.0.21'));
  t.deepEqual(errors, []);
});

test('global_defs @tandem announce_interface / announce_withdraw_delay, and their errors', (t) => {
  const ok = loadText(`global_defs {\n  @tandem announce_interface any0\n  @tandem announce_withdraw_delay 2.5\n}\n${vs('10.60.0.100 80', '  @tandem announce\n')}`);
  t.deepEqual(ok.errors, []);
  t.like(ok.r.config!.globalDefs.announce, { interface: 'any0', withdrawDelay: 2.5 });
  const bad = loadText(`global_defs {\n  @tandem announce_interface this-name-is-too-long\n  @tandem announce_interface a/b\n  @tandem announce_withdraw_delay 61\n}\n${vs('10.60.0.100 80', '  @tandem announce\n')}`);
  t.deepEqual(bad.errors, [
    ":2:30: announce_interface 'this-name-is-too-long' is not an interface name (1-15 characters, no '/', ':' or spaces)",
    ":3:30: announce_interface 'a/b' is not an interface name (1-15 characters, no '/', ':' or spaces)",
    ':4:35: announce_withdraw_delay must be 0-60 seconds, got 61',
  ]);
  const unused = loadText('global_defs {\n  @tandem announce_interface any0\n}\n');
  t.deepEqual(unused.warnings, [':2:11: warning: announce_* settings have no effect: no virtual_server has an announce line']);
});

test('@^tandem lines are ones tandemd skips (keepalived reads them)', (t) => {
  const { r, errors } = loadText(vs('10.60.0.100 80', '  @^tandem announce 10.99.0.0/24\n'));
  t.deepEqual(errors, []);
  t.is(r.config!.virtualServers[0]!.announce, undefined);
});

test('printConfig writes the announce lines back as @tandem lines that load into the same model', (t) => {
  const { r } = loadText(`global_defs {\n  @tandem announce_interface any0\n  @tandem announce_withdraw_delay 0\n}\n${vs('10.60.0.100 80', '  @tandem announce 10.60.0.0/24\n')}${vs('10.60.0.101 80', '  @tandem announce\n')}`);
  const text = printConfig(r.config!);
  t.true(text.includes('@tandem announce 10.60.0.0/24'), text);
  t.true(text.includes('@tandem announce_withdraw_delay 0'), text);
  const again = loadText(text);
  t.deepEqual(again.errors, []);
  t.true(sameValue(r.config!.virtualServers.map((v) => v.announce), again.r.config!.virtualServers.map((v) => v.announce)));
  t.true(sameValue(r.config!.globalDefs, again.r.config!.globalDefs));
});
