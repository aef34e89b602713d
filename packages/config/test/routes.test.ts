import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, type LoadResult } from '../src/index.js';

function loadRoutes(lines: string): LoadResult {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-routes-'));
  writeFileSync(join(dir, 'k.conf'), `static_routes {\n${lines}}\n`);
  return load(join(dir, 'k.conf'));
}

test('a route takes its destination anywhere among ip route options', (t) => {
  const r = loadRoutes('    src 192.168.100.1 192.168.209.0/24 via 192.168.200.254 dev eth0 table 100 metric 5 onlink\n');
  t.deepEqual(r.errors, []);
  const route = r.config!.staticRoutes[0]!;
  t.like(route, { type: 'unicast', destination: '192.168.209.0', prefix: 24, src: '192.168.100.1', via: '192.168.200.254', dev: 'eth0', table: 100, metric: 5, onlink: true });
});

test('nexthop groups make a multipath route, with weights, devices and onlink', (t) => {
  const r = loadRoutes('    192.168.100.0/24 table 6909 nexthop via 192.168.101.1 dev wlan0 onlink weight 1 nexthop via 192.168.101.2 dev wlan0 weight 2\n');
  t.deepEqual(r.errors, []);
  const route = r.config!.staticRoutes[0]!;
  t.is(route.via, undefined);
  t.deepEqual(route.nexthops, [
    { via: '192.168.101.1', dev: 'wlan0', weight: 1, onlink: true },
    { via: '192.168.101.2', dev: 'wlan0', weight: 2, onlink: false },
  ]);
});

test("keepalived's old 'via A or B' is two equal nexthops, with a deprecation warning", (t) => {
  const r = loadRoutes('    192.168.113.0/24 via 192.168.100.252 or 192.168.100.253\n');
  t.deepEqual(r.errors, []);
  t.deepEqual(r.config!.staticRoutes[0]!.nexthops, [
    { via: '192.168.100.252', onlink: false },
    { via: '192.168.100.253', onlink: false },
  ]);
  t.is(r.warnings.length, 1);
  t.is(`${r.warnings[0]!.pos.line}:${r.warnings[0]!.pos.col}`, '2:42');
  t.regex(r.warnings[0]!.message, /deprecated.*nexthop via 192\.168\.100\.252 nexthop via 192\.168\.100\.253/);
});

