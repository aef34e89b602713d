import test from 'ava';
import { agentxAddress, agentxFramer } from '../src/snmp-agent.js';
import { compareOids, nextAfter, type Varbind } from '../src/snmp-view.js';
import { routeView } from '../src/snmp-route-view.js';
import { CHECK, checkView } from '../src/snmp-check-view.js';
import { instanceTrap, syncGroupTrap } from '../src/snmp-vrrp-traps.js';

test('-A takes keepalived\'s socket forms', (t) => {
  t.deepEqual(agentxAddress(undefined), { master: 'localhost', masterPort: '/var/agentx/master' });
  t.deepEqual(agentxAddress('unix:/run/agentx.sock'), { master: 'localhost', masterPort: '/run/agentx.sock' });
  t.deepEqual(agentxAddress('/run/agentx.sock'), { master: 'localhost', masterPort: '/run/agentx.sock' });
  t.deepEqual(agentxAddress('tcp:localhost:705'), { master: 'localhost', masterPort: 705 });
  t.deepEqual(agentxAddress('tcp:[::1]:705'), { master: '::1', masterPort: 705 });
  t.throws(() => agentxAddress('tcp:nohost'), { message: /tcp:HOST:PORT/ });
});

test('AgentX PDUs that arrive together, or split, are handed on one at a time', (t) => {
  const pdu = (n: number, payload: number, be = true): Buffer => {
    const b = Buffer.alloc(20 + payload, n);
    b[2] = be ? 0x10 : 0;
    if (be) b.writeUInt32BE(payload, 16);
    else b.writeUInt32LE(payload, 16);
    return b;
  };
  const got: number[] = [];
  const feed = agentxFramer((p) => got.push(p.length));
  const two = Buffer.concat([pdu(1, 8), pdu(2, 0, false), pdu(3, 12)]);
  feed(two.subarray(0, 25));
  feed(two.subarray(25, 50));
  feed(two.subarray(50));
  t.deepEqual(got, [28, 20, 32]);
});

test('GETNEXT walks the view in OID order and stops at the end of the range', (t) => {
  const v = (...oid: number[]): Varbind => ({ oid, type: 'Integer', value: 1 });
  const view = [v(1, 3, 6, 1, 2, 1, 68, 1, 1, 0), v(1, 3, 6, 1, 2, 1, 68, 1, 2, 0), v(1, 3, 6, 1, 2, 1, 207, 1)].sort((a, b) => compareOids(a.oid, b.oid));
  t.deepEqual(nextAfter(view, [1, 3, 6, 1, 2, 1, 68])?.oid, [1, 3, 6, 1, 2, 1, 68, 1, 1, 0]);
  t.deepEqual(nextAfter(view, [1, 3, 6, 1, 2, 1, 68, 1, 1, 0])?.oid, [1, 3, 6, 1, 2, 1, 68, 1, 2, 0]);
  t.is(nextAfter(view, [1, 3, 6, 1, 2, 1, 68, 1, 2, 0], [1, 3, 6, 1, 2, 1, 69]), undefined, 'not past the range');
  t.deepEqual(nextAfter(view, [1, 3, 6, 1, 2, 1, 68, 1, 2, 0])?.oid, [1, 3, 6, 1, 2, 1, 207, 1]);
  t.true(compareOids([1, 3, 10], [1, 3, 9, 5]) > 0);
});

