// tandemd -C -x stopping under Debian's snmpd as the AgentX master, snmptrapd catching what snmpd
// forwards. keepalived 2.2.7's checker sends, as it stops (ipwrapper.c clear_services,
// clear_service_vs, clear_service_rs: "We always want to send SNMP messages on shutdown"),
// realServerStateChange for each real server that was up, as it takes it out of IPVS, and
// virtualServerQuorumStateChange with virtualServerQuorumStatus shutdown(3) for every virtual
// server, omega or not, with check_snmp_rs_trap's varbinds (column OIDs without a row index);
// and logs "Shutting down service RS from VS VS" for each real server. keepalived's checker
// itself needs IPVS, which this kernel lacks, so the expectations are read from its source;
// tandemd runs its checks without IPVS all the same. A second test stops tandemd while snmpd is
// stopped (SIGSTOP): the stop must not wait for a master that does not answer.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, TANDEMCTL, type Daemon } from '../lib/lab.js';
import { exited, nsRun, waitFor } from '../lib/sh.js';
import { trapsIn } from '../lib/snmp-lab.js';

const CHECK = '.1.3.6.1.4.1.9586.100.5.3';
const ROUTER_ID = '.1.3.6.1.4.1.9586.100.5.1.2.0';

// 192.0.2.2 is the lab's client: something listens on 8080 there (up), nothing on 8081 (down,
// kept at weight 0 by inhibit_on_failure); the fwmark service's real server has no checker (up).
const conf = `global_defs {
    router_id lb-stop
    enable_traps
}
virtual_server 192.0.2.100 80 {
    delay_loop 1
    protocol TCP
    real_server 192.0.2.2 8080 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server 192.0.2.2 8081 {
        inhibit_on_failure
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
virtual_server fwmark 7 {
    protocol UDP
    real_server 192.0.2.3 53 {
    }
}
`;

interface Status {
  virtualServers: Array<{ name: string; reals: Array<{ port: number | null; up: boolean }> }>;
}

