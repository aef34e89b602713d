import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { klog, ktest } from './harness.js';
import { sh, sleep, until } from './guest-sh.js';
import { natLab } from './labs.js';

// KEEPALIVED-MIB's checker part with keepalived 2.2.7 as the oracle: keepalived -C -x and then
// tandemd -C -x run the same file under snmpd in the guest (keepalived's checker needs IPVS);
// snmpwalk of virtualServerTable and realServerTable must match object for object, and a real
// server stopping must send realServerStateChange from both.

// The sync daemon follows VI_1 (which neither -C runs) and has no id: the checker's view of it
// is what lvsSyncDaemon serves. lvs_timeouts fill lvsTimeouts.
const conf = `global_defs {
    router_id lb1
    enable_traps
    lvs_sync_daemon kc0 VI_1 maxlen 1400 port 8850 ttl 2 group 224.0.0.82
    lvs_timeouts tcp 900 tcpfin 30 udp 60
}
vrrp_instance VI_1 {
    interface kc0
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        198.51.100.50
    }
}
virtual_server 198.51.100.1 80 {
    delay_loop 2
    lb_algo wrr
    lb_kind NAT
    protocol TCP
    quorum 1
    sorry_server 10.1.2.9 8080
    real_server 10.1.1.2 80 {
        weight 2
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server 10.1.2.2 80 {
        weight 3
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
        }
    }
}
`;

// A group of three services with the same real server: virtualServerGroupTable and its members.
const grouped = `virtual_server_group G {
    198.51.100.2 80
    198.51.100.3-4 80
}
virtual_server group G {
    delay_loop 2
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.1.1.2 80 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
`;

/** IPVS destinations of the lab's real servers: kr1 (10.1.1.2) in four services, kr2 in one. */
const DESTINATIONS = 5;

const CHECK = '.1.3.6.1.4.1.9586.100.5.3';

function walk(): Map<string, string> {
  const out = new Map<string, string>();
  for (const sub of ['.1', '.2', '.3', '.4', '.6', '.7']) {
    for (const line of sh('snmpwalk', '-v2c', '-c', 'public', '-On', '127.0.0.1:16161', `${CHECK}${sub}`).split('\n')) {
      const i = line.indexOf(' = ');
      if (i > 0 && line.startsWith(CHECK)) out.set(line.slice(0, i), line.slice(i + 3));
    }
  }
  return out;
}

ktest('snmp-check: KEEPALIVED-MIB virtualServerGroupTable, its members, virtualServerTable, realServerTable (a sorry server, a group), lvsSyncDaemon and lvsTimeouts as keepalived -C -x serves them, and realServerStateChange', async () => {
  const lab = natLab();
  const dir = mkdtempSync('/tmp/snmp-');
  writeFileSync(join(dir, 'snmpd.conf'), `master agentx\nagentXSocket ${dir}/agentx\nagentaddress udp:127.0.0.1:16161\nrocommunity public 127.0.0.1\ntrap2sink 127.0.0.1:16162 public\n`);
  writeFileSync(join(dir, 'snmptrapd.conf'), 'disableAuthorization yes\n');
  writeFileSync(join(dir, 'k.conf'), conf + grouped);
  const snmpd = spawn('snmpd', ['-f', '-Lo', '-C', '-c', join(dir, 'snmpd.conf')], { stdio: 'ignore' });
  const trapd = spawn('snmptrapd', ['-f', '-Lo', '-On', '-n', '-C', '-c', join(dir, 'snmptrapd.conf'), 'udp:127.0.0.1:16162'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let traps = '';
  trapd.stdout!.on('data', (d: Buffer) => (traps += d.toString()));
  const run = async (cmd: string, args: string[]): Promise<{ view: Map<string, string>; trapOids: string[] }> => {
    const d: ChildProcess = spawn(cmd, args, { stdio: 'ignore' });
    try {
      await until(`${cmd}: the real servers in IPVS`, 60_000, () => ((sh('ipvsadm', '-Ln').match(/->\s+10\.1\./g) ?? []).length === DESTINATIONS ? true : undefined));
      await until(`${cmd}: the tables in snmpd`, 60_000, () => (walk().size > 100 ? true : undefined));
      await sleep(2000);
      const view = walk();
      const before = traps.length;
      lab.stopServer('kr1');
      await until(`${cmd}: kr1 out of IPVS`, 30_000, () => ((sh('ipvsadm', '-Ln').match(/->\s+10\.1\.1\./g) ?? []).length === 0 ? true : undefined));
      await sleep(2000);
      lab.startServer('kr1');
      const trapOids = [...traps.slice(before).matchAll(/\.1\.3\.6\.1\.6\.3\.1\.1\.4\.1\.0 = OID: (\S+)/g)].map((m) => m[1]!);
      return { view, trapOids };
    } finally {
      d.kill('SIGTERM');
      await until(`${cmd} to exit`, 20_000, () => (d.exitCode !== null || d.signalCode !== null ? true : undefined)).catch(() => d.kill('SIGKILL'));
      await sleep(1000);
    }
  };
  try {
    await sleep(1500);
    const ka = await run('keepalived', ['-n', '-l', '-C', '-x', '-A', join(dir, 'agentx'), '-f', join(dir, 'k.conf'), '-p', join(dir, 'k.pid'), '-c', join(dir, 'c.pid')]);
    await until('kr1 back', 10_000, () => (sh('ip', 'netns', 'exec', 'kc', 'curl', '-s', '--max-time', '2', 'http://10.1.1.2/').includes('kr1') ? true : undefined)).catch(() => undefined);
    const socket = join(mkdtempSync('/run/tandem-snmp-'), 'tandem.sock');
    const td = await run('node', ['packages/daemon/bin/tandemd.js', '-n', '-l', '-C', '-x', '-A', join(dir, 'agentx'), '-f', join(dir, 'k.conf'), '--control-socket', socket]);
    klog(`keepalived: ${ka.view.size} objects, traps ${ka.trapOids.join(' ')}; tandem: ${td.view.size} objects, traps ${td.trapOids.join(' ')}`);
    const diffs: string[] = [];
    // realServerStatsActiveConns, InactiveConns and PersistentConns (.4.1.15-17) are the kernel's
    // live connection counts at the moment of the walk: entries of earlier connections still age out
    // of them (a destination added again gets its old entries back), so only their type is compared.
    const live = /^\.1\.3\.6\.1\.4\.1\.9586\.100\.5\.3\.4\.1\.1[5-7]\./;
    const typeOf = (v: string | undefined): string | undefined => v?.split(':')[0];
    for (const [oid, v] of ka.view) if (live.test(oid) ? typeOf(td.view.get(oid)) !== typeOf(v) : td.view.get(oid) !== v) diffs.push(`${oid}: keepalived ${v}, tandem ${td.view.get(oid) ?? '(none)'}`);
    for (const oid of td.view.keys()) if (!ka.view.has(oid)) diffs.push(`${oid}: tandem only ${td.view.get(oid)!}`);
    if (diffs.length > 0) klog(diffs.join('\n'));
    assert.ok(ka.view.size > 100);
    assert.deepEqual(diffs, []);
    assert.ok(ka.trapOids.includes(`${CHECK}.5.0.1`), 'keepalived sent realServerStateChange');
    assert.ok(td.trapOids.includes(`${CHECK}.5.0.1`), 'tandem sent realServerStateChange');
  } finally {
    snmpd.kill('SIGTERM');
    trapd.kill('SIGTERM');
    lab.teardown();
  }
}, 240_000);
