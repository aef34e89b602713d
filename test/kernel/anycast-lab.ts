import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Frr } from '../lib/frr.js';
import { script, sh, until } from './guest-sh.js';

// The anycast deployment of examples/anycast in the guest, with the example's own files: a
// client (ac, 10.50.0.2) behind a router (ar) running FRR with ECMP over three directors
// (ad1-ad3), each running tandemd on examples/anycast/keepalived.conf (lb_algo mh, lb_kind DR,
// the sync daemon on the back network) and FRR on examples/anycast/frr/directorN.conf, and
// four real servers (as1-as4, 10.52.0.21-24) answering HTTP with their names. Each
// router-director link goes through a bridge of the guest's own (abN), so that cutting the
// director's port leaves the router's link up: only BFD tells the router.

const EXAMPLE = join('examples', 'anycast');
export const VIP = '10.60.0.100';
/** What the directors announce (examples/anycast/keepalived.conf: the block, as the VIP's /32 is on lo). */
export const ANNOUNCED = '10.60.0.0/24';
export const DIRECTORS = ['ad1', 'ad2', 'ad3'] as const;
const REALS = ['as1', 'as2', 'as3', 'as4'] as const;
const NAMESPACES = ['ac', 'ar', ...DIRECTORS, ...REALS];
const WORK = '/tmp/anycast';

/**
 * The example's files with the timers a TCG guest keeps (two emulated CPUs shared by 20-odd
 * processes, on a host other guests load too; at the example's timers, BFD at 100 and 300 ms
 * x 3 fell every few seconds there and took BGP with it, and 1 s connects timed out): BFD at
 * 1 s x 3, the BGP hold time 30 s (keepalives every 10 s) so that a withdrawal within a few
 * seconds of a link cut can only be BFD's, and checks that wait 5 s for a connection. Nothing
 * else changes.
 */
function guestFrr(file: string): string {
  return readFileSync(join(EXAMPLE, 'frr', file), 'utf8')
    .replace(/receive-interval 100\n/, 'receive-interval 1000\n')
    .replace(/transmit-interval 100\n/, 'transmit-interval 1000\n')
    .replace(/ timers 3 9\n/, ' timers 10 30\n');
}
export const BFD_DETECT_MS = 3000;
/** Keepalives every 10 s, hold time 30 s: a link cut is seen by BGP alone 20-30 s later. */
export const BGP_HOLD_MS = 30_000;
const GUEST_CONF = join(WORK, 'keepalived.conf');

/** One director's tandemd, its output kept for a failure's report. */
export interface Director {
  readonly ns: string;
  child: ChildProcess | undefined;
  out: string;
}

/** What the lab is for: the test (HTTP real servers) or test/bench/anycast (echo real servers, and a front LAN for a VRRP pair). */
export interface LabOptions {
  /** Real servers greet with their name and echo (anycast-server.ts) instead of busybox httpd. */
  readonly echo?: boolean;
  /**
   * A LAN (bridge afront, 10.53.0.0/24) between the router (eth5, .1) and ad1/ad2 (eth2, .11/.12),
   * the router reaching the VIP on it: for a keepalived VRRP pair holding the VIP there.
   */
  readonly front?: boolean;
}

function buildNetwork(): void {
  script(`for ns in ${NAMESPACES.join(' ')}; do ip netns add $ns; ip -n $ns link set lo up; done
ip link add aback type bridge && ip link set aback up
plug() { ip link add $1 type veth peer name $3 netns $2; ip link set $1 master $4; ip link set $1 up; ip -n $2 link set $3 up; }
ip link add eth0 netns ac type veth peer name eth0 netns ar
ip -n ac addr add 10.50.0.2/24 dev eth0; ip -n ac link set eth0 up; ip -n ac route add default via 10.50.0.1
ip -n ar addr add 10.50.0.1/24 dev eth0; ip -n ar link set eth0 up
ip netns exec ar sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1
for n in 1 2 3; do
  ip link add ab$n type bridge && ip link set ab$n up
  plug ab$n-r ar eth$n ab$n; ip -n ar addr add 10.51.$n.1/24 dev eth$n
  plug ab$n-d ad$n eth0 ab$n; ip -n ad$n addr add 10.51.$n.2/24 dev eth0
  plug ab$n-b ad$n eth1 aback; ip -n ad$n addr add 10.52.0.1$n/24 dev eth1
  ip -n ad$n route add default via 10.51.$n.1
  ip netns exec ad$n sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done
plug aback-r ar eth4 aback; ip -n ar addr add 10.52.0.1/24 dev eth4
for i in 1 2 3 4; do
  plug aback-s$i as$i eth0 aback; ip -n as$i addr add 10.52.0.2$i/24 dev eth0; ip -n as$i route add default via 10.52.0.1
  ip netns exec as$i sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2
  ip -n as$i addr add ${VIP}/32 dev lo
  mkdir -p ${WORK}/www-as$i && echo as$i > ${WORK}/www-as$i/index.html
done`);
}

