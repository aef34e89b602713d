import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { exited, hostSpawn, nsRun, nsSpawn, run, sleep, waitFor } from './sh.js';

export const REPO = resolve(__dirname, '..', '..', '..');
export const TANDEMD = join(REPO, 'node_modules', '.bin', 'tandemd');
export const TANDEMCTL = join(REPO, 'node_modules', '.bin', 'tandemctl');
const RESPONDER = join(REPO, 'test', 'dist', 'lib', 'responder.js');
const PROBER = join(REPO, 'test', 'dist', 'lib', 'prober.js');
const ADVERT_WATCH = join(REPO, 'test', 'dist', 'lib', 'advert-watch.js');
export const PROBE_PORT = 7777;
/** nftables by absolute path: under npm scripts `nft` resolves to node_modules/.bin/nft (an unrelated npm tool). */
const NFT = '/usr/sbin/nft';

/** One answer the client got: which director answered the datagram sent at `sentAt`. */
export interface ProbeAnswer {
  readonly seq: number;
  readonly sentAt: number;
  readonly from: string;
}

export interface Prober {
  readonly answers: ProbeAnswer[];
  stop(): Promise<void>;
}

export interface Daemon {
  readonly kind: 'tandem' | 'keepalived';
  readonly director: string;
  readonly child: ChildProcess & { output: () => string };
  readonly socket: string;
}

export interface InstanceStatusJson {
  name: string;
  state: string;
  priority: number;
  effectivePriority: number;
  vips: string[];
}

/**
 * A private network in namespaces: a bridge, N directors with `eth0` on it,
 * and a client. Addresses are TEST-NET-1 (192.0.2.0/24) and 2001:db8::/64,
 * which exist only inside these namespaces. `cleanup()` removes everything.
 */
export class Lab {
  readonly bridge: string;
  readonly client: string;
  readonly directors: readonly string[];
  readonly dir: string;
  private readonly children = new Set<ChildProcess>();
  private readonly namespaces: string[] = [];
  /** How long tandemd may take to open its control socket (longer in the real-kernel guest, where node runs under TCG). */
  startTimeoutMs = 15_000;

  private constructor(
    readonly name: string,
    directors: readonly string[],
    /** Namespaces are PREFIX-NAME-x: each engineer's tests keep a prefix of their own. */
    readonly prefix = 'td',
  ) {
    this.bridge = `${prefix}-${name}-br`;
    this.client = `${prefix}-${name}-c`;
    this.directors = directors;
    this.dir = mkdtempSync(join(tmpdir(), `tandem-lab-${name}-`));
  }

  ns(director: string): string {
    return `${this.prefix}-${this.name}-${director}`;
  }

  /** Address of a director (index 0 → .11) or the client (.2). */
  address(director: string | 'client', family: 4 | 6 = 4): string {
    const host = director === 'client' ? 2 : 11 + this.directors.indexOf(director);
    return family === 4 ? `192.0.2.${host}` : `2001:db8::${host}`;
  }

  static async create(name: string, directors: readonly string[], prefix?: string): Promise<Lab> {
    const lab = new Lab(name, directors, prefix);
    try {
      await lab.build();
    } catch (err) {
      await lab.cleanup();
      throw err;
    }
    return lab;
  }