const errors: Array<[string, string, string, RegExp]> = [
  ['a nexthop without via or dev', '    10.0.0.0/8 nexthop weight 2\n', '2:16', /needs via or dev/],
  ['a nexthop weight out of range', '    10.0.0.0/8 nexthop via 192.0.2.1 weight 257\n', '2:45', /1-256/],
  ['an option inside a nexthop tandem does not run', '    10.0.0.0/8 nexthop via 192.0.2.1 realms 4\n', '2:38', /nexthop option 'realms'/],
  ['a nexthop of the other family', '    10.0.0.0/8 nexthop via 2001:db8::1\n', '2:5', /not of the destination's family/],
  ["'or' without via", '    10.0.0.0/8 dev eth0 or 192.0.2.2\n', '2:25', /'or' must follow 'via ADDRESS'/],
  ['via together with nexthops', '    10.0.0.0/8 via 192.0.2.1 nexthop via 192.0.2.2\n', '2:5', /either via or nexthop/],
];
for (const [what, line, at, message] of errors) {
  test(`refuses ${what} at its position`, (t) => {
    const r = loadRoutes(line);
    t.is(r.config, undefined);
    const e = r.errors[0];
    if (e === undefined) return t.fail('no error');
    t.is(`${e.pos.line}:${e.pos.col}`, at);
    t.regex(e.message, message);
  });
}

test('route metrics (with lock), from, tos, pref, realms, expires, features ecn, congctl and no_track, as ip route reads them', (t) => {
  const r = loadRoutes('    10.1.0.0/16 via 192.0.2.1 mtu lock 1400 advmss 1360 rtt 10ms rttvar 2 initcwnd 10 congctl lock bbr features ecn tos 0x10 realms 7 no_track\n    2001:db8:9::/48 from 2001:db8:7::/64 via 2001:db8::1 pref low expires 300\n');
  t.deepEqual(r.errors, []);
  t.like(r.config!.staticRoutes[0], { metrics: { mtu: 1400, advmss: 1360, rtt: 80, rttvar: 8, initcwnd: 10 }, locked: ['mtu', 'congctl'], congctl: 'bbr', ecn: true, tos: 16, realms: 7, noTrack: true });
  t.like(r.config!.staticRoutes[1], { from: { address: '2001:db8:7::', prefix: 64 }, pref: 'low', expires: 300 });
  t.regex(loadRoutes('    10.1.0.0/16 via 192.0.2.1 encap mpls 200\n').errors.map((e) => e.message).join(), /route option 'encap' is not supported by tandem yet/);
});

test('rule actions and matches: goto, nop, blackhole, suppress_prefixlength, uidrange, ipproto, ports, l3mdev; table where a lookup needs one', (t) => {
  const rules = (lines: string): LoadResult => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-rules-'));
    writeFileSync(join(dir, 'k.conf'), `static_rules {\n${lines}}\n`);
    return load(join(dir, 'k.conf'));
  };
  const r = rules('    from all table main suppress_prefixlength 0 preference 100\n    fwmark 7 goto 300 preference 200\n    to 198.18.0.0/15 blackhole preference 250\n    l3mdev preference 260\n    ipproto udp sport 1000-2000 uidrange 5-9 table 100 preference 270\n');
  t.deepEqual(r.errors, []);
  const [a, b, c, d, e] = r.config!.staticRules;
  t.like(a, { table: 254, suppressPrefixlength: 0 });
  t.like(b, { action: 'goto', goto: 300, fwmark: 7 });
  t.like(c, { action: 'blackhole', to: { address: '198.18.0.0', prefix: 15 } });
  t.like(d, { l3mdev: true });
  t.like(e, { ipProto: 17, sport: [1000, 2000], uidRange: [5, 9] });
  t.regex(rules('    from 10.0.0.0/8 preference 5\n').errors.map((x) => x.message).join(), /a rule needs table N, l3mdev, goto N or an action/);
  t.regex(rules('    blackhole table 100 preference 5\n').errors.map((x) => x.message).join(), /a blackhole rule takes no table/);
});

test('vrf NAME puts a route in that VRF\'s table, the later of table and vrf winning, as keepalived reads them', (t) => {
  const r = loadRoutes('    192.168.209.0/24 via 192.168.200.254 vrf blue\n    192.168.210.0/24 dev eth0 vrf blue table 7\n    192.168.211.0/24 dev eth0 table 7 vrf red\n');
  t.deepEqual(r.errors, []);
  t.deepEqual(r.config!.staticRoutes.map((x) => [x.vrf, x.table]), [['blue', undefined], [undefined, 7], ['red', undefined]]);
  const bare = loadRoutes('    192.168.209.0/24 dev eth0 vrf\n');
  t.regex(bare.errors[0]!.message, /vrf needs a value/);
});

test("rules without preference are numbered as keepalived numbers them: down from 16384 per family, in the file's order across static_rules and virtual_rules", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-rules-'));
  const text = `static_rules {
    from 192.168.100.0/24 table 1
    from 2001:db8::/64 table 1
    to 192.168.101.0/24 table 1 preference 100
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {
        192.168.200.16
    }
    virtual_rules {
        from 192.168.200.0/24 table 2
    }
}
static_rules {
    from 192.168.102.0/24 table 1
}
`;
  writeFileSync(join(dir, 'k.conf'), text);
  const r = load(join(dir, 'k.conf'));
  t.deepEqual(r.errors, []);
  // keepalived 2.2.7 -t on this file: "setting to 16384" (lines 2 and 3), 16383 (line 13), 16382 (line 17).
  t.deepEqual(r.config!.staticRules.map((x) => x.preference), [16384, 16384, 100, 16382]);
  t.deepEqual(r.config!.vrrpInstances[0]!.virtualRules.map((x) => x.preference), [16383]);
  t.is(r.warnings.filter((w) => w.message.startsWith('a rule without preference')).length, 4);
});