/** Removes the lab's namespaces and links (also a previous lab's, when one was left half-gone). */
function clearNetwork(): void {
  script(`for ns in ${NAMESPACES.join(' ')}; do ip netns pids $ns 2>/dev/null | xargs -r kill -9 2>/dev/null || true; done
for i in $(seq 50); do [ -z "$(for ns in ${NAMESPACES.join(' ')}; do ip netns pids $ns 2>/dev/null; done)" ] && break; sleep 0.1; done
for ns in ${NAMESPACES.join(' ')}; do ip netns del $ns 2>/dev/null || true; done
for l in $(ip -o link | sed -n 's/^[0-9]*: \\(ab[0-9][^:@]*\\|aback[^:@]*\\|afront[^:@]*\\)[:@].*/\\1/p'); do ip link del $l 2>/dev/null || true; done
# A namespace's veths leave the guest's namespace after ip netns del returns: wait, so that
# the next lab's names are free.
for i in $(seq 100); do ip -o link | grep -qE ': (ab[0-9]|aback|afront)' || break; sleep 0.1; done`);
}

/** The lab: the network, FRR everywhere, the real servers; tandemd started and stopped by the test. */
export class AnycastLab {
  readonly directors = new Map<string, Director>(DIRECTORS.map((ns) => [ns, { ns, child: undefined, out: '' }]));
  private readonly frr = new Map<string, Frr>();
  private readonly servers: ChildProcess[] = [];

