import type { ChildProcess } from 'node:child_process';
import { background, script, sh, until } from './guest-sh.js';

// Namespaces for real traffic in the guest: a client, two real servers each answering HTTP
// with its own name, and the guest's own namespace as the director.

export interface Lab {
  /** The HTTP server of each real-server namespace, by namespace name. */
  readonly servers: Map<string, ChildProcess>;
  /** Stops one real server's HTTP server (its namespace stays). */
  stopServer(name: string): void;
  startServer(name: string): void;
  teardown(): void;
}

function startServer(n: string): ChildProcess {
  script(`mkdir -p /tmp/www-${n} && echo ${n} > /tmp/www-${n}/index.html`);
  return background('ip', 'netns', 'exec', n, 'busybox', 'httpd', '-f', '-p', '80', '-h', `/tmp/www-${n}`);
}

function makeLab(extraTeardown: string): Lab {
  const servers = new Map(['kr1', 'kr2'].map((n) => [n, startServer(n)]));
  return {
    servers,
    stopServer: (n) => {
      servers.get(n)?.kill('SIGKILL');
      servers.delete(n);
    },
    startServer: (n) => void servers.set(n, startServer(n)),
    teardown: () => teardown([...servers.values()], extraTeardown),
  };
}

function teardown(servers: readonly ChildProcess[], extra: string): void {
  for (const s of servers) s.kill('SIGKILL');
  script(`for n in kc kr1 kr2; do ip netns del $n 2>/dev/null || true; done
${extra}
ipvsadm -C`);
}

/** NAT: client 198.51.100.2 → director 198.51.100.1 (VIP) → real servers 10.1.N.2 routed back through the director. */
export function natLab(): Lab {
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
  return makeLab('for l in kc0 kr10 kr20; do ip link del $l 2>/dev/null || true; done');
}

/**
 * DR and TUN: one bridge with the director (VIP 10.2.0.100 on it), the client and the real
 * servers; the real servers hold the VIP themselves (on lo for DR, on tunl0 for TUN), do not
 * answer ARP for it, and reply to the client directly.
 */
export function lanLab(mode: 'droute' | 'tunnel'): Lab {
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
  return makeLab('ip link del kbr 2>/dev/null || true');
}

/**
 * `n` requests from the client, each a new connection; the answers by server name. Each may take
 * 10 s: under TCG a lost SYN is sent again after 1 s and then 3 s, and a CI run lost one request
 * to a 3 s limit.
 */
export function ask(vip: string, n: number, maxTimeS = 10): string[] {
  const answers: string[] = [];
  for (let i = 0; i < n; i++) answers.push(sh('ip', 'netns', 'exec', 'kc', 'curl', '-s', '--max-time', String(maxTimeS), `http://${vip}/`).trim());
  return answers;
}

export const count = (answers: readonly string[]): Record<string, number> => answers.reduce<Record<string, number>>((m, a) => ({ ...m, [a]: (m[a] ?? 0) + 1 }), {});

export async function waitServing(vip: string): Promise<void> {
  await until('the real servers to answer through the VIP', 15_000, () => (ask(vip, 1, 3)[0] !== '' ? true : undefined));
}
