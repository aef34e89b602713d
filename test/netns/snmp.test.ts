// keepalived's -x: tandemd as an AgentX subagent of Debian's snmpd, walked with snmpwalk and
// compared with what keepalived 2.2.7 -x serves for the same file and state; the traps of a
// link going down and up, received by snmptrapd, compared the same way.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oracleConf } from '../lib/configs.js';
import { Lab, TANDEMD } from '../lib/lab.js';
import { exited, nsRun, sleep, waitFor } from '../lib/sh.js';

const CONF = oracleConf(['enable_traps']);

const MIBS = ['.1.3.6.1.4.1.9586.100.5', '.1.3.6.1.2.1.68', '.1.3.6.1.2.1.207'];
const TRAP_OID = /\.1\.3\.6\.1\.6\.3\.1\.1\.4\.1\.0 = OID: (\S+)/g;

/** Every object the three MIBs hold, OID → "TYPE: value". */
async function walk(ns: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const m of MIBS) {
    const text = await nsRun(ns, 'snmpwalk', ['-v2c', '-c', 'public', '-On', '127.0.0.1:16161', m]);
    for (const line of text.split('\n')) {
      const i = line.indexOf(' = ');
      if (i > 0) out.set(line.slice(0, i), line.slice(i + 3));
    }
  }
  return out;
}

interface SnmpRun {
  readonly view: Map<string, string>;
  readonly traps: string[];
}

/**
 * snmpd and snmptrapd in a's namespace; `run` starts a daemon, walks the MIBs once both instances
 * are MASTER, takes eth0 down and up, and returns the objects and the trap OIDs received.
 */
async function snmpLab(lab: Lab): Promise<{ dir: string; agentx: string; run: (cmd: string, args: readonly string[], objects?: number) => Promise<SnmpRun> }> {
  const ns = lab.ns('a');
  const dir = mkdtempSync(join(tmpdir(), 'tE-snmp-'));
  const agentx = join(dir, 'agentx');
  writeFileSync(join(dir, 'snmpd.conf'), `master agentx\nagentXSocket ${agentx}\nagentaddress udp:127.0.0.1:16161\nrocommunity public 127.0.0.1\ntrap2sink 127.0.0.1:16162 public\n`);
  writeFileSync(join(dir, 'snmptrapd.conf'), 'disableAuthorization yes\n');
  lab.spawnIn('a', 'snmpd', ['-f', '-Lo', '-C', '-c', join(dir, 'snmpd.conf'), '-p', join(dir, 'snmpd.pid')]);
  const traps = lab.spawnIn('a', 'snmptrapd', ['-f', '-Lo', '-On', '-n', '-C', '-c', join(dir, 'snmptrapd.conf'), 'udp:127.0.0.1:16162']);
  await waitFor('snmpd', 10_000, async () => ((await nsRun(ns, 'snmpget', ['-v2c', '-c', 'public', '127.0.0.1:16161', '.1.3.6.1.2.1.1.1.0'], { allowFail: true })).includes('STRING') ? true : undefined), 200);
  const bothMaster = async (): Promise<true | undefined> => {
    const addrs = await nsRun(ns, 'ip', ['addr']);
    return addrs.includes('192.0.2.200') && addrs.includes('192.0.2.101') ? true : undefined;
  };
  const run = async (cmd: string, args: readonly string[], objects = 100): Promise<SnmpRun> => {
    const d = lab.spawnIn('a', cmd, args);
    await waitFor(`${cmd} MASTER of both`, 15_000, bothMaster, 100);
    await waitFor(`${cmd}'s objects in snmpd`, 10_000, async () => ((await walk(ns)).size > objects ? true : undefined), 500);
    await sleep(1500);
    const view = await walk(ns);
    const before = traps.output().length;
    await nsRun(ns, 'ip', ['link', 'set', 'eth0', 'down']);
    await sleep(2000);
    await nsRun(ns, 'ip', ['link', 'set', 'eth0', 'up']);
    await waitFor(`${cmd} MASTER again`, 15_000, bothMaster, 100);
    await sleep(2000);
    const received = [...traps.output().slice(before).matchAll(TRAP_OID)].map((m) => m[1]!);
    d.kill('SIGTERM');
    await exited(d);
    await waitFor('the addresses gone', 5000, async () => (!(await nsRun(ns, 'ip', ['addr'])).includes('192.0.2.200') ? true : undefined), 100);
    return { view, traps: received };
  };
  return { dir, agentx, run };
}

test.serial('tandemd -x serves KEEPALIVED-MIB, VRRP-MIB and VRRPv3-MIB through snmpd as keepalived -x does, and sends its traps', async (t) => {
  const lab = await Lab.create('tEsnmp', ['a']);
  try {
    const { dir, agentx, run } = await snmpLab(lab);
    const path = lab.writeConfig('a', CONF);
    const ka = await run('keepalived', ['-n', '-l', '-P', '-x', '-A', agentx, '-f', path, '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid')]);
    const td = await run(TANDEMD, ['-n', '-l', '-P', '-x', '-A', agentx, '-f', path, '--control-socket', join(dir, 't.sock')]);

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