  private async addNs(ns: string): Promise<void> {
    await run('ip', ['netns', 'del', ns], { allowFail: true });
    await run('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }

  private async attach(ns: string, port: string, who: string | 'client'): Promise<void> {
    await run('ip', ['link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', this.bridge]);
    await run('ip', ['-n', this.bridge, 'link', 'set', port, 'master', 'br0']);
    await run('ip', ['-n', this.bridge, 'link', 'set', port, 'up']);
    await run('ip', ['-n', ns, 'addr', 'add', `${this.address(who)}/24`, 'dev', 'eth0']);
    await run('ip', ['-n', ns, 'addr', 'add', `${this.address(who, 6)}/64`, 'dev', 'eth0', 'nodad']);
    await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  }

  private async build(): Promise<void> {
    await this.addNs(this.bridge);
    await run('ip', ['-n', this.bridge, 'link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0']);
    await run('ip', ['-n', this.bridge, 'link', 'set', 'br0', 'up']);
    await this.addNs(this.client);
    await this.attach(this.client, 'pc', 'client');
    for (const d of this.directors) {
      await this.addNs(this.ns(d));
      await this.attach(this.ns(d), `p${d}`, d);
      await nsRun(this.ns(d), 'sysctl', ['-qw', 'net.ipv6.conf.eth0.accept_dad=0']);
    }
    // Link-local addresses must leave tentative state before VRRPv3 over IPv6 can send from them.
    await waitFor('link-local addresses', 5000, async () => {
      for (const ns of [this.client, ...this.directors.map((d) => this.ns(d))]) {
        const out = await run('ip', ['-n', ns, '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'link']);
        if (!out.includes('fe80') || out.includes('tentative')) return undefined;
      }
      return true;
    });
  }

  /** Starts a process (a real server, a responder, a capture) in a director's namespace or the client's; cleanup() stops it. */
  spawnIn(name: string | 'client', command: string, args: readonly string[]): ReturnType<typeof nsSpawn> {
    return this.track(nsSpawn(name === 'client' ? this.client : this.ns(name), command, [...args]));
  }

  /** Starts a process in any namespace of the lab (one emptyNamespace made); cleanup() stops it. */
  spawnInNamespace(ns: string, command: string, args: readonly string[]): ReturnType<typeof nsSpawn> {
    return this.track(nsSpawn(ns, command, [...args]));
  }

  /** tcpdump on a node's eth0 (`args`: options and filter), once it listens; cleanup() stops it. */
  async capture(name: string | 'client', args: readonly string[]): Promise<ReturnType<typeof nsSpawn>> {
    const c = this.spawnIn(name, 'tcpdump', ['-i', 'eth0', '-n', '-l', ...args]);
    await waitFor('tcpdump listening', 5000, () => (c.output().includes('listening on') ? true : undefined));
    return c;
  }

  private track<T extends ChildProcess>(child: T): T {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Writes a config file for a director and returns its path. */
  writeConfig(director: string, text: string, suffix = 'conf'): string {
    const path = join(this.dir, `${director}.${suffix}`);
    writeFileSync(path, text);
    return path;
  }

  /** A namespace with only loopback, removed at cleanup (somewhere to start a daemon that enters another). */
  async emptyNamespace(suffix: string): Promise<string> {
    const ns = `${this.prefix}-${this.name}-${suffix}`;
    await this.addNs(ns);
    return ns;
  }

  /** Starts tandemd for `director`, by default inside its namespace; `from` starts it elsewhere (for net_namespace). */
  async startTandem(director: string, conf: string, extra: readonly string[] = [], from: string | null = this.ns(director)): Promise<Daemon> {
    const path = this.writeConfig(director, conf);
    const socket = join(this.dir, `${director}.sock`);
    const args = ['-n', '-l', '-D', '-f', path, '-p', join(this.dir, `${director}.pid`), '--control-socket', socket, ...extra];
    // null: in the test's own namespace, for a configuration that moves tandemd with net_namespace.
    if (from === null && !new RegExp(`^net_namespace ${this.ns(director)}$`, 'm').test(conf)) throw new Error('started from the host, tandemd must move into its namespace with net_namespace');
    const child = this.track(from === null ? hostSpawn(TANDEMD, args) : nsSpawn(from, TANDEMD, args));
    const d: Daemon = { kind: 'tandem', director, child, socket };
    try {
      await waitFor(`tandemd on ${director} to open its control socket`, this.startTimeoutMs, async () => {
        if (child.exitCode !== null) throw new Error(`tandemd on ${director} exited ${child.exitCode}: ${child.output()}`);
        return (await this.ctl(d, 'status', true)) !== undefined ? true : undefined;
      }, 50);
    } catch (err) {
      if (err instanceof Error && child.exitCode === null) err.message += `\n--- what tandemd on ${director} said so far:\n${child.output().slice(-4000)}`;
      throw err;
    }
    return d;
  }

  /** Starts keepalived (Debian's, or `binary`: a build of another version, VRRP only, as keepalived 2.4's for auth_hmac). */
  async startKeepalived(director: string, conf: string, binary?: string): Promise<Daemon> {
    const path = this.writeConfig(director, conf, 'keepalived.conf');
    const base = join(this.dir, `${director}-ka`);
    // A build configured without LVS has no checker process, and neither -P nor -c.
    const vrrpOnly = binary === undefined ? ['-P', '-c', `${base}-check.pid`] : [];
    const child = this.track(
      nsSpawn(this.ns(director), binary ?? 'keepalived', ['-n', '-l', '-D', ...vrrpOnly, '-f', path, '-p', `${base}.pid`, '-r', `${base}-vrrp.pid`]),
    );
    await sleep(300);
    if (child.exitCode !== null) throw new Error(`keepalived on ${director} exited ${child.exitCode}: ${child.output()}`);
    return { kind: 'keepalived', director, child, socket: '' };
  }

  /** `tandemctl status --json`, parsed; undefined if the daemon does not answer. */
  async ctl(d: Daemon, cmd: 'status' | 'stats', quiet = false): Promise<{ instances: InstanceStatusJson[] } | undefined> {
    try {
      const out = await run('node', [TANDEMCTL, '--socket', d.socket, cmd, '--json']);
      return JSON.parse(out) as { instances: InstanceStatusJson[] };
    } catch (err) {
      if (!quiet) throw err;
      return undefined;
    }
  }

  /** Whether the director's eth0 holds the address. */
  /** Whether a director has the address on any of its interfaces (eth0, or a virtual MAC interface). */
  async holds(director: string, address: string): Promise<boolean> {
    const out = await run('ip', ['-n', this.ns(director), 'addr', 'show']);
    return new RegExp(`inet6? ${address.replace(/\./g, '\\.')}/`).test(out);
  }

  /** Directors holding the address right now. */
  async holders(address: string): Promise<string[]> {
    const out: string[] = [];
    for (const d of this.directors) if (await this.holds(d, address)) out.push(d);
    return out;
  }

  async waitHolder(address: string, director: string, timeoutMs: number): Promise<number> {
    const start = Date.now();
    await waitFor(`${address} on ${director} alone`, timeoutMs, async () => {
      const h = await this.holders(address);
      return h.length === 1 && h[0] === director ? true : undefined;
    });
    return Date.now() - start;
  }

  /** Removes an address from a director's eth0 if present (what a killed daemon leaves behind). */
  async flushAddress(director: string, address: string): Promise<void> {
    if (!(await this.holds(director, address))) return;
    const out = await run('ip', ['-n', this.ns(director), 'addr', 'show', 'dev', 'eth0']);
    const m = new RegExp(`inet6? (${address.replace(/\./g, '\\.')}/\\d+)`).exec(out);
    if (m !== null) await run('ip', ['-n', this.ns(director), 'addr', 'del', m[1]!, 'dev', 'eth0'], { allowFail: true });
  }

  async mac(director: string): Promise<string> {
    const out = await run('ip', ['-n', this.ns(director), '-o', 'link', 'show', 'eth0']);
    return /link\/ether ([0-9a-f:]+)/.exec(out)![1]!;
  }

  /** The client's neighbour entry for an address: its MAC, if any. */
  async clientNeighbour(address: string): Promise<string | undefined> {
    const out = await run('ip', ['-n', this.client, 'neigh', 'show', address]);
    return /lladdr ([0-9a-f:]+)/.exec(out)?.[1];
  }

  /** Pulls a director's cable: its bridge port goes down, so its eth0 loses carrier. */
  async cut(director: string): Promise<void> {
    await run('ip', ['-n', this.bridge, 'link', 'set', `p${director}`, 'down']);
  }

  async restore(director: string): Promise<void> {
    await run('ip', ['-n', this.bridge, 'link', 'set', `p${director}`, 'up']);
  }

  /** Installs a bridge-family table on the lab's bridge that drops what `rules` match. */
  private async bridgeDrop(table: string, rules: readonly string[]): Promise<void> {
    const text = `table bridge ${table} {\n chain forward_vrrp {\n  type filter hook forward priority 0; policy accept;\n${rules.map((r) => `  ${r} drop\n`).join('')} }\n}\n`;
    const path = join(this.dir, `${table}.nft`);
    writeFileSync(path, text);
    await nsRun(this.bridge, NFT, ['-f', path]);
  }

  /** Drops VRRP (IP protocol 112) crossing the bridge, and only VRRP. */
  blockVrrp(): Promise<void> {
    return this.bridgeDrop('tdvrrp', ['ip protocol 112', 'ip6 nexthdr 112']);
  }

  /** Drops VRRP sent to the multicast groups, so only unicast adverts cross the bridge. */
  blockMulticastVrrp(): Promise<void> {
    return this.bridgeDrop('tdmcast', ['ip daddr 224.0.0.18', 'ip6 daddr ff02::12']);
  }

  /** Drops the VRRP adverts of one VRID crossing the bridge (the VRID is the advert's second byte). */
  blockVrid(vrid: number): Promise<void> {
    return this.bridgeDrop('tdvrid', [`ip protocol 112 @th,8,8 ${vrid}`, `ip6 nexthdr 112 @th,8,8 ${vrid}`]);
  }

  async unblockVrid(): Promise<void> {
    await nsRun(this.bridge, NFT, ['delete', 'table', 'bridge', 'tdvrid']);
  }

  async unblockVrrp(): Promise<void> {
    await nsRun(this.bridge, NFT, ['delete', 'table', 'bridge', 'tdvrrp']);
  }

  /** Starts a UDP responder on each director answering with its name. */
  startResponders(): void {
    for (const d of this.directors) this.track(nsSpawn(this.ns(d), 'node', [RESPONDER, d, String(PROBE_PORT)]));
  }

  /** Probes `address` from the client every `intervalMs`. */
  startProber(address: string, intervalMs = 10): Prober {
    const child = this.track(nsSpawn(this.client, 'node', [PROBER, address, String(PROBE_PORT), String(intervalMs)]));
    const answers: ProbeAnswer[] = [];
    let partial = '';
    child.stdout!.on('data', (d: Buffer) => {
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim() !== '') answers.push(JSON.parse(l) as ProbeAnswer);
    });
    return {
      answers,
      stop: async () => {
        child.kill('SIGTERM');
        await exited(child, 3000);
      },
    };
  }

  /** Resolves just after the client's namespace sees a VRRP advert from `director`. */
  async nextAdvertFrom(director: string, timeoutMs = 5000): Promise<void> {
    const child = this.track(nsSpawn(this.client, 'node', [ADVERT_WATCH]));
    const src = this.address(director);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no advert from ${director} within ${timeoutMs} ms`)), timeoutMs);
        let buf = '';
        let armed = false;
        // Skip the first advert: the watcher may have started mid-cycle.
        child.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          const lines = buf.split('\n');
          buf = lines.pop() ?? '';
          for (const l of lines) {
            if (l !== src) continue;
            if (!armed) {
              armed = true;
              continue;
            }
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } finally {
      child.kill('SIGKILL');
    }
  }

  /**
   * What a crash of the whole daemon leaves behind (a power cut of the processes, the OOM
   * killer, `systemctl kill -s KILL`): tandemd and its VRRP side stopped at once, then killed,
   * so neither gets to clean up. (A tandemd killed alone is not that: its VRRP side notices and
   * leaves VRRP cleanly.)
   */
  async crash(d: Daemon): Promise<void> {
    const stats = (await this.ctl(d, 'stats')) as unknown as { sides?: { vrrp?: { pid?: number } } };
    const pids = [d.child.pid!, stats.sides?.vrrp?.pid].filter((p): p is number => p !== undefined);
    for (const p of pids) process.kill(p, 'SIGSTOP');
    for (const p of pids) process.kill(p, 'SIGKILL');
    await exited(d.child);
  }

  async stopDaemon(d: Daemon, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    // `ip netns exec` replaces itself with the daemon, so the child pid is the daemon's.
    d.child.kill(signal);
    return exited(d.child, 10_000);
  }

  /** Kills every process started here and removes every namespace; safe to call twice. */
  async cleanup(): Promise<void> {
    // SIGTERM first: keepalived's children outlive a SIGKILLed parent for a while.
    for (const c of this.children) c.kill('SIGTERM');
    await Promise.all([...this.children].map((c) => exited(c, 3000)));
    for (const ns of this.namespaces.reverse()) await run('ip', ['netns', 'del', ns], { allowFail: true });
    this.namespaces.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The client-visible outage: the longest gap between consecutive answered probes in [from, to]. */
export function longestGap(answers: readonly ProbeAnswer[], from: number, to = Infinity): { gapMs: number; before?: ProbeAnswer; after?: ProbeAnswer } {
  const inRange = answers.filter((a) => a.sentAt >= from && a.sentAt <= to).sort((a, b) => a.sentAt - b.sentAt);
  let best = { gapMs: 0 } as { gapMs: number; before?: ProbeAnswer; after?: ProbeAnswer };
  for (let i = 1; i < inRange.length; i++) {
    const gap = inRange[i]!.sentAt - inRange[i - 1]!.sentAt;
    if (gap > best.gapMs) best = { gapMs: gap, before: inRange[i - 1]!, after: inRange[i]! };
  }
  return best;
}
