// The VRRP side's pure decisions: sync-group rules, reload classification, receive dispatch.
import test from 'ava';
import { diff } from '@tandem/config';
import { followTransition, groupFaults, onWantMaster, pickInstance, planReload, settledState, vrrpPartOf, type MemberView } from '../src/index.js';
import { configFrom } from './fake-host.js';

const m = (name: string, state: MemberView['state'], wantsMaster = false): MemberView => ({ name, state, wantsMaster });

test('sync group: a member that becomes MASTER on its own takes the others; one that leaves MASTER for BACKUP takes them back', (t) => {
  const members = [m('VI_1', 'MASTER'), m('VI_2', 'BACKUP'), m('VI_3', 'BACKUP')];
  t.deepEqual(
    followTransition('G', members, { instance: 'VI_1', from: 'BACKUP', to: 'MASTER', byGroup: false }).map((x) => `${x.kind} ${x.member}`),
    ['syncMaster VI_2', 'syncMaster VI_3'],
  );
  t.deepEqual(
    followTransition('G', members, { instance: 'VI_1', from: 'MASTER', to: 'BACKUP', byGroup: false }).map((x) => `${x.kind} ${x.member}`),
    ['syncBackup VI_2', 'syncBackup VI_3'],
  );
  t.deepEqual(followTransition('G', members, { instance: 'VI_1', from: 'BACKUP', to: 'MASTER', byGroup: true }), [], 'what the group did is not followed again');
  t.deepEqual(followTransition('G', members, { instance: 'VI_1', from: 'MASTER', to: 'FAULT', byGroup: false }), [], 'FAULT spreads through groupFaults, not here');
});

test('sync group: MASTER only once every member wants it; the ones still hearing a master are named', (t) => {
  const waiting = onWantMaster('G', [m('VI_1', 'BACKUP', true), m('VI_2', 'BACKUP', false)]);
  t.deepEqual(waiting.moves, []);
  t.deepEqual(waiting.waitingFor, ['VI_2']);
  const go = onWantMaster('G', [m('VI_1', 'BACKUP', true), m('VI_2', 'BACKUP', true), m('VI_3', 'MASTER')]);
  t.deepEqual(go.moves.map((x) => `${x.kind} ${x.member}`), ['syncMaster VI_1', 'syncMaster VI_2', 'syncMaster VI_3']);
});

test('sync group: notify once the members agree, and not twice for the same state', (t) => {
  t.is(settledState([m('VI_1', 'MASTER'), m('VI_2', 'BACKUP')], undefined), undefined);
  t.is(settledState([m('VI_1', 'MASTER'), m('VI_2', 'MASTER')], 'BACKUP'), 'MASTER');
  t.is(settledState([m('VI_1', 'MASTER'), m('VI_2', 'MASTER')], 'MASTER'), undefined);
});

test('sync group: one member\'s fault is every member\'s, named; without a group only its own', (t) => {
  const r = groupFaults('G', [
    { name: 'VI_1', fault: undefined },
    { name: 'VI_2', fault: 'eth1 is down' },
  ]);
  t.deepEqual(r.map((x) => x.groupFault), ['sync group G: VI_2: eth1 is down', 'eth1 is down']);
  t.deepEqual(groupFaults(undefined, [{ name: 'VI_1', fault: undefined }]).map((x) => x.groupFault), [undefined]);
});

const inst = (name: string, lines: readonly string[] = [], prio = 100): string =>
  `vrrp_instance ${name} {\n    interface eth0\n    virtual_router_id 51\n    priority ${prio}\n    advert_int 1\n    virtual_ipaddress {\n        192.0.2.100/24\n    }\n${lines.map((l) => `    ${l}`).join('\n')}\n}\n`;

function plan(before: string, after: string): string[] {
  const a = configFrom(before);
  const b = configFrom(after);
  return planReload(vrrpPartOf(a), vrrpPartOf(b), diff(a, b)).map((s) => {
    switch (s.kind) {
      case 'keep':
      case 'announce':
      case 'remove':
        return `${s.kind} ${s.name}`;
      case 'update':
        return `update ${s.instance.name} (${s.fields.join(',')})`;
      case 'restart':
        return `restart ${s.instance.name}: ${s.why}`;
      case 'add':
        return `add ${s.instance.name}`;
    }
  });
}

test('reload classification: unchanged kept; addresses and priority in place; a move to priority 255, a new interface or advert_int restart', (t) => {
  t.deepEqual(plan(inst('VI_1'), inst('VI_1')), ['keep VI_1']);
  t.deepEqual(plan(inst('VI_1'), inst('VI_1', [], 120)), ['update VI_1 (priority)']);
  t.deepEqual(plan(inst('VI_1'), inst('VI_1', [], 255)), ['restart VI_1: it moves to or from priority 255']);
  t.deepEqual(plan(inst('VI_1'), inst('VI_1').replace('advert_int 1', 'advert_int 2')), ['restart VI_1: advertInt changed']);
  t.deepEqual(plan(inst('VI_1'), inst('VI_1').replace('192.0.2.100/24', '192.0.2.100/24\n        192.0.2.101/24')), ['update VI_1 (virtualIpaddress)']);
  t.deepEqual(plan(inst('VI_1') + inst('VI_2').replace('51', '52'), inst('VI_1')), ['keep VI_1', 'remove VI_2']);
  t.deepEqual(plan(inst('VI_1'), inst('VI_1') + inst('VI_3').replace('51', '53')), ['keep VI_1', 'add VI_3']);
});

test('reload classification: global announce settings reach unchanged instances; a changed sync group restarts its members', (t) => {
  const g = (lines: string): string => `global_defs {\n${lines}\n}\n`;
  t.deepEqual(plan(inst('VI_1'), g('    vrrp_garp_master_repeat 3') + inst('VI_1')), ['announce VI_1']);
  const group = 'vrrp_sync_group G {\n    group {\n        VI_1\n    }\n}\n';
  t.deepEqual(plan(inst('VI_1'), group + inst('VI_1')), ['restart VI_1: its vrrp_sync_group changed']);
});

test('receive dispatch: the instance listing the sender wins among those sharing a VRID; else the VRID alone decides', (t) => {
  const a = { name: 'A', vrid: 51, unicastPeers: ['192.0.2.12'] };
  const b = { name: 'B', vrid: 51, unicastPeers: ['192.0.2.13'] };
  const c = { name: 'C', vrid: 52, unicastPeers: [] };
  t.is(pickInstance([a, b, c], 51, '192.0.2.13')?.name, 'B');
  t.is(pickInstance([a, b, c], 51, '192.0.2.99')?.name, 'A', 'an unlisted sender reaches the first with the VRID (its checks decide)');
  t.is(pickInstance([a, b, c], 52, '192.0.2.99')?.name, 'C');
  t.is(pickInstance([a, b, c], 53, '192.0.2.12'), undefined);
});
