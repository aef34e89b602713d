import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { klog, ktest } from './harness.js';
import { script, sh, sleep, until } from './guest-sh.js';

// Two LVS-NAT directors, each in its own namespace with its own IPVS, run tandemd with VRRP,
// the virtual server and lvs_sync_daemon. A client holds one TCP connection through the VIP
// to a real server behind them; the master's links are cut; the connection must go on
// through the backup, which learnt it from the master's sync daemon.

const directorConf = (priority: number, sync: boolean): string => `${sync ? 'global_defs {\n    lvs_sync_daemon eth1 VI_1 id 7\n}\n' : ''}vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority ${priority}
    advert_int 1
    virtual_ipaddress {
        10.3.0.100/24 dev eth0
        10.4.0.1/24 dev eth1
    }
}
virtual_server 10.3.0.100 7 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.4.0.21 7 {
    }
}
`;

function buildLab(): void {
  script(`ip link add kfront type bridge && ip link set kfront up
ip link add kback type bridge && ip link set kback up
for ns in fa fb fc fr; do ip netns add $ns; ip -n $ns link set lo up; done
plug() { ip link add $1$2 type veth peer name $2 netns $1; ip link set $1$2 master $3; ip link set $1$2 up; ip -n $1 link set $2 up; }
plug fa eth0 kfront; plug fa eth1 kback
plug fb eth0 kfront; plug fb eth1 kback
plug fc eth0 kfront; plug fr eth0 kback
ip -n fa addr add 10.3.0.11/24 dev eth0; ip -n fa addr add 10.4.0.11/24 dev eth1
ip -n fb addr add 10.3.0.12/24 dev eth0; ip -n fb addr add 10.4.0.12/24 dev eth1
ip -n fc addr add 10.3.0.2/24 dev eth0
ip -n fr addr add 10.4.0.21/24 dev eth0; ip -n fr route add default via 10.4.0.1
for ns in fa fb; do ip netns exec $ns sysctl -qw net.ipv4.ip_forward=1; done`);
}

function teardownLab(): void {
  // The host ends of the veths are deleted by name (which takes their peers with them at once):
  // a deleted namespace's own devices go later, in the kernel's cleanup of the namespace, and a
  // veth still there then makes the next lab's `ip link add` fail with "File exists".
  // Every process in the namespaces goes first (a SIGKILLed tandemd's VRRP side outlives it for
  // a moment): a namespace with a process left keeps its veths, and the next lab's names clash.
  script(`for ns in fa fb fc fr; do ip netns pids $ns 2>/dev/null | xargs -r kill -9 2>/dev/null || true; done
for i in $(seq 50); do [ -z "$(for ns in fa fb fc fr; do ip netns pids $ns 2>/dev/null; done)" ] && break; sleep 0.1; done
for v in faeth0 faeth1 fbeth0 fbeth1 fceth0 freth0; do ip link del $v 2>/dev/null || true; done
for ns in fa fb fc fr; do ip netns del $ns 2>/dev/null || true; done
ip link del kfront 2>/dev/null || true
ip link del kback 2>/dev/null || true
for i in $(seq 50); do ip -o link show 2>/dev/null | grep -qE ' (kfront|kback|f[abcr]eth[01])[:@]' || break; sleep 0.1; done`);
}

function start(ns: string, priority: number, sync: boolean, logs: Map<string, string>): ChildProcess {
  const file = `/tmp/tandem-${ns}.conf`;
  writeFileSync(file, directorConf(priority, sync));
  const child = spawn('ip', ['netns', 'exec', ns, 'node', 'packages/daemon/bin/tandemd.js', '-f', file, '-n', '-l', '--control-socket', `/run/tandem-test/tandem-${ns}.sock`], { stdio: ['ignore', 'pipe', 'pipe'] });
  logs.set(ns, '');
  const add = (d: Buffer): void => void logs.set(ns, (logs.get(ns) ?? '') + d.toString());
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return child;
}

const holdsVip = (ns: string): boolean => sh('ip', '-n', ns, '-4', 'addr', 'show', 'dev', 'eth0').includes('10.3.0.100');

