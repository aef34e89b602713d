import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '@tandem/config';
import { mibView, type SnmpSnapshot } from '../src/snmp-view.js';
import { planSet, SetError, type SetVarbind } from '../src/snmp-set.js';

// What keepalived 2.2.7 -x answered through snmpd for the same objects (measured 2026-11-29 with
// snmpset against keepalived in a namespace): the values and errors below are its.

const INTEGER = 2;
const OCTET_STRING = 4;
const GAUGE = 66;
const KA = [1, 3, 6, 1, 4, 1, 9586, 100, 5];
const instanceColumn = (column: number, row: number): number[] => [...KA, 2, 3, 1, column, row];
const weightOf = (vs: number, rs: number): number[] => [...KA, 3, 4, 1, 7, vs, rs];

function snapshot(sorry = ''): SnmpSnapshot {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-snmp-set-'));
  const file = join(dir, 'k.conf');
  writeFileSync(
    file,
    'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 150\n advert_int 1\n virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n' +
      'vrrp_instance VI_6 {\n interface eth0\n version 3\n virtual_router_id 52\n priority 100\n nopreempt\n virtual_ipaddress {\n  192.0.2.200/24\n }\n}\n' +
      `virtual_server 198.51.100.1 80 {\n delay_loop 2\n lb_algo wrr\n lb_kind NAT\n protocol TCP\n${sorry} real_server 10.1.1.2 80 {\n  weight 2\n }\n real_server 10.1.1.3 80 {\n  weight 3\n }\n}\n`,
  );
  const config = load(file).config!;
  const instances = config.vrrpInstances.map((c) => ({ config: c, state: 'MASTER' as const, effectivePriority: c.priority, master: undefined, lastTransitionMs: 0, releasedMaster: 0, becameMaster: 1, stats: undefined, syncGroup: undefined }));
  const vs = config.virtualServers[0]!;
  return {
    version: 'tandem',
    routerId: 'lb1',
    instances,
    scripts: [],
    syncGroups: [],
    links: new Map([['eth0', { index: 3, mac: Buffer.from([2, 0, 0, 0, 0, 1]), primary4: '192.0.2.11', primary6: undefined }]]),
    startedMs: 0,
    nowMs: 1000,
    netNamespace: undefined,
    lvsFlush: false,
    lvsFlushOnStop: false,
    virtualServers: [{ config: vs, status: { name: vs.name, programmed: true, quorum: 'up', reals: vs.realServers.map((r) => ({ address: r.address, port: r.port ?? null, up: true, weight: r.weight, lastCheck: null, reason: '' })) }, ipvs: undefined }],
    lvs: { groups: [], syncDaemon: undefined, timeouts: undefined },
    checks: true,
  };
}

const s = snapshot();
const view = mibView(s);
const set = (...vbs: SetVarbind[]): ReturnType<typeof planSet> => planSet(vbs, view, s);
const int = (oid: number[], value: number): SetVarbind => ({ oid, type: INTEGER, value: value >>> 0 });

test('vrrpInstanceBasePriority takes the value\'s low byte, as keepalived reads it; 0 (and 256) is wrongValue', (t) => {
  t.deepEqual(set(int(instanceColumn(7, 1), 140)), { ok: true, changes: [{ kind: 'basePriority', instance: 'VI_1', priority: 140 }] });
  t.deepEqual(set(int(instanceColumn(7, 1), 300)), { ok: true, changes: [{ kind: 'basePriority', instance: 'VI_1', priority: 44 }] });
  t.deepEqual(set(int(instanceColumn(7, 1), -1)), { ok: true, changes: [{ kind: 'basePriority', instance: 'VI_1', priority: 255 }] });
  t.deepEqual(set(int(instanceColumn(7, 1), 0)), { ok: false, error: SetError.wrongValue, index: 1 });
  t.deepEqual(set(int(instanceColumn(7, 1), 256)), { ok: false, error: SetError.wrongValue, index: 1 });
  t.deepEqual(set({ oid: instanceColumn(7, 1), type: OCTET_STRING, value: Buffer.from('foo') }), { ok: false, error: SetError.wrongType, index: 1 });
  t.deepEqual(set({ oid: instanceColumn(7, 1), type: GAUGE, value: 120 }), { ok: false, error: SetError.wrongType, index: 1 });
});

