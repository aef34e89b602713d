import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '@tandem/config';
import { trackView } from '../src/snmp-track-view.js';

// What keepalived 2.2.7 -x served for this shape of file (walked 2026-11-29 through snmpd): the
// rows, their numbering and which weight each table shows.

const dir = mkdtempSync(join(tmpdir(), 'tandem-snmp-track-'));
const file = join(dir, 'k.conf');
writeFileSync(
  file,
  `vrrp_script chk {\n script "/bin/true"\n interval 1\n weight 3\n}\n` +
    `track_file f1 {\n file ${dir}/f1\n weight 2\n}\ntrack_file f2 {\n file ${dir}/f2\n weight -4 reverse\n}\n` +
    `vrrp_track_process p1 {\n process snmpd\n weight 5\n}\n` +
    `vrrp_sync_group G1 {\n group {\n  VI_1\n }\n track_interface {\n  eth0 weight 7\n }\n track_script {\n  chk weight 4\n }\n track_file {\n  f2 weight 6\n }\n track_process {\n  p1\n }\n}\n` +
    `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 150\n virtual_ipaddress {\n  192.0.2.100/24\n }\n track_interface {\n  lo weight 2\n }\n track_script {\n  chk\n }\n track_file {\n  f1 weight 0\n }\n}\n` +
    `vrrp_instance VI_3 {\n interface eth0\n virtual_router_id 53\n priority 100\n virtual_ipaddress {\n  192.0.2.150/24\n }\n track_interface {\n  lo weight -3 reverse\n }\n track_script {\n  chk\n }\n track_file {\n  f1 weight 9\n  f2\n }\n track_process {\n  p1 weight 3\n }\n}\n`,
);
const config = load(file).config!;
const view = trackView({
  instances: config.vrrpInstances,
  syncGroups: config.syncGroups.map((g) => ({ name: g.name, members: g.group, tracking: g.tracking, trackingWeight: g.syncGroupTrackingWeight })),
  scripts: config.vrrpScripts,
  files: config.trackFiles.map((f, i) => ({ config: f, value: i === 0 ? 5 : 0 })),
  processes: config.trackProcesses,
  processCounts: [{ name: 'p1', count: 0, up: false }],
  bfd: [],
});
const get = (...oid: number[]): unknown => view.find((v) => v.oid.join('.') === oid.join('.'))?.value;

test('vrrpTrackedInterfaceTable: the name in column 1, rows numbered per instance; weight 0 in a sync group without sync_group_tracking_weight', (t) => {
  t.is(get(4, 1, 1, 1, 1), 'lo');
  t.is(get(4, 1, 2, 1, 1), 0, 'VI_1 is in G1: its tracked interfaces weigh nothing');
  t.is(get(4, 1, 1, 2, 1), 'lo');
  t.is(get(4, 1, 2, 2, 1), -3);
  t.is(get(4, 1, 3, 2, 1), 1, 'reverse: true(1)');
});

test('tracked files and processes show their own block\'s weight, scripts the track line\'s (or the script\'s)', (t) => {
  t.is(get(12, 1, 2, 2, 1), 'f1');
  t.is(get(12, 1, 3, 2, 1), 2, 'f1\'s own weight, not the line\'s 9');
  t.is(get(12, 1, 3, 2, 2), -4);
  t.is(get(12, 1, 4, 2, 2), 1);
  t.is(get(5, 1, 3, 2, 1), 3, 'no weight on the line: the script\'s');
  t.is(get(20, 1, 2, 2, 1), 'p1');
  t.is(get(20, 1, 3, 2, 1), 5, 'the process\'s own weight, not the line\'s 3');
});

test('the sync group\'s tables, and vrrpFileTable with each file\'s value', (t) => {
  t.is(get(14, 1, 1, 1, 1), 'eth0');
  t.is(get(14, 1, 2, 1, 1), 7);
  t.is(get(15, 1, 3, 1, 1), 4, 'the line\'s weight');
  t.is(get(16, 1, 3, 1, 1), -4, 'f2\'s own weight, not the line\'s 6');
  t.is(get(22, 1, 3, 1, 1), 5);
  t.deepEqual([2, 3, 4, 5, 6].map((c) => get(13, 1, c, 1)), ['f1', `${dir}/f1`, 5, 2, 2]);
  t.deepEqual([2, 4, 5, 6].map((c) => get(13, 1, c, 2)), ['f2', 0, -4, 1]);
});

test('vrrpProcessTable: keepalived 2.2.7\'s values for `process snmpd` with weight 5 and no snmpd running where it counts', (t) => {
  // keepalived -x served: "proc1", "snmpd", "", 0, 5, 2, Gauge32 1, -1, Gauge32 0, Gauge32 0, 2, 0, 2.
  t.deepEqual(
    [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map((c) => view.find((v) => v.oid.join('.') === `21.1.${c}.1`)),
    [
      ['OctetString', 'p1'],
      ['OctetString', 'snmpd'],
      ['OctetString', ''],
      ['Integer', 0],
      ['Integer', 5],
      ['Integer', 2],
      ['Gauge32', 1],
      ['Integer', -1],
      ['Gauge32', 0],
      ['Gauge32', 0],
      ['Integer', 2],
      ['Integer', 0],
      ['Integer', 2],
    ].map(([type, value], i) => ({ oid: [21, 1, i + 2, 1], type, value })),
  );
});

test('a sync group member\'s own weighted track_script is no row: keepalived drops it (vrrp_complete_instance), as tandem does', (t) => {
  t.false(view.some((v) => v.oid[0] === 5 && v.oid[3] === 1), 'VI_1 (in G1 without sync_group_tracking_weight) has no vrrpTrackedScriptTable row for chk');
  t.true(view.some((v) => v.oid[0] === 5 && v.oid[3] === 2), 'VI_3, in no group, keeps its row');
});
