// Configured routes as the netlink requests tandem makes of them: `vrf NAME` resolved to the
// VRF device's table, and a route whose VRF is missing or no VRF dropped (keepalived's "VRF %s
// not found for route") while the others are still set. No root.
import test from 'ava';
import type { RouteSpec as ConfigRoute } from '@tandem/config';
import type { LinkInfo } from '@tandem/net';
import { routeSpecs } from '../src/route-specs.js';

const pos = { file: 'k.conf', line: 3, col: 5 };
const route = (over: Partial<ConfigRoute>): ConfigRoute => ({ type: 'unicast', destination: '198.51.100.0', prefix: 24, family: 4, onlink: false, pos, ...over });
const links: LinkInfo[] = [
  { name: 'eth0', index: 2, mac: undefined, up: true, master: 5 },
  { name: 'blue', index: 5, mac: undefined, up: true, kind: 'vrf', vrfTable: 10 },
];
const ifindexOf = (name: string): number => {
  const l = links.find((x) => x.name === name);
  if (l === undefined) throw new Error(`no interface named ${name}`);
  return l.index;
};

test('vrf NAME: the route goes in the VRF\'s table; one whose VRF is missing or not a VRF is dropped, saying why, and the rest are set', (t) => {
  const dropped: string[] = [];
  const specs = routeSpecs(
    [route({ via: '192.0.2.254', vrf: 'blue' }), route({ destination: '203.0.113.0', dev: 'eth0', vrf: 'green' }), route({ destination: '203.0.113.64', prefix: 26, dev: 'eth0', vrf: 'eth0' }), route({ dev: 'eth0', table: 7 })],
    links,
    ifindexOf,
    (r, why) => dropped.push(`${r.destination}: ${why}`),
  );
  t.deepEqual(specs.map((s) => [s.destination, s.table]), [['198.51.100.0', 10], ['198.51.100.0', 7]]);
  t.deepEqual(dropped, ['203.0.113.0: VRF green not found for route', "203.0.113.64: route's VRF eth0 is not a VRF"]);
});