test('vrrpInstancePreempt: true(1) and false(2) by the low byte, anything else wrongValue', (t) => {
  t.deepEqual(set(int(instanceColumn(13, 1), 2)), { ok: true, changes: [{ kind: 'preempt', instance: 'VI_1', preempt: false }] });
  t.deepEqual(set(int(instanceColumn(13, 2), 1)), { ok: true, changes: [{ kind: 'preempt', instance: 'VI_6', preempt: true }] });
  t.deepEqual(set(int(instanceColumn(13, 1), 257)), { ok: true, changes: [{ kind: 'preempt', instance: 'VI_1', preempt: true }] });
  t.deepEqual(set(int(instanceColumn(13, 1), 3)), { ok: false, error: SetError.wrongValue, index: 1 });
  t.deepEqual(set(int(instanceColumn(13, 1), 0)), { ok: false, error: SetError.wrongValue, index: 1 });
});

test('vrrpInstanceAccept is noAccess for a VRRPv3 instance whatever the value, notWritable for a VRRPv2 one; other objects and missing rows notWritable', (t) => {
  t.deepEqual(set(int(instanceColumn(27, 2), 2)), { ok: false, error: SetError.noAccess, index: 1 });
  t.deepEqual(set({ oid: instanceColumn(27, 2), type: OCTET_STRING, value: Buffer.from('x') }), { ok: false, error: SetError.noAccess, index: 1 });
  t.deepEqual(set(int(instanceColumn(27, 1), 1)), { ok: false, error: SetError.notWritable, index: 1 });
  for (const column of [2, 8, 28, 29]) t.deepEqual(set(int(instanceColumn(column, 1), 1)), { ok: false, error: SetError.notWritable, index: 1 }, `column ${column}`);
  t.deepEqual(set({ oid: instanceColumn(7, 3), type: OCTET_STRING, value: Buffer.from('foo') }), { ok: false, error: SetError.notWritable, index: 1 }, 'no row 3: notWritable before wrongType');
  t.deepEqual(set(int([1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 5, 3, 51], 120)), { ok: false, error: SetError.notWritable, index: 1 }, 'vrrpOperPriority');
  t.deepEqual(set(int([...KA, 2, 99, 1], 1)), { ok: false, error: SetError.notWritable, index: 1 });
});

test('realServerWeight takes any INTEGER\'s low byte (0 too); a SET is all or nothing, the first refused object named', (t) => {
  t.deepEqual(set(int(weightOf(1, 2), 7)), { ok: true, changes: [{ kind: 'weight', virtualServer: s.virtualServers[0]!.config.name, index: 1, address: '10.1.1.3', weight: 7 }] });
  t.deepEqual(set(int(weightOf(1, 1), 0)), { ok: true, changes: [{ kind: 'weight', virtualServer: s.virtualServers[0]!.config.name, index: 0, address: '10.1.1.2', weight: 0 }] });
  t.deepEqual(set(int(weightOf(1, 3), 7)), { ok: false, error: SetError.notWritable, index: 1 });
  t.deepEqual(set({ oid: weightOf(1, 1), type: OCTET_STRING, value: Buffer.from('x') }), { ok: false, error: SetError.wrongType, index: 1 });
  t.deepEqual(set(int(instanceColumn(7, 1), 120), int(instanceColumn(13, 1), 5)), { ok: false, error: SetError.wrongValue, index: 2 });
});

test('with the checker part not served (-P: no checker), realServerWeight is notWritable as keepalived without its checker', (t) => {
  const vrrpOnly = { ...s, checks: false, virtualServers: [] };
  t.deepEqual(planSet([int(weightOf(1, 1), 5)], mibView(vrrpOnly), vrrpOnly), { ok: false, error: SetError.notWritable, index: 1 });
});

test('with a sorry_server, realServerTable\'s row 1 is the sorry server (realServerType false, no weight to SET) and the real servers follow, as keepalived numbers them', (t) => {
  const withSorry = snapshot(' sorry_server 10.1.1.9 8080\n');
  const v = mibView(withSorry);
  const at = (column: number, row: number): unknown => v.find((x) => x.oid.join('.') === [...KA, 3, 4, 1, column, 1, row].join('.'))?.value;
  t.deepEqual([at(2, 1), at(2, 2), at(2, 3)], [2, 1, 1], 'realServerType: sorry, then the two real servers');
  t.deepEqual([at(4, 1), at(4, 2)], [Buffer.from([10, 1, 1, 9]), Buffer.from([10, 1, 1, 2])]);
  t.deepEqual([at(5, 1), at(7, 1), at(7, 2)], [8080, undefined, 2], 'the sorry server has a port and no weight');
  t.deepEqual(planSet([int(weightOf(1, 3), 7)], v, withSorry), { ok: true, changes: [{ kind: 'weight', virtualServer: withSorry.virtualServers[0]!.config.name, index: 1, address: '10.1.1.3', weight: 7 }] });
  t.deepEqual(planSet([int(weightOf(1, 1), 7)], v, withSorry), { ok: false, error: SetError.notWritable, index: 1 }, 'the sorry server\'s weight is not writable');
});
