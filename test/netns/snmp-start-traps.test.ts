// The start's VRRP traps and an AgentX master that is not there yet: tandemd keeps them until
// the master first registers its subagent, for ten seconds at most. keepalived's subagent is up
// before its instances start, and its traps are lost when no master is there: a master started
// long after tandemd must not receive the start's transitions as if they were new.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oracleConf } from '../lib/configs.js';
import { Lab, TANDEMD } from '../lib/lab.js';
import { trapsIn } from '../lib/snmp-lab.js';
import { nsRun, sleep, waitFor } from '../lib/sh.js';

const STATE_CHANGE = '.1.3.6.1.4.1.9586.100.5.2.10.0.2';

/** tandemd -x on a and, `after` ms after its spawn, snmpd; the vrrpInstanceStateChange traps snmptrapd received up to 8 s after the subagent's registration. */
async function startTrapsWithMasterAfter(name: string, after: number): Promise<string[]> {
  const lab = await Lab.create(name, ['a']);
  try {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-snmp-late-'));
    const agentx = join(dir, 'agentx');
    writeFileSync(join(dir, 'snmpd.conf'), `master agentx\nagentXSocket ${agentx}\nagentaddress udp:127.0.0.1:16161\nrocommunity public 127.0.0.1\ntrap2sink 127.0.0.1:16162 public\n`);
    writeFileSync(join(dir, 'snmptrapd.conf'), 'disableAuthorization yes\n');
    const traps = lab.spawnIn('a', 'snmptrapd', ['-f', '-Lo', '-On', '-n', '-C', '-c', join(dir, 'snmptrapd.conf'), 'udp:127.0.0.1:16162']);
    const d = lab.spawnIn('a', TANDEMD, ['-n', '-l', '-P', '-x', '-A', agentx, '-f', lab.writeConfig('a', oracleConf(['enable_traps'])), '--control-socket', join(dir, 't.sock')]);
    await sleep(after);
    lab.spawnIn('a', 'snmpd', ['-f', '-Lo', '-C', '-c', join(dir, 'snmpd.conf'), '-p', join(dir, 'snmpd.pid')]);
    // tandemd tries the master again every 5 s.
    await waitFor('the subagent registered', 15_000, () => (d.output().includes('AgentX subagent registered') ? true : undefined), 100);
    const ns = lab.ns('a');
    await waitFor('both instances MASTER', 15_000, async () => {
      const addrs = await nsRun(ns, 'ip', ['addr']);
      return addrs.includes('192.0.2.200') && addrs.includes('192.0.2.101') ? true : undefined;
    }, 100);
    await sleep(8000);
    return trapsIn(traps.output())
      .filter((x) => x.oid === STATE_CHANGE)
      .map((x) => x.varbinds.join(' | '));
  } finally {
    await lab.cleanup();
  }
}

test.serial('a master that registers tandemd within ten seconds of its start gets the start\'s traps, in order', async (t) => {
  const got = await startTrapsWithMasterAfter('tEsnmp5', 1000);
  t.log(got.join('\n'));
  // VI_6 BACKUP then MASTER; VI_1 waits for chk_true silently, then BACKUP and MASTER.
  for (const name of ['VI_1', 'VI_6']) {
    const states = got.filter((l) => l.includes(`STRING: "${name}"`)).map((l) => /\.2\.3\.1\.4 = INTEGER: (\d)/.exec(l)?.[1]);
    t.deepEqual(states, ['1', '2'], `${name}: BACKUP, then MASTER`);
  }
});

test.serial('a master that turns up later gets none of them: they are dropped, as keepalived\'s are', async (t) => {
  const got = await startTrapsWithMasterAfter('tEsnmp6', 12_000);
  t.deepEqual(got, []);
});
