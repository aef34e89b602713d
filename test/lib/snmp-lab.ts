// snmpd as the AgentX master and snmptrapd in a lab director's namespace, for the tests that
// compare what tandemd and keepalived 2.2.7 serve through it (test/netns/snmp*.test.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from './lab.js';
import { exited, nsRun, sleep, waitFor } from './sh.js';

export const MIBS = ['.1.3.6.1.4.1.9586.100.5', '.1.3.6.1.2.1.68', '.1.3.6.1.2.1.207'];
const TRAP_OID = '.1.3.6.1.6.3.1.1.4.1.0';

/** A trap as snmptrapd printed it: its OID and its varbinds after snmpTrapOID ("OID = TYPE: value"). */
export interface ReceivedTrap {
  readonly oid: string;
  readonly varbinds: string[];
}

/** Each trap snmptrapd printed (-On: one line, tab-separated varbinds). */
export function trapsIn(text: string): ReceivedTrap[] {
  return text
    .split('\n')
    .filter((l) => l.includes(`${TRAP_OID} = OID: `))
    .map((l) => {
      const varbinds = l.slice(l.indexOf(TRAP_OID)).split('\t').map((v) => v.trim());
      return { oid: varbinds[0]!.split('OID: ')[1]!, varbinds: varbinds.slice(1) };
    });
}

/** Every object the three MIBs hold, OID → "TYPE: value". */
export async function walk(ns: string): Promise<Map<string, string>> {
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

export interface SnmpRun {
  readonly view: Map<string, string>;
  /** The OIDs of the traps the link's going down and up brought. */
  readonly traps: string[];
  /** Those traps with their varbinds. */
  readonly received: ReceivedTrap[];
  /** The traps sent from the daemon's start until both instances were MASTER and served. */
  readonly startTraps: ReceivedTrap[];
  /** The traps sent as the daemon stopped (SIGTERM). */
  readonly stopTraps: ReceivedTrap[];
  /** What `during` returned. */
  readonly during: readonly string[];
  /** The daemon's output. */
  readonly log: string;
}

/**
 * snmpd and snmptrapd in a's namespace; `run` starts a daemon, walks the MIBs once both instances
 * are MASTER, runs `during` (SETs, say), takes eth0 down and up, and returns the objects, the trap
 * OIDs received and what `during` returned.
 */
export async function snmpLab(lab: Lab): Promise<{ dir: string; agentx: string; run: (cmd: string, args: readonly string[], objects?: number, during?: (ns: string) => Promise<readonly string[]>) => Promise<SnmpRun> }> {
  const ns = lab.ns('a');
  const dir = mkdtempSync(join(tmpdir(), 'tandem-snmp-'));
  const agentx = join(dir, 'agentx');
  writeFileSync(join(dir, 'snmpd.conf'), `master agentx\nagentXSocket ${agentx}\nagentaddress udp:127.0.0.1:16161\nrocommunity public 127.0.0.1\nrwcommunity private 127.0.0.1\ntrap2sink 127.0.0.1:16162 public\n`);
  writeFileSync(join(dir, 'snmptrapd.conf'), 'disableAuthorization yes\n');
  lab.spawnIn('a', 'snmpd', ['-f', '-Lo', '-C', '-c', join(dir, 'snmpd.conf'), '-p', join(dir, 'snmpd.pid')]);
  const traps = lab.spawnIn('a', 'snmptrapd', ['-f', '-Lo', '-On', '-n', '-C', '-c', join(dir, 'snmptrapd.conf'), 'udp:127.0.0.1:16162']);
  await waitFor('snmpd', 10_000, async () => ((await nsRun(ns, 'snmpget', ['-v2c', '-c', 'public', '127.0.0.1:16161', '.1.3.6.1.2.1.1.1.0'], { allowFail: true })).includes('STRING') ? true : undefined), 200);
  const bothMaster = async (): Promise<true | undefined> => {
    const addrs = await nsRun(ns, 'ip', ['addr']);
    return addrs.includes('192.0.2.200') && addrs.includes('192.0.2.101') ? true : undefined;
  };
  const run = async (cmd: string, args: readonly string[], objects = 100, during?: (ns: string) => Promise<readonly string[]>): Promise<SnmpRun> => {
    const beforeStart = traps.output().length;
    const d = lab.spawnIn('a', cmd, args);
    await waitFor(`${cmd} MASTER of both`, 15_000, bothMaster, 100);
    await waitFor(`${cmd}'s objects in snmpd`, 10_000, async () => ((await walk(ns)).size > objects ? true : undefined), 500);
    await sleep(1500);
    const startTraps = trapsIn(traps.output().slice(beforeStart));
    const view = await walk(ns);
    const said = (await during?.(ns)) ?? [];
    const before = traps.output().length;
    await nsRun(ns, 'ip', ['link', 'set', 'eth0', 'down']);
    await sleep(2000);
    await nsRun(ns, 'ip', ['link', 'set', 'eth0', 'up']);
    await waitFor(`${cmd} MASTER again`, 15_000, bothMaster, 100);
    await sleep(2000);
    const received = trapsIn(traps.output().slice(before));
    const beforeStop = traps.output().length;
    d.kill('SIGTERM');
    await exited(d);
    await waitFor('the addresses gone', 5000, async () => (!(await nsRun(ns, 'ip', ['addr'])).includes('192.0.2.200') ? true : undefined), 100);
    // snmpd forwards what the subagent sent before it closed; snmptrapd prints it a moment later.
    await sleep(1000);
    const stopTraps = trapsIn(traps.output().slice(beforeStop));
    return { view, traps: received.map((r) => r.oid), received, startTraps, stopTraps, during: said, log: d.output() };
  };
  return { dir, agentx, run };
}

