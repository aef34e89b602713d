// SNMP SETs through Debian's snmpd: the same snmpset commands against tandemd -x and keepalived
// 2.2.7 -x serving the same file, side by side: the same answers (values taken, keepalived's
// error statuses), the same base and effective priorities and preemption read back, the same
// priority in the adverts on the wire, and the file's values back after a reload. Then a real
// server's weight set through SNMP in tandemd (keepalived's checker needs IPVS, which this
// kernel lacks): the weight and the quorum it makes, in tandemctl status.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { oracleConf } from '../lib/configs.js';
import { Lab, TANDEMCTL, TANDEMD } from '../lib/lab.js';
import { snmpLab } from '../lib/snmp-lab.js';
import { nsRun, sleep, waitFor } from '../lib/sh.js';

const INSTANCE = '.1.3.6.1.4.1.9586.100.5.2.3.1';
const RS_WEIGHT = '.1.3.6.1.4.1.9586.100.5.3.4.1.7';

const snmpset = (ns: string, args: string): Promise<string> => nsRun(ns, 'sh', ['-c', `snmpset -v2c -c private -On 127.0.0.1:16161 ${args} 2>&1 | grep -v '^$'`], { allowFail: true });
const snmpget = (ns: string, oids: readonly string[]): Promise<string> => nsRun(ns, 'snmpget', ['-v2c', '-c', 'public', '-On', '127.0.0.1:16161', ...oids]);

/** The priority of the last VRID 51 advert tcpdump printed after `from` (tcpdump -v: "vrid 51, prio N"). */
function lastPriority(text: string, from: number): string {
  const all = [...text.slice(from).matchAll(/vrid 51, prio (\d+)/g)];
  return all.length === 0 ? 'none' : `prio ${all[all.length - 1]![1]!}`;
}

test.serial('snmpset of vrrpInstanceBasePriority and vrrpInstancePreempt: the same answers, values and adverts from tandemd as from keepalived -x, and a reload puts the file back', async (t) => {
  const lab = await Lab.create('snmps', ['a'], 'tQ');
  try {
    const { dir, agentx, run } = await snmpLab(lab);
    const path = lab.writeConfig('a', oracleConf());
    const wire = await lab.capture('a', ['-v', 'ip proto 112']);
    const readBack = (ns: string): Promise<string> => snmpget(ns, [`${INSTANCE}.7.1`, `${INSTANCE}.8.1`, `${INSTANCE}.13.1`, `${INSTANCE}.7.2`, `${INSTANCE}.8.2`, `${INSTANCE}.13.2`]);
    const onWire = async (): Promise<string> => {
      const from = wire.output().length;
      await sleep(2500);
      return lastPriority(wire.output(), from);
    };
    const sets = (pidFile: string) => async (ns: string): Promise<string[]> => {
      const out: string[] = [];
      for (const args of [`${INSTANCE}.7.1 i 140`]) out.push(await snmpset(ns, args));
      out.push(await onWire());
      // keepalived reads an INTEGER through a u_char *: 300 sets 44, -1 sets 255 (the effective priority stays), 256 and 0 are wrongValue.
      out.push(await snmpset(ns, `${INSTANCE}.7.1 i 300`), await onWire(), await snmpset(ns, `${INSTANCE}.7.1 i -1`), await onWire());
      for (const args of ['7.1 i 0', '7.1 i 256', '7.1 s foo', '7.1 u 120', '7.3 i 120', '8.1 i 120', '13.1 i 3', '13.1 i 2', '13.2 i 1', '27.1 i 1', '27.2 i 2', '28.1 i 1', '29.1 i 1', '7.2 i 90', '7.1 i 120 ' + `${INSTANCE}.13.1 i 5`]) {
        out.push(await snmpset(ns, `${INSTANCE}.${args}`));
      }
      out.push(await snmpset(ns, '.1.3.6.1.2.1.68.1.3.1.5.2.51 i 120'), await snmpset(ns, '.1.3.6.1.2.1.207.1.1.1.1.7.2.52.1 u 120'));
      out.push(await readBack(ns));
      // Back down to 100 from the frozen 255: the effective priority follows again.
      out.push(await snmpset(ns, `${INSTANCE}.7.1 i 100`), await onWire(), await readBack(ns));
      // A reload builds the instances from the file again.
      await nsRun(ns, 'kill', ['-HUP', readFileSync(pidFile, 'utf8').trim()]);
      await sleep(3000);
      out.push(await readBack(ns), await onWire());
      return out;
    };
    const kaPid = join(dir, 'k.pid');
    const tdPid = join(dir, 't.pid');
    const ka = await run('keepalived', ['-n', '-l', '-P', '-x', '-A', agentx, '-f', path, '-p', kaPid, '-r', join(dir, 'v.pid')], 100, sets(kaPid));
    const td = await run(TANDEMD, ['-n', '-l', '-P', '-x', '-A', agentx, '-f', path, '-p', tdPid, '--control-socket', join(dir, 't.sock')], 100, sets(tdPid));
    t.log(ka.during.join('\n'));
    t.regex(ka.during[0]!, /INTEGER: 140/, 'keepalived takes the SET');
    t.is(ka.during[1], 'prio 140', 'and advertises it');
    t.deepEqual(td.during, ka.during, 'tandem answers, reads back and advertises as keepalived at every step');
    t.regex(td.log, /\(VI_1\) base priority changed from 150 to 140 via SNMP\./);
    t.regex(td.log, /\(VI_1\) preemption disabled with SNMP/);
  } finally {
    await lab.cleanup();
  }
});