test('the view is sorted by OID, keepalived\'s values for a master VRRPv2 instance, and the checker part only with checks', async (t) => {
  const { load } = await import('@tandem/config');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { mibView } = await import('../src/snmp-view.js');
  const dir = mkdtempSync(join(tmpdir(), 'tandem-snmp-view-'));
  const file = join(dir, 'k.conf');
  writeFileSync(
    file,
    'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 150\n advert_int 1\n virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n' +
      'virtual_server 198.51.100.1 80 {\n delay_loop 2\n lb_algo wrr\n lb_kind NAT\n protocol TCP\n real_server 10.1.1.2 80 {\n  weight 2\n }\n}\n',
  );
  const config = load(file).config!;
  const instance = { config: config.vrrpInstances[0]!, state: 'MASTER' as const, effectivePriority: 150, master: undefined, lastTransitionMs: 0, releasedMaster: 0, becameMaster: 1, stats: undefined, syncGroup: undefined };
  const snapshot = {
    version: 'tandem',
    routerId: 'lb1',
    instances: [instance],
    scripts: [],
    syncGroups: [],
    links: new Map([['eth0', { index: 3, mac: Buffer.from([2, 0, 0, 0, 0, 1]), primary4: '192.0.2.11', primary6: undefined }]]),
    startedMs: 0,
    nowMs: 1000,
    netNamespace: undefined,
    lvsFlush: false,
    lvsFlushOnStop: false,
    virtualServers: [{ config: config.virtualServers[0]!, status: { name: config.virtualServers[0]!.name, programmed: true, quorum: 'up' as const, reals: [{ address: '10.1.1.2', port: 80, up: true, weight: 2, lastCheck: null, reason: '' }] }, ipvs: undefined }],
    lvs: { groups: [], syncDaemon: undefined, timeouts: undefined },
    checks: true,
  };
  const view = mibView(snapshot);
  for (let i = 1; i < view.length; i++) t.true(compareOids(view[i - 1]!.oid, view[i]!.oid) < 0, `sorted at ${view[i]!.oid.join('.')}`);
  const get = (oid: string): unknown => view.find((v) => v.oid.join('.') === oid)?.value;
  t.is(get('1.3.6.1.4.1.9586.100.5.2.3.1.4.1'), 2, 'vrrpInstanceState master(2)');
  t.is(get('1.3.6.1.2.1.68.1.3.1.3.3.51'), 3, 'vrrpOperState master(3), indexed by ifIndex 3 and VRID 51');
  t.is(get('1.3.6.1.2.1.68.1.3.1.8.3.51'), '192.0.2.11');
  t.is(get('1.3.6.1.4.1.9586.100.5.3.3.1.9.1'), 2, 'virtualServerLoadBalancingAlgo wrr(2)');
  t.is(get('1.3.6.1.4.1.9586.100.5.3.4.1.7.1.1'), 2, 'realServerWeight');
  t.is(get('1.3.6.1.4.1.9586.100.5.3.3.1.64.1'), 2_000_000, 'virtualServerDelayLoopUsec');
  t.is(mibView({ ...snapshot, checks: false }).filter((v) => v.oid.join('.').startsWith('1.3.6.1.4.1.9586.100.5.3.')).length, 0, 'no checker part with -P');
});

test('routes and rules: row 0 static, row i an instance\'s; a multipath route\'s next hops in vrrpRouteNextHopTable', (t) => {
  const pos = { file: 'k.conf', line: 1, col: 1 };
  const at = (view: readonly Varbind[], ...oid: number[]): Varbind['value'] | undefined => view.find((v) => compareOids(v.oid, oid) === 0)?.value;
  const view = routeView(
    [
      { index: 0, set: true, routes: [{ type: 'blackhole', destination: '10.79.0.0', prefix: 16, family: 4, onlink: false, pos }], rules: [{ family: 4, from: { address: '10.77.0.0', prefix: 24 }, table: 100, invert: false, pos }] },
      { index: 2, set: false, routes: [{ type: 'unicast', destination: '10.81.0.0', prefix: 16, family: 4, onlink: false, nexthops: [{ via: '192.0.2.1', dev: 'eth0', weight: 2, onlink: false }, { via: '192.0.2.3', onlink: true }], pos }, { type: 'unicast', destination: '10.82.0.0', prefix: 16, family: 4, onlink: false, vrf: 'blue', pos }], rules: [] },
    ],
    (name) => (name === 'eth0' ? 7 : 0),
    (name) => (name === 'blue' ? 10 : undefined),
  );
  t.is(at(view, 7, 1, 13, 0, 1), 254, 'table main when none is given');
  t.is(at(view, 7, 1, 13, 2, 2), 10, "a route given by vrf NAME: the VRF's table");
  t.is(at(view, 7, 1, 10, 0, 1), 3, 'blackhole');
  t.is(at(view, 7, 1, 18, 0, 1), 19, 'proto keepalived, as the MIB numbers it');
  t.is(at(view, 7, 1, 10, 2, 1), 2, 'multipath');
  t.is(at(view, 7, 1, 14, 2, 1), 2, 'not set: the instance is not MASTER');
  t.is(at(view, 7, 1, 6, 2, 1), undefined, 'no secondary gateway with two next hops');
  t.deepEqual(at(view, 11, 1, 3, 2, 1, 2), Buffer.from([192, 0, 2, 3]));
  t.is(at(view, 11, 1, 4, 2, 1, 1), 7);
  t.is(at(view, 11, 1, 6, 2, 1, 1), 2);
  t.is(at(view, 11, 1, 7, 2, 1, 2), 1, 'onlink');
  t.is(at(view, 8, 1, 2, 0, 1), 'from');
  t.is(at(view, 8, 1, 23, 0, 1), 1, 'FR_ACT_TO_TBL');
  t.is(at(view, 8, 1, 24, 0, 1), 100);
});