async function failover(sync: boolean): Promise<void> {
  teardownLab(); // whatever an earlier case or run left behind
  buildLab();
  const logs = new Map<string, string>();
  const children: ChildProcess[] = [];
  const server = spawn('ip', ['netns', 'exec', 'fr', 'busybox', 'nc', '-ll', '-p', '7', '-e', '/bin/cat'], { stdio: 'ignore' });
  children.push(server);
  let client: ChildProcess | undefined;
  let clientOut = '';
  try {
    children.push(start('fa', 150, sync, logs));
    await until('fa to become MASTER', 60_000, () => (holdsVip('fa') ? true : undefined));
    children.push(start('fb', 100, sync, logs));
    if (sync) {
      await until("fb's backup sync daemon", 60_000, () => (/backup sync daemon \(mcast=eth1, syncid=7/.test(sh('ip', 'netns', 'exec', 'fb', 'ipvsadm', '-L', '--daemon')) ? true : undefined));
      assert.match(sh('ip', 'netns', 'exec', 'fa', 'ipvsadm', '-L', '--daemon'), /master sync daemon \(mcast=eth1, syncid=7/);
    } else {
      await until("fb's virtual server", 60_000, () => (sh('ip', 'netns', 'exec', 'fb', 'ipvsadm', '-Ln').includes('10.4.0.21:7') ? true : undefined));
    }

    client = spawn('ip', ['netns', 'exec', 'fc', 'node', 'test/dist/kernel/echo-client.js', '10.3.0.100', '7'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(client);
    client.stdout?.on('data', (d: Buffer) => (clientOut += d.toString()));
    client.stderr?.on('data', (d: Buffer) => (clientOut += d.toString()));
    const echoes = (): number => Math.max(0, ...[...clientOut.matchAll(/ok (\d+)/g)].map((m) => Number(m[1])));
    await until('echoes through the VIP', 30_000, () => (echoes() >= 20 ? true : undefined));
    if (!sync) {
      // Control: without the sync daemon the backup knows nothing of the connection, and it breaks.
      script('ip -n fa link set eth0 down; ip -n fa link set eth1 down');
      await until('fb to take the VIP', 30_000, () => (holdsVip('fb') ? true : undefined));
      await until('the connection to break', 30_000, () => (/error|closed/.test(clientOut) ? true : undefined));
      klog(`without sync: ${clientOut.split('\n').filter((l) => /error|closed/.test(l)).join(' ')}`);
      return;
    }
    // The backup learns the connection from the master's sync daemon.
    const synced = await until('the connection on the backup', 20_000, () => {
      const c = sh('ip', 'netns', 'exec', 'fb', 'ipvsadm', '-Lnc');
      return /TCP .*ESTABLISHED\s+10\.3\.0\.2:\d+\s+10\.3\.0\.100:7\s+10\.4\.0\.21:7/.test(c) ? c : undefined;
    });
    klog(`backup's connection table before the failover:\n${synced}`);

    const before = echoes();
    script('ip -n fa link set eth0 down; ip -n fa link set eth1 down');
    const t0 = Date.now();
    await until('fb to take the VIP', 30_000, () => (holdsVip('fb') ? true : undefined));
    klog(`fb took the VIP ${Date.now() - t0} ms after the cut`);
    await until('echoes after the failover', 30_000, () => (echoes() >= before + 30 ? true : undefined));
    await sleep(300);
    assert.doesNotMatch(clientOut, /error|closed/, clientOut);
    assert.match(sh('ip', 'netns', 'exec', 'fb', 'ipvsadm', '-L', '--daemon'), /master sync daemon \(mcast=eth1, syncid=7/);
    const status = JSON.parse(sh('node', 'packages/daemon/bin/tandemctl.js', '--socket', '/run/tandem-test/tandem-fb.sock', 'status', '--json')) as { syncDaemon: { running: string[]; instance: string } };
    assert.deepEqual(status.syncDaemon, { interface: 'eth1', syncId: 7, instance: 'VI_1', running: ['master'] });
    klog(`client: ${echoes()} echoes, ${before} before the cut`);
  } catch (err) {
    klog(`client output:\n${clientOut}`);
    for (const [ns, l] of logs) klog(`--- tandemd in ${ns}:\n${l.slice(-3000)}`);
    throw err;
  } finally {
    for (const c of children) c.kill('SIGKILL');
    teardownLab();
  }
}

ktest('sync: an established TCP connection through the VIP survives a master failover (lvs_sync_daemon)', () => failover(true), 240_000);
ktest('sync: control: without lvs_sync_daemon the same connection breaks at the failover', () => failover(false), 240_000);