const weightConf = `${oracleConf()}virtual_server 192.0.2.50 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind NAT
    protocol TCP
    quorum 4
    real_server 192.0.2.11 80 {
        weight 2
    }
    real_server 192.0.2.12 80 {
        weight 3
    }
}
`;

interface Reals {
  virtualServers: Array<{ quorum: string; reals: Array<{ address: string; weight: number; effectiveWeight: number }> }>;
}

test.serial('snmpset of realServerWeight: tandemd gives the real server that weight, counts its quorum again, serves it, and keeps it through a reload', async (t) => {
  const lab = await Lab.create('snmpw', ['a'], 'tQ');
  try {
    const { dir, agentx, run } = await snmpLab(lab);
    const path = lab.writeConfig('a', weightConf);
    const sock = join(dir, 't.sock');
    const tdPid = join(dir, 't.pid');
    const status = async (ns: string): Promise<Reals> => JSON.parse(await nsRun(ns, TANDEMCTL, ['--socket', sock, 'status', '--json'])) as Reals;
    const summary = (r: Reals): string => `quorum ${r.virtualServers[0]!.quorum}; ${r.virtualServers[0]!.reals.map((x) => `${x.address} ${x.weight}/${x.effectiveWeight}`).join(', ')}`;
    const td = await run(TANDEMD, ['-n', '-l', '-x', '-A', agentx, '-f', path, '-p', tdPid, '--control-socket', sock], 150, async (ns) => {
      const out = [summary(await status(ns))];
      out.push(await snmpset(ns, `${RS_WEIGHT}.1.2 i 1`));
      await waitFor('the quorum lost', 5000, async () => ((await status(ns)).virtualServers[0]!.quorum === 'down' ? true : undefined), 100);
      out.push(summary(await status(ns)), await snmpget(ns, [`${RS_WEIGHT}.1.2`, '.1.3.6.1.4.1.9586.100.5.3.3.1.23.1']));
      out.push(await snmpset(ns, `${RS_WEIGHT}.1.2 i 259`), summary(await status(ns)));
      out.push(await snmpset(ns, `${RS_WEIGHT}.1.3 i 1`), await snmpset(ns, `${RS_WEIGHT}.1.1 s x`), await snmpset(ns, `${RS_WEIGHT}.1.2 i 5`));
      await nsRun(ns, 'kill', ['-HUP', readFileSync(tdPid, 'utf8').trim()]);
      await sleep(3000);
      out.push(summary(await status(ns)));
      return out;
    });
    t.log(td.during.join('\n'));
    t.is(td.during[0], 'quorum up; 192.0.2.11 2/2, 192.0.2.12 3/3');
    t.regex(td.during[1]!, /INTEGER: 1$/m);
    t.is(td.during[2], 'quorum down; 192.0.2.11 2/2, 192.0.2.12 1/1', 'live weight 3 < quorum 4');
    t.regex(td.during[3]!, /7\.1\.2 = INTEGER: 1\n.*23\.1 = INTEGER: 2/, 'realServerWeight 1, virtualServerQuorumStatus false(2)');
    t.is(td.during[5], 'quorum up; 192.0.2.11 2/2, 192.0.2.12 3/3', '259 is 3 (the low byte, as keepalived)');
    t.regex(td.during[6]!, /notWritable/, 'no third real server');
    t.regex(td.during[7]!, /wrongType/);
    t.is(td.during[9], 'quorum up; 192.0.2.11 2/2, 192.0.2.12 5/5', 'the weight set to 5 kept through a reload (keepalived\'s clear_diff_rs keeps effective_weight)');
    t.regex(td.log, /Changing weight from 3 to 1 for active service 192\.0\.2\.12:80/);
  } finally {
    await lab.cleanup();
  }
});