test('checker part: group members fwmarks first then addresses and ranges; sync daemon details and LVS timeouts only when configured', (t) => {
  const pos = { file: 'k.conf', line: 1, col: 1 };
  const at = (view: readonly Varbind[], ...oid: number[]): Varbind['value'] | undefined => view.find((v) => compareOids(v.oid, [...CHECK, ...oid]) === 0)?.value;
  const groups = [{ name: 'web', pos, entries: [{ kind: 'address' as const, address: '192.0.2.1', family: 4 as const, port: 80, pos }, { kind: 'address' as const, address: '192.0.2.8', family: 4 as const, prefix: 30, port: 443, pos }, { kind: 'fwmark' as const, mark: 7, pos }] }];
  const view = checkView([], { groups, syncDaemon: { interface: 'eth1', instance: 'VI_1', maxlen: 1400, pos }, timeouts: { tcp: 900 } });
  t.is(at(view, 1, 1, 2, 1), 'web');
  t.is(at(view, 2, 1, 2, 1, 1), 1, 'the fwmark first');
  t.is(at(view, 2, 1, 3, 1, 1), 7);
  t.is(at(view, 2, 1, 2, 1, 2), 2, 'an address');
  t.deepEqual(at(view, 2, 1, 5, 1, 2), Buffer.from([192, 0, 2, 1]));
  t.is(at(view, 2, 1, 2, 1, 3), 3, 'a range');
  t.deepEqual(at(view, 2, 1, 7, 1, 3), Buffer.from([192, 0, 2, 11]));
  t.is(at(view, 2, 1, 5, 1, 3), undefined, 'a range has no single address');
  t.is(at(view, 6, 1, 0), 1);
  t.is(at(view, 6, 3, 0), 'VI_1');
  // keepalived's checker never learns the VRID its VRRP side defaults the id to: it serves PARAMETER_UNSET, -1 (seen in the guest).
  t.is(at(view, 6, 4, 0), -1, 'no id given: -1, as keepalived serves it');
  t.is(at(checkView([], { groups: [], syncDaemon: { interface: 'eth1', pos }, timeouts: undefined }), 6, 4, 0), 0, 'without an instance the checker runs it with id 0');
  t.is(at(view, 6, 5, 0), 1400);
  t.is(at(view, 6, 9, 0), undefined, 'no multicast group given');
  t.is(at(view, 7, 1, 0), 900);
  t.is(at(view, 7, 3, 0), undefined, 'the UDP timeout is not set');
  const bare = checkView([]);
  t.deepEqual(bare.map((v) => v.oid.slice(CHECK.length)), [[6, 1, 0]], 'without them: lvsSyncDaemonEnabled alone');
});

test('the VRRP traps carry keepalived\'s varbinds: column OIDs without a row index, the state stop(5) at the stop', (t) => {
  const text = (tr: { oid: readonly number[]; varbinds: readonly Varbind[] }): string[] => [tr.oid.join('.'), ...tr.varbinds.map((v) => `${v.oid.join('.')} ${v.type} ${String(v.value)}`)];
  const VRRP = '1.3.6.1.4.1.9586.100.5.2';
  const ROUTER = '1.3.6.1.4.1.9586.100.5.1.2.0 OctetString lb1';
  t.deepEqual(text(instanceTrap('VI_1', 'MASTER', false, 'lb1')), [`${VRRP}.10.0.2`, `${VRRP}.3.1.2 OctetString VI_1`, `${VRRP}.3.1.4 Integer 2`, `${VRRP}.3.1.5 Integer 1`, ROUTER]);
  t.deepEqual(text(instanceTrap('VI_6', 'FAULT', true, 'lb1')), [`${VRRP}.10.0.2`, `${VRRP}.3.1.2 OctetString VI_6`, `${VRRP}.3.1.4 Integer 3`, `${VRRP}.3.1.5 Integer 2`, ROUTER]);
  t.deepEqual(text(instanceTrap('VI_1', 'STOP', false, 'lb1'))[2], `${VRRP}.3.1.4 Integer 5`);
  t.deepEqual(text(syncGroupTrap('G1', 'BACKUP', 'lb1')), [`${VRRP}.10.0.1`, `${VRRP}.1.1.2 OctetString G1`, `${VRRP}.1.1.3 Integer 1`, ROUTER]);
  t.deepEqual(text(syncGroupTrap('G1', 'STOP', 'lb1'))[2], `${VRRP}.1.1.3 Integer 5`);
});
