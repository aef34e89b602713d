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
