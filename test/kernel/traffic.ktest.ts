import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { type Destination, IpvsClient, reconcile, type Service, type TableService } from '@tandem/ipvs';
import { klog, ktest } from './harness.js';
import { background, script, sh, until } from './guest-sh.js';

// Real traffic from a client namespace through the guest's IPVS (the guest's own namespace is
// the director) to real servers in their own namespaces, each answering with its name.

interface Lab {
  readonly servers: ChildProcess[];
  teardown(): void;
}

function startServers(names: readonly string[]): ChildProcess[] {
  return names.map((n) => {
    script(`mkdir -p /tmp/www-${n} && echo ${n} > /tmp/www-${n}/index.html`);
    return background('ip', 'netns', 'exec', n, 'busybox', 'httpd', '-f', '-p', '80', '-h', `/tmp/www-${n}`);
  });
}

function teardown(servers: readonly ChildProcess[], extra: string): void {
  for (const s of servers) s.kill('SIGKILL');
  script(`for n in kc kr1 kr2; do ip netns del $n 2>/dev/null || true; done
${extra}
ipvsadm -C`);
}

/** NAT: client 198.51.100.2 → director 198.51.100.1 (VIP) → real servers 10.1.N.2 routed back through the director. */
function natLab(): Lab {
  script(`sysctl -qw net.ipv4.ip_forward=1
ip netns add kc
ip link add kc0 type veth peer name eth0 netns kc
ip addr add 198.51.100.1/24 dev kc0 && ip link set kc0 up
ip -n kc addr add 198.51.100.2/24 dev eth0 && ip -n kc link set eth0 up && ip -n kc link set lo up
ip -n kc route add default via 198.51.100.1
for i in 1 2; do
  ip netns add kr$i
  ip link add kr\${i}0 type veth peer name eth0 netns kr$i
  ip addr add 10.1.$i.1/24 dev kr\${i}0 && ip link set kr\${i}0 up
  ip -n kr$i addr add 10.1.$i.2/24 dev eth0 && ip -n kr$i link set eth0 up && ip -n kr$i link set lo up
  ip -n kr$i route add default via 10.1.$i.1
done`);
  const servers = startServers(['kr1', 'kr2']);
  return { servers, teardown: () => teardown(servers, 'for l in kc0 kr10 kr20; do ip link del $l 2>/dev/null || true; done') };
}

/**
 * DR and TUN: one bridge with the director (VIP 10.2.0.100 on it), the client and the real
 * servers; the real servers hold the VIP themselves (on lo for DR, on tunl0 for TUN), do not
 * answer ARP for it, and reply to the client directly.
 */
function lanLab(mode: 'droute' | 'tunnel'): Lab {
  const vipOn = mode === 'droute' ? 'lo' : 'tunl0';
  script(`ip link add kbr type bridge && ip link set kbr up
ip addr add 10.2.0.1/24 dev kbr && ip addr add 10.2.0.100/32 dev kbr
n=0
for ns in kc kr1 kr2; do
  n=$((n+1))
  ip netns add $ns
  ip link add k$ns type veth peer name eth0 netns $ns
  ip link set k$ns master kbr && ip link set k$ns up
  ip -n $ns link set lo up && ip -n $ns link set eth0 up
done
ip -n kc addr add 10.2.0.2/24 dev eth0
for i in 1 2; do
  ns=kr$i
  ip -n $ns addr add 10.2.0.1$i/24 dev eth0
  ip netns exec $ns sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2
  ip netns exec $ns sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  ip -n $ns link set ${vipOn} up
  [ ${vipOn} = tunl0 ] && ip netns exec $ns sysctl -qw net.ipv4.conf.tunl0.rp_filter=0
  ip -n $ns addr add 10.2.0.100/32 dev ${vipOn}
done`);
  const servers = startServers(['kr1', 'kr2']);
  return { servers, teardown: () => teardown(servers, 'ip link del kbr 2>/dev/null || true') };
}

