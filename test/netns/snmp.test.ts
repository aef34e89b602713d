// keepalived's -x: tandemd as an AgentX subagent of Debian's snmpd, walked with snmpwalk and
// compared with what keepalived 2.2.7 -x serves for the same file and state; the traps of a
// link going down and up, received by snmptrapd, compared the same way.
import test from 'ava';
import { join } from 'node:path';
import { oracleConf } from '../lib/configs.js';
import { Lab, TANDEMD } from '../lib/lab.js';
import { MIBS, snmpLab, type ReceivedTrap, type SnmpRun } from '../lib/snmp-lab.js';

const CONF = oracleConf(['enable_traps']);

/** keepalived -x -P and then tandemd -x -P on `conf` in a lab of their own (snmp-lab.ts's run), and the lab to clean up. */
async function bothOn(name: string, conf: string): Promise<{ lab: Lab; ka: SnmpRun; td: SnmpRun }> {
  const lab = await Lab.create(name, ['a']);
  try {
    const { dir, agentx, run } = await snmpLab(lab);
    const path = lab.writeConfig('a', conf);
    const ka = await run('keepalived', ['-n', '-l', '-P', '-x', '-A', agentx, '-f', path, '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid')]);
    const td = await run(TANDEMD, ['-n', '-l', '-P', '-x', '-A', agentx, '-f', path, '--control-socket', join(dir, 't.sock')]);
    return { lab, ka, td };
  } catch (err) {
    await lab.cleanup();
    throw err;
  }
}