async function lab(name: string): Promise<{ lab: Lab; dir: string; snmpd: ReturnType<Lab['spawnIn']>; trapd: ReturnType<Lab['spawnIn']>; tandem: Daemon }> {
  const l = await Lab.create(name, ['a'], 'tS');
  const dir = mkdtempSync(join(tmpdir(), 'tandem-snmp-stop-'));
  try {
    const agentx = join(dir, 'agentx');
    writeFileSync(join(dir, 'snmpd.conf'), `master agentx\nagentXSocket ${agentx}\nagentaddress udp:127.0.0.1:16161\nrocommunity public 127.0.0.1\ntrap2sink 127.0.0.1:16162 public\n`);
    writeFileSync(join(dir, 'snmptrapd.conf'), 'disableAuthorization yes\n');
    const snmpd = l.spawnIn('a', 'snmpd', ['-f', '-Lo', '-C', '-c', join(dir, 'snmpd.conf'), '-p', join(dir, 'snmpd.pid')]);
    const trapd = l.spawnIn('a', 'snmptrapd', ['-f', '-Lo', '-On', '-n', '-C', '-c', join(dir, 'snmptrapd.conf'), 'udp:127.0.0.1:16162']);
    l.spawnIn('client', process.execPath, ['-e', "require('node:net').createServer((s) => s.end()).listen(8080)"]);
    const ns = l.ns('a');
    await waitFor('snmpd', 10_000, async () => ((await nsRun(ns, 'snmpget', ['-v2c', '-c', 'public', '127.0.0.1:16161', '.1.3.6.1.2.1.1.1.0'], { allowFail: true })).includes('STRING') ? true : undefined), 200);
    const tandem = await l.startTandem('a', conf, ['-C', '-x', '-A', agentx]);
    await waitFor('the subagent registered', 10_000, () => (tandem.child.output().includes('SNMP: AgentX subagent registered') ? true : undefined), 100);
    await waitFor('192.0.2.2:8080 up, 8081 down', 15_000, async () => {
      const s = JSON.parse(await nsRun(ns, 'node', [TANDEMCTL, '--socket', tandem.socket, 'status', '--json'])) as Status;
      const reals = s.virtualServers[0]?.reals ?? [];
      return reals.find((r) => r.port === 8080)?.up === true && reals.find((r) => r.port === 8081)?.up === false ? true : undefined;
    }, 200);
    return { lab: l, dir, snmpd, trapd, tandem };
  } catch (err) {
    await l.cleanup();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

test.serial('SIGTERM: keepalived\'s stop traps reach the trap receiver (a real server that was up goes down, every virtual server\'s quorum shutdown(3)), and each real server is logged "Shutting down service"', async (t) => {
  const { lab: l, dir, trapd, tandem } = await lab('stop');
  try {
    const before = trapd.output().length;
    const asked = Date.now();
    tandem.child.kill('SIGTERM');
    t.is(await exited(tandem.child, 10_000), 0);
    const tookMs = Date.now() - asked;
    const traps = await waitFor('four traps', 5000, () => {
      const got = trapsIn(trapd.output().slice(before));
      return got.length >= 4 ? got : undefined;
    }, 100);
    t.log(traps.map((x) => `${x.oid}\n  ${x.varbinds.join('\n  ')}`).join('\n'));
    const web = [`${CHECK}.3.1.2 = INTEGER: 2`, `${CHECK}.3.1.5 = INTEGER: 1`, `${CHECK}.3.1.6 = Hex-STRING: C0 00 02 64`, `${CHECK}.3.1.7 = Gauge32: 80`, `${CHECK}.3.1.8 = INTEGER: 1`];
    const mark = [`${CHECK}.3.1.2 = INTEGER: 1`, `${CHECK}.3.1.4 = Gauge32: 7`, `${CHECK}.3.1.8 = INTEGER: 2`];
    const routerId = `${ROUTER_ID} = STRING: "lb-stop"`;
    t.deepEqual(traps, [
      // 192.0.2.2:8080 was up: down(2), none of its virtual server's two real servers up any more. 8081 was down: no trap.
      { oid: `${CHECK}.5.0.1`, varbinds: [`${CHECK}.4.1.3 = INTEGER: 1`, `${CHECK}.4.1.4 = Hex-STRING: C0 00 02 02`, `${CHECK}.4.1.5 = Gauge32: 8080`, `${CHECK}.4.1.6 = INTEGER: 2`, ...web, `${CHECK}.3.1.21 = Gauge32: 0`, `${CHECK}.3.1.20 = Gauge32: 2`, routerId] },
      { oid: `${CHECK}.5.0.2`, varbinds: [...web, `${CHECK}.3.1.23 = INTEGER: 3`, `${CHECK}.3.1.22 = Gauge32: 1`, `${CHECK}.3.1.21 = Gauge32: 0`, `${CHECK}.3.1.20 = Gauge32: 2`, routerId] },
      { oid: `${CHECK}.5.0.1`, varbinds: [`${CHECK}.4.1.3 = INTEGER: 1`, `${CHECK}.4.1.4 = Hex-STRING: C0 00 02 03`, `${CHECK}.4.1.5 = Gauge32: 53`, `${CHECK}.4.1.6 = INTEGER: 2`, ...mark, `${CHECK}.3.1.21 = Gauge32: 0`, `${CHECK}.3.1.20 = Gauge32: 1`, routerId] },
      { oid: `${CHECK}.5.0.2`, varbinds: [...mark, `${CHECK}.3.1.23 = INTEGER: 3`, `${CHECK}.3.1.22 = Gauge32: 1`, `${CHECK}.3.1.21 = Gauge32: 0`, `${CHECK}.3.1.20 = Gauge32: 1`, routerId] },
    ]);
    const log = tandem.child.output();
    const lines = log.split('\n').filter((x) => x.includes('Shutting down'));
    t.deepEqual(lines.map((x) => x.replace(/^.* info: /, '')), [
      'Shutting down service [192.0.2.2]:tcp:8080 from VS [192.0.2.100]:tcp:80',
      'Shutting down (inhibited) service [192.0.2.2]:tcp:8081 from VS [192.0.2.100]:tcp:80',
      'Shutting down service [192.0.2.3]:udp:53 from VS FWM 7',
    ]);
    t.true(tookMs < 3000, `the stop took ${tookMs} ms`);
  } finally {
    await l.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('a reload that takes a virtual server and a real server away: keepalived\'s clear_diff_services lines, realServerStateChange for the one that was up and virtualServerQuorumStateChange notMet(2) for the virtual server; the stop then traps what is left', async (t) => {
  const { lab: l, dir, trapd, tandem } = await lab('reload');
  try {
    const before = trapd.output().length;
    const smaller = conf.replace(/ {4}real_server 192\.0\.2\.2 8081 \{[^]*?\n {4}\}\n/, '').replace(/virtual_server fwmark 7[^]*$/, '');
    l.writeConfig('a', smaller);
    await nsRun(l.ns('a'), 'node', [TANDEMCTL, '--socket', tandem.socket, 'reload']);
    const traps = await waitFor('two traps', 5000, () => {
      const got = trapsIn(trapd.output().slice(before));
      return got.length >= 2 ? got : undefined;
    }, 100);
    const mark = [`${CHECK}.3.1.2 = INTEGER: 1`, `${CHECK}.3.1.4 = Gauge32: 7`, `${CHECK}.3.1.8 = INTEGER: 2`];
    const routerId = `${ROUTER_ID} = STRING: "lb-stop"`;
    t.deepEqual(traps, [
      { oid: `${CHECK}.5.0.1`, varbinds: [`${CHECK}.4.1.3 = INTEGER: 1`, `${CHECK}.4.1.4 = Hex-STRING: C0 00 02 03`, `${CHECK}.4.1.5 = Gauge32: 53`, `${CHECK}.4.1.6 = INTEGER: 2`, ...mark, `${CHECK}.3.1.21 = Gauge32: 0`, `${CHECK}.3.1.20 = Gauge32: 1`, routerId] },
      { oid: `${CHECK}.5.0.2`, varbinds: [...mark, `${CHECK}.3.1.23 = INTEGER: 2`, `${CHECK}.3.1.22 = Gauge32: 1`, `${CHECK}.3.1.21 = Gauge32: 0`, `${CHECK}.3.1.20 = Gauge32: 1`, routerId] },
    ]);
    const afterReload = trapd.output().length;
    tandem.child.kill('SIGTERM');
    t.is(await exited(tandem.child, 10_000), 0);
    const stopTraps = await waitFor('two more traps', 5000, () => {
      const got = trapsIn(trapd.output().slice(afterReload));
      return got.length >= 2 ? got : undefined;
    }, 100);
    t.deepEqual(stopTraps.map((x) => [x.oid, x.varbinds.filter((v) => /\.3\.1\.2[013] =|\.4\.1\.[56] =/.test(v))]), [
      [`${CHECK}.5.0.1`, [`${CHECK}.4.1.5 = Gauge32: 8080`, `${CHECK}.4.1.6 = INTEGER: 2`, `${CHECK}.3.1.21 = Gauge32: 0`, `${CHECK}.3.1.20 = Gauge32: 1`]],
      [`${CHECK}.5.0.2`, [`${CHECK}.3.1.23 = INTEGER: 3`, `${CHECK}.3.1.21 = Gauge32: 0`, `${CHECK}.3.1.20 = Gauge32: 1`]],
    ]);
    const lines = tandem.child.output().split('\n').map((x) => x.replace(/^.* info: /, '')).filter((x) => /^(Removing|service |Shutting down)/.test(x));
    t.deepEqual(lines, [
      'service [192.0.2.2]:tcp:8081 no longer exist',
      'Removing (inhibited) service [192.0.2.2]:tcp:8081 from VS [192.0.2.100]:tcp:80',
      'Removing Virtual Server FWM 7',
      'Removing service [192.0.2.3]:udp:53 from VS FWM 7',
      'Shutting down service [192.0.2.2]:tcp:8080 from VS [192.0.2.100]:tcp:80',
    ]);
  } finally {
    await l.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('SIGTERM while the master agent is stopped (SIGSTOP): the stop still ends within about a second more, with its lines logged', async (t) => {
  const { lab: l, dir, snmpd, tandem } = await lab('stall');
  try {
    snmpd.kill('SIGSTOP');
    const asked = Date.now();
    tandem.child.kill('SIGTERM');
    t.is(await exited(tandem.child, 10_000), 0);
    const tookMs = Date.now() - asked;
    t.log(`the stop took ${tookMs} ms`);
    t.true(tookMs < 4000, `the stop took ${tookMs} ms`);
    t.is(tandem.child.output().split('\n').filter((x) => x.includes('Shutting down') && x.includes('service')).length, 3);
  } finally {
    snmpd.kill('SIGCONT');
    await l.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