/** `n` requests from the client, each a new connection; the answers by server name. */
function ask(vip: string, n: number): string[] {
  const answers: string[] = [];
  for (let i = 0; i < n; i++) answers.push(sh('ip', 'netns', 'exec', 'kc', 'curl', '-s', '--max-time', '3', `http://${vip}/`).trim());
  return answers;
}

const count = (answers: readonly string[]): Record<string, number> => answers.reduce<Record<string, number>>((m, a) => ({ ...m, [a]: (m[a] ?? 0) + 1 }), {});

const service = (vip: string, scheduler: string): Service => ({ key: { family: 'inet', protocol: 'tcp', address: vip, port: 80 }, scheduler, flags: 0, timeout: 0, netmask: 32 });
const dest = (address: string, forward: Destination['forward'], weight = 1): Destination => ({ address, port: 80, forward, weight, upperThreshold: 0, lowerThreshold: 0, ...(forward === 'tunnel' ? { tunnel: { type: 'ipip' as const, port: 0, checksum: 'nocsum' as const } } : {}) });

async function waitServing(vip: string): Promise<void> {
  await until('the real servers to answer through the VIP', 15_000, () => (ask(vip, 1)[0] !== '' ? true : undefined));
}

ktest('traffic: NAT through the VIP, round-robin spread, weights, and a weight-0 server gets no new connections', async () => {
  const lab = natLab();
  const ipvs = await IpvsClient.open();
  try {
    const table = (scheduler: string, w1: number, w2: number): TableService[] => [{ service: service('198.51.100.1', scheduler), destinations: [dest('10.1.1.2', 'masq', w1), dest('10.1.2.2', 'masq', w2)] }];
    await reconcile(ipvs, table('rr', 1, 1));
    await waitServing('198.51.100.1');
    const rr = count(ask('198.51.100.1', 10));
    klog(`rr: ${JSON.stringify(rr)}`);
    assert.deepEqual(rr, { kr1: 5, kr2: 5 });

    await reconcile(ipvs, table('wrr', 3, 1));
    const wrr = count(ask('198.51.100.1', 8));
    klog(`wrr 3:1: ${JSON.stringify(wrr)}`);
    assert.deepEqual(wrr, { kr1: 6, kr2: 2 });

    await reconcile(ipvs, table('wrr', 0, 1));
    assert.deepEqual(count(ask('198.51.100.1', 6)), { kr2: 6 });
    const conns = sh('ipvsadm', '-Lnc');
    assert.match(conns, /TCP .*198\.51\.100\.2:\d+\s+198\.51\.100\.1:80\s+10\.1\.2\.2:80/);
  } finally {
    ipvs.close();
    lab.teardown();
  }
}, 120_000);

for (const mode of ['droute', 'tunnel'] as const) {
  ktest(`traffic: ${mode === 'droute' ? 'DR (VIP on the real servers\' loopback, no ARP for it)' : 'TUN (ipip to the real servers)'}, replies straight to the client`, async () => {
    const lab = lanLab(mode);
    const ipvs = await IpvsClient.open();
    try {
      await reconcile(ipvs, [{ service: service('10.2.0.100', 'rr'), destinations: [dest('10.2.0.11', mode), dest('10.2.0.12', mode)] }]);
      await waitServing('10.2.0.100');
      const spread = count(ask('10.2.0.100', 10));
      klog(`${mode}: ${JSON.stringify(spread)}`);
      assert.deepEqual(spread, { kr1: 5, kr2: 5 });
      // The client learnt the director's MAC for the VIP, not a real server's.
      const neigh = sh('ip', '-n', 'kc', 'neigh', 'show', '10.2.0.100');
      const directorMac = sh('cat', '/sys/class/net/kbr/address').trim();
      assert.ok(neigh.includes(directorMac), `client's neighbour entry for the VIP: ${neigh}`);
    } finally {
      ipvs.close();
      lab.teardown();
    }
  }, 120_000);
}