  static async start(opts: LabOptions = {}): Promise<AnycastLab> {
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(WORK, { recursive: true });
    chmodSync(WORK, 0o755);
    mkdirSync('/run/tandem-test', { recursive: true });
    const lab = new AnycastLab();
    try {
      writeFileSync(GUEST_CONF, readFileSync(join(EXAMPLE, 'keepalived.conf'), 'utf8').replace(/connect_timeout 1\n/g, 'connect_timeout 5\n'));
      clearNetwork();
      buildNetwork();
      if (opts.front === true) {
        script(`ip link add afront type bridge && ip link set afront up
ip link add afront-r type veth peer name eth5 netns ar; ip link set afront-r master afront; ip link set afront-r up
ip -n ar addr add 10.53.0.1/24 dev eth5; ip -n ar link set eth5 up; ip -n ar route add ${VIP}/32 dev eth5
for n in 1 2; do ip link add afront-d$n type veth peer name eth2 netns ad$n; ip link set afront-d$n master afront; ip link set afront-d$n up
  ip -n ad$n addr add 10.53.0.1$n/24 dev eth2; ip -n ad$n link set eth2 up; done`);
      }
      for (const ns of REALS) {
        const argv = opts.echo === true ? ['node', 'test/dist/kernel/anycast-server.js', ns] : ['busybox', 'httpd', '-f', '-p', '80', '-h', `${WORK}/www-${ns}`];
        lab.servers.push(spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: 'ignore' }));
      }
      lab.frr.set('ar', await Frr.start('ar', join(WORK, 'frr-ar'), guestFrr('router.conf')));
      for (const [i, ns] of DIRECTORS.entries()) lab.frr.set(ns, await Frr.start(ns, join(WORK, `frr-${ns}`), guestFrr(`director${i + 1}.conf`)));
      return lab;
    } catch (err) {
      await lab.teardown();
      throw err;
    }
  }

  /** Starts tandemd in director `ns` on the example's keepalived.conf. */
  startTandem(ns: string): Director {
    const d = this.directors.get(ns)!;
    d.out = '';
    const child = spawn('ip', ['netns', 'exec', ns, 'node', 'packages/daemon/bin/tandemd.js', '-f', GUEST_CONF, '-n', '-l', '-p', `/run/tandem-test/${ns}.pid`, '--control-socket', this.socket(ns)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const add = (b: Buffer): void => void (d.out += b.toString());
    child.stdout?.on('data', add);
    child.stderr?.on('data', add);
    d.child = child;
    return d;
  }

  socket(ns: string): string {
    return `/run/tandem-test/tandem-${ns}.sock`;
  }

  /** `tandemctl CMD --json` against director `ns`. */
  ctl<T>(ns: string, cmd: 'status' | 'stats'): T {
    return JSON.parse(sh('node', 'packages/daemon/bin/tandemctl.js', '--socket', this.socket(ns), cmd, '--json')) as T;
  }

  /**
   * What a crash of the whole daemon leaves (test/lib/lab.ts crash()): the supervisor and its
   * side processes stopped at once, then killed, so that none cleans up.
   */
  async crash(ns: string): Promise<void> {
    const d = this.directors.get(ns)!;
    const stats = this.ctl<{ sides?: Record<string, { pid?: number }> }>(ns, 'stats');
    const pids = [d.child!.pid!, ...Object.entries(stats.sides ?? {}).filter(([k]) => k !== 'supervisor').map(([, s]) => s.pid)].filter((p): p is number => p !== undefined);
    for (const p of pids) process.kill(p, 'SIGSTOP');
    for (const p of pids) process.kill(p, 'SIGKILL');
    await until(`tandemd in ${ns} to die`, 10_000, () => (d.child!.exitCode !== null || d.child!.signalCode !== null ? true : undefined));
    d.child = undefined;
  }

  /** The directors (1, 2, 3) the router's route to the announced block goes through, sorted. */
  paths(): number[] {
    const route = sh('ip', '-n', 'ar', 'route', 'show', ANNOUNCED);
    return [...route.matchAll(/via 10\.51\.(\d)\.2/g)].map((m) => Number(m[1])).sort();
  }

  /** Waits until the router's paths are exactly `want`; returns the milliseconds it took. */
  async waitPaths(want: readonly number[], timeoutMs: number): Promise<number> {
    const t0 = Date.now();
    await until(`the router's paths to be [${want.join(',')}]`, timeoutMs, () => (this.paths().join(',') === want.join(',') ? true : undefined));
    return Date.now() - t0;
  }

  /** `n` HTTP requests from the client, each a new connection: the answers (a server's name, or '' when none). */
  ask(n: number): string[] {
    const out = sh('ip', 'netns', 'exec', 'ac', 'sh', '-c', `for i in $(seq ${n}); do echo "$(curl -s --max-time 2 http://${VIP}/)"; done`);
    return out.split('\n').slice(0, n);
  }

  /** Connections each director's IPVS scheduled itself (synced ones are not counted), by director. */
  scheduled(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const ns of DIRECTORS) {
      const stats = sh('ip', 'netns', 'exec', ns, 'ipvsadm', '-Ln', '--stats', '-t', `${VIP}:80`);
      out[ns] = Number(/TCP\s+\S+\s+(\d+)/.exec(stats)?.[1] ?? NaN);
    }
    return out;
  }

  frrLog(ns: string): string {
    return this.frr.get(ns)?.log() ?? '';
  }

  vtysh(ns: string, ...commands: string[]): Promise<string> {
    return this.frr.get(ns)!.vtysh(...commands);
  }

  async teardown(): Promise<void> {
    for (const d of this.directors.values()) d.child?.kill('SIGKILL');
    for (const s of this.servers) s.kill('SIGKILL');
    for (const f of this.frr.values()) await f.stop().catch(() => undefined);
    clearNetwork();
    rmSync(WORK, { recursive: true, force: true });
  }
}