test.serial('tandemd -x serves KEEPALIVED-MIB, VRRP-MIB and VRRPv3-MIB through snmpd as keepalived -x does, and sends its traps', async (t) => {
  const { lab, ka, td } = await bothOn('tEsnmp', CONF);
  try {
    t.true(ka.view.size > 150, `keepalived served ${ka.view.size} objects`);
    t.deepEqual([...td.view.keys()], [...ka.view.keys()], 'the same objects, in the same order');
    // What may differ: the version string, time ticks since start, and one keepalived bug (its
    // address iterator does not reset vrrpAddressAdvertising for the second instance's VIPs).
    const differs = (oid: string): boolean =>
      oid === '.1.3.6.1.4.1.9586.100.5.1.1.0' || /^\.1\.3\.6\.1\.2\.1\.68\.1\.3\.1\.13\./.test(oid) || /^\.1\.3\.6\.1\.2\.1\.207\.1\.1\.1\.1\.12\./.test(oid) || oid === '.1.3.6.1.4.1.9586.100.5.2.6.1.11.2.1';
    for (const [oid, value] of ka.view) if (!differs(oid)) t.is(td.view.get(oid), value, oid);
    t.regex(td.view.get('.1.3.6.1.4.1.9586.100.5.1.1.0')!, /STRING: "tandem v/);
    t.is(td.view.get('.1.3.6.1.4.1.9586.100.5.2.6.1.11.2.1'), 'INTEGER: 1', 'VI_6\'s VIP is advertised');

    // The traps of a link down and up: keepalived's vrrpInstanceStateChange, VRRP-MIB's new master
    // (v2 instances) and VRRPv3-MIB's new master, as keepalived sends them.
    const kinds = (oids: string[]): string[] => [...new Set(oids)].sort();
    t.log(`traps: keepalived ${kinds(ka.traps).join(' ')}; tandem ${kinds(td.traps).join(' ')}`);
    t.true(td.traps.includes('.1.3.6.1.4.1.9586.100.5.2.10.0.2'), 'vrrpInstanceStateChange');
    t.true(td.traps.includes('.1.3.6.1.2.1.68.0.1'), 'vrrpTrapNewMaster');
    t.true(td.traps.includes('.1.3.6.1.2.1.207.0.1'), 'vrrpv3NewMaster');
    t.deepEqual(kinds(td.traps), kinds(ka.traps), 'the same kinds of trap as keepalived');
    // Their varbinds as keepalived's: vrrpInstanceStateChange names its columns without a row index.
    const lines = (traps: readonly ReceivedTrap[], oid: string): string[] => traps.filter((x) => x.oid === oid).map((x) => x.varbinds.join(' | '));
    const STATE_CHANGE = '.1.3.6.1.4.1.9586.100.5.2.10.0.2';
    t.log(`keepalived: ${lines(ka.received, STATE_CHANGE).join('\n')}\nstop: ${ka.stopTraps.map((x) => `${x.oid} ${x.varbinds.join(' | ')}`).join('\n')}`);
    t.deepEqual(lines(td.received, STATE_CHANGE).sort(), lines(ka.received, STATE_CHANGE).sort(), 'vrrpInstanceStateChange with keepalived\'s varbinds');
    // Every trap with its varbinds: the new masters' carry this router's own address.
    const all = (traps: readonly ReceivedTrap[]): string[] => traps.map((x) => `${x.oid} ${x.varbinds.join(' | ')}`).sort();
    t.deepEqual(all(td.received), all(ka.received), 'the link\'s traps, each as keepalived\'s');
    // From the start (VI_1 waits silently for chk_true's first report, as keepalived's does) until both are MASTER.
    t.deepEqual(all(td.startTraps), all(ka.startTraps), 'the traps of the start, as keepalived\'s');
    // And as they stop: keepalived's notify_shutdown sends each instance's state stop(5).
    t.deepEqual(td.stopTraps, ka.stopTraps, 'the traps of the stop, as keepalived\'s');
  } finally {
    await lab.cleanup();
  }
});

test.serial('a vrrp_sync_group\'s transitions and stop send vrrpSyncGroupStateChange with keepalived\'s varbinds, beside its instances\' traps', async (t) => {
  const { lab, ka, td } = await bothOn('tEsnmp3', `${CONF}vrrp_sync_group G1 {\n    group {\n        VI_1\n        VI_6\n    }\n}\n`);
  try {
    const text = (traps: readonly ReceivedTrap[]): string[] => traps.filter((x) => x.oid.startsWith('.1.3.6.1.4.1.9586.100.5.2.10.0.')).map((x) => `${x.oid} ${x.varbinds.join(' | ')}`);
    t.log(`keepalived:\n${text(ka.received).join('\n')}\nstop:\n${text(ka.stopTraps).join('\n')}`);
    t.log(`tandem:\n${text(td.received).join('\n')}\nstop:\n${text(td.stopTraps).join('\n')}`);
    t.true(text(ka.received).some((l) => l.startsWith('.1.3.6.1.4.1.9586.100.5.2.10.0.1 ')), 'keepalived sends vrrpSyncGroupStateChange');
    t.deepEqual(text(td.received).sort(), text(ka.received).sort(), 'the traps of the link going down and up, as keepalived\'s');
    t.deepEqual(text(td.stopTraps), text(ka.stopTraps), 'the traps of the stop, in keepalived\'s order');
    // The start's: VI_1 waits for chk_true's first report in a FAULT keepalived does not announce,
    // then each member's BACKUP and the group's, each MASTER and the group's.
    t.deepEqual(text(td.startTraps), text(ka.startTraps), 'the traps of the start, in keepalived\'s order');
  } finally {
    await lab.cleanup();
  }
});

test.serial('without -x, enable_snmp_rfcv3 serves VRRPv3-MIB alone at snmp_socket, and without enable_traps no trap is sent, as keepalived', async (t) => {
  const lab = await Lab.create('tEsnmp2', ['a']);
  try {
    const { dir, agentx, run } = await snmpLab(lab);
    const conf = oracleConf(['enable_snmp_rfcv3', `snmp_socket ${agentx}`]);
    const path = lab.writeConfig('a', conf);
    const ka = await run('keepalived', ['-n', '-l', '-P', '-f', path, '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid')], 10);
    const td = await run(TANDEMD, ['-n', '-l', '-P', '-f', path, '--control-socket', join(dir, 't.sock')], 10);
    const mibsOf = (v: Map<string, string>): string[] => [...new Set([...v.keys()].map((oid) => MIBS.find((m) => oid.startsWith(`${m}.`))))].filter((m): m is string => m !== undefined);
    t.deepEqual(mibsOf(ka.view), ['.1.3.6.1.2.1.207'], 'keepalived serves VRRPv3-MIB only');
    t.deepEqual([...td.view.keys()], [...ka.view.keys()], 'tandem the same objects');
    t.deepEqual(ka.traps, [], 'keepalived sends no trap without enable_traps');
    t.deepEqual(td.traps, [], 'nor does tandem');
  } finally {
    await lab.cleanup();
  }
});
