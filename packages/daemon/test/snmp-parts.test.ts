import test from 'ava';
import { KEEPALIVED_MIB, VRRP_MIB, VRRPV3_MIB, type Varbind } from '../src/snmp-view.js';
import { servedMibs, servedObjects, servesAny, snmpParts } from '../src/snmp-parts.js';

const v = (...oid: number[]): Varbind => ({ oid, type: 'Integer', value: 1 });
const view = [v(...KEEPALIVED_MIB, 1, 2, 0), v(...KEEPALIVED_MIB, 2, 3, 1, 2, 1), v(...KEEPALIVED_MIB, 3, 3, 1, 2, 1), v(...VRRP_MIB, 1, 1, 0), v(...VRRPV3_MIB, 1, 1, 0)];

test('-x serves every MIB; traps still need enable_traps, as keepalived', (t) => {
  const p = snmpParts(undefined, true);
  t.deepEqual(p, { vrrp: true, checker: true, rfcv2: true, rfcv3: true, traps: false });
  t.is(servedObjects(view, p).length, 5);
  t.true(snmpParts({ traps: true }, true).traps);
});

test('without -x and without enable_snmp_* nothing is served and the subagent does not run', (t) => {
  t.false(servesAny(snmpParts({ traps: true }, false)));
  t.deepEqual(servedMibs(snmpParts({}, false)), []);
});

test('each enable_snmp_* serves its own part: the checker part with KEEPALIVED-MIB\'s globals, VRRPv3-MIB alone', (t) => {
  const checker = snmpParts({ checker: true }, false);
  t.deepEqual(servedMibs(checker).map(([n]) => n), ['KEEPALIVED-MIB']);
  t.deepEqual(servedObjects(view, checker).map((x) => x.oid[KEEPALIVED_MIB.length]), [1, 3]);
  const v3 = snmpParts({ rfcv3: true }, false);
  t.deepEqual(servedMibs(v3).map(([n]) => n), ['VRRPv3-MIB']);
  t.deepEqual(servedObjects(view, v3), [view[4]!]);
});
