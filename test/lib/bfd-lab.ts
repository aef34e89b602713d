// A two-node BFD lab in network namespaces: `a` runs tandem's BFD (test/lib/bfd-harness),
// `b` runs a real peer (keepalived 2.2.7's bfd process or FRR's bfdd), both on a bridge in
// a third namespace, so that either node's link can be cut at its bridge port.
// Names start with `tD` or the lab's own prefix (namespaces PREFIX-NAME-x, bridge ports PREFIXNAMEx).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { SessionOptions, SessionParams, SessionStatus } from '@tandem/bfd';
import { parseTcpdump, type WirePacket } from './bfd-wire.js';
import { exited, nsRun, nsSpawn, run, sleep, waitFor } from './sh.js';
import { TANDEMCTL, TANDEMD } from './lab.js';

const HARNESS = resolve(__dirname, 'bfd-harness.js');
export const A = '192.0.2.1';
export const B = '192.0.2.2';
/** `b`'s address in a routed lab. */
export const B_ROUTED = '198.51.100.2';
/** `a`'s and `b`'s addresses in an IPv6 lab (`family: 6`). */
export const A6 = '2001:db8::1';
export const B6 = '2001:db8::2';

export interface HarnessEvent {
  readonly event: string;
  readonly t: number;
  readonly [key: string]: unknown;
}

/** tandem's side: the harness process and the events it printed. */
export class TandemSide {
  readonly events: HarnessEvent[] = [];
  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as HarnessEvent);
      } catch {
        // Not an event line: ignore.
      }
    });
  }

  command(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** The first event after index `from` that `pred` accepts. */
  async next(what: string, pred: (e: HarnessEvent) => boolean, timeoutMs: number, from = 0): Promise<HarnessEvent> {
    return waitFor(what, timeoutMs, () => this.events.slice(from).find(pred), 5);
  }

  async transition(to: string, timeoutMs: number, from = this.events.length): Promise<HarnessEvent> {
    return this.next(`tandem's session ${to}`, (e) => e.event === 'transition' && e['to'] === to, timeoutMs, from);
  }

  async status(): Promise<SessionStatus & { name: string }> {
    const from = this.events.length;
    this.command('status');
    const e = await this.next('status', (x) => x.event === 'status', 2000, from);
    return (e['sessions'] as Array<SessionStatus & { name: string }>)[0]!;
  }
}

/** A BFD session as `tandemctl status --json` shows it. */
export interface BfdStatusJson {
  readonly name: string;
  readonly state: string;
  readonly remote: string;
  readonly local: string | null;
  readonly remoteState: string;
  readonly diag: string;
  readonly txIntervalMs: number;
  readonly rxIntervalMs: number;
  readonly detectTimeMs: number;
}

/** tandemd (the whole daemon, with its BFD side) in a lab namespace. */
export class TandemdNode {
  constructor(
    readonly child: ChildProcess & { output: () => string },
    readonly socket: string,
    private readonly confPath: string,
  ) {}

  /** `tandemctl CMD --json`, parsed. */
  async ctl<T = Record<string, unknown>>(cmd: 'status' | 'stats' | 'reload'): Promise<T> {
    return JSON.parse(await run('node', [TANDEMCTL, '--socket', this.socket, cmd, '--json'])) as T;
  }

  async session(name: string): Promise<BfdStatusJson | undefined> {
    return (await this.ctl<{ bfd: BfdStatusJson[] }>('status')).bfd.find((b) => b.name === name);
  }

  async instanceState(name: string): Promise<string | undefined> {
    return (await this.ctl<{ instances: Array<{ name: string; state: string }> }>('status')).instances.find((i) => i.name === name)?.state;
  }

  /** Writes a new file and reloads through tandemctl; resolves with tandemd's answer. */
  async reload(conf: string): Promise<{ applied: boolean; errors: string[] }> {
    writeFileSync(this.confPath, conf);
    return this.ctl('reload');
  }

  output(): string {
    return this.child.output();
  }
}

/** The peer's own view of the session, from its log (keepalived) or vtysh (FRR). */
export interface PeerView {
  isUp(): Promise<boolean>;
  /** Whether the peer went Down for `reason` since `mark()` was taken. */
  wentDown(reason: 'expired' | 'neighbor-down'): Promise<boolean>;
  mark(): void;
  /** The peer's recent state changes, from its log, to explain a flap. */
  explain(): string;
}

export type Peer = 'keepalived' | 'frr';

export class BfdLab {
  readonly dir: string;
  private readonly children = new Set<ChildProcess>();
  private readonly pidFiles: string[] = [];
  private frrDir: string | undefined;

  private constructor(
    readonly name: string,
    /** Each engineer's tests keep a prefix of their own. */
    readonly prefix = 'tD',
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `${prefix}-bfd-${name}-`));
    chmodSync(this.dir, 0o755);
  }

  ns(node: 'a' | 'b' | 'br'): string {
    return `${this.prefix}-${this.name}-${node}`;
  }

  port(node: 'a' | 'b'): string {
    return `${this.prefix}${this.name}${node}`;
  }

  /**
   * Builds the lab. `routed`: `b` sits one router away instead (a — r — b, b at
   * 198.51.100.2, the router `br` forwarding), for multihop sessions (RFC 5883). `family: 6`:
   * the nodes also have A6 and B6, and the sessions run between those.
   */
  static async create(name: string, opts: { routed?: boolean; realtime?: boolean; prefix?: string; family?: 4 | 6 } = {}): Promise<BfdLab> {
    const lab = new BfdLab(name, opts.prefix);
    lab.routed = opts.routed === true;
    lab.realtime = opts.realtime === true;
    lab.family = opts.family ?? 4;
    try {
      if (lab.routed) {
        await lab.buildRouted();
        return lab;
      }
      for (const n of ['br', 'a', 'b'] as const) {
        await run('ip', ['netns', 'del', lab.ns(n)], { allowFail: true });
        await run('ip', ['netns', 'add', lab.ns(n)]);
        await run('ip', ['-n', lab.ns(n), 'link', 'set', 'lo', 'up']);
      }
      await run('ip', ['-n', lab.ns('br'), 'link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0']);
      await run('ip', ['-n', lab.ns('br'), 'link', 'set', 'br0', 'up']);
      for (const [n, addr, addr6] of [['a', A, A6], ['b', B, B6]] as const) {
        await run('ip', ['link', 'add', 'eth0', 'netns', lab.ns(n), 'type', 'veth', 'peer', 'name', lab.port(n), 'netns', lab.ns('br')]);
        await run('ip', ['-n', lab.ns('br'), 'link', 'set', lab.port(n), 'master', 'br0']);
        await run('ip', ['-n', lab.ns('br'), 'link', 'set', lab.port(n), 'up']);
        await run('ip', ['-n', lab.ns(n), 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
        if (lab.family === 6) {
          // No duplicate address detection: the address is usable (bindable) at once.
          await nsRun(lab.ns(n), 'sysctl', ['-qw', 'net.ipv6.conf.eth0.accept_dad=0']);
          await run('ip', ['-n', lab.ns(n), 'addr', 'add', `${addr6}/64`, 'dev', 'eth0', 'nodad']);
        }
        await run('ip', ['-n', lab.ns(n), 'link', 'set', 'eth0', 'up']);
      }
    } catch (err) {
      await lab.cleanup();
      throw err;
    }
    return lab;
  }

  private routed = false;
  private family: 4 | 6 = 4;
  /**
   * Run tandem's harness and the peer's BFD process under SCHED_RR (`chrt -r 10`), as
   * keepalived's `bfd_rt_priority` does: at 10 ms x 3 a process kept off the CPU for 30 ms
   * by other work on a shared 2-core machine takes the session down.
   */
  private realtime = false;

  /** The command line, under SCHED_RR when the lab is realtime. */
  private rt(cmd: string, args: readonly string[]): [string, string[]] {
    return this.realtime ? ['chrt', ['-r', '10', cmd, ...args]] : [cmd, [...args]];
  }

  /** The address of `b` as `a` reaches it. */
  get peerAddress(): string {
    return this.routed ? B_ROUTED : this.family === 6 ? B6 : B;
  }

  /** The address of `a` its sessions leave from. */
  get localAddress(): string {
    return this.family === 6 ? A6 : A;
  }

  private async buildRouted(): Promise<void> {
    for (const n of ['br', 'a', 'b'] as const) {
      await run('ip', ['netns', 'del', this.ns(n)], { allowFail: true });
      await run('ip', ['netns', 'add', this.ns(n)]);
      await run('ip', ['-n', this.ns(n), 'link', 'set', 'lo', 'up']);
    }
    await nsRun(this.ns('br'), 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    for (const [n, addr, gw] of [['a', A, '192.0.2.254'], ['b', B_ROUTED, '198.51.100.254']] as const) {
      await run('ip', ['link', 'add', 'eth0', 'netns', this.ns(n), 'type', 'veth', 'peer', 'name', this.port(n), 'netns', this.ns('br')]);
      await run('ip', ['-n', this.ns('br'), 'addr', 'add', `${gw}/24`, 'dev', this.port(n)]);
      await run('ip', ['-n', this.ns('br'), 'link', 'set', this.port(n), 'up']);
      await run('ip', ['-n', this.ns(n), 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
      await run('ip', ['-n', this.ns(n), 'link', 'set', 'eth0', 'up']);
      await run('ip', ['-n', this.ns(n), 'route', 'add', 'default', 'via', gw]);
    }
  }

  private track<T extends ChildProcess>(child: T): T {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Starts tandem's BFD in `a` with one single-hop session to `b`. */
  async startTandem(params: SessionParams, extra: Partial<SessionOptions> = {}): Promise<TandemSide> {
    const path: SessionOptions['path'] = this.routed
      ? { kind: 'multihop', family: 4, local: A, peer: B_ROUTED, ttl: 255 }
      : { kind: 'single-hop', family: this.family, local: this.localAddress, peer: this.peerAddress, interface: 'eth0', ttl: 255 };
    const session: SessionOptions = { name: 'peer', path, params, ...extra };
    const [cmd, args] = this.rt(process.execPath, [HARNESS, JSON.stringify([session])]);
    const child = this.track(spawn('ip', ['netns', 'exec', this.ns('a'), cmd, ...args], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const side = new TandemSide(child);
    await side.next('the harness ready', (e) => e.event === 'ready', 10_000);
    return side;
  }

  /** Starts keepalived in `b` with `conf` (its BFD process); returns its log. */
  async startKeepalived(conf: string): Promise<ReturnType<typeof nsSpawn>> {
    const path = join(this.dir, 'keepalived.conf');
    writeFileSync(path, conf);
    const pid = join(this.dir, 'ka.pid');
    this.pidFiles.push(pid);
    const child = this.track(
      nsSpawn(this.ns('b'), ...this.rt('keepalived', ['-n', '-l', '-D', '-f', path, '-p', pid, '-r', join(this.dir, 'ka-vrrp.pid'), '-c', join(this.dir, 'ka-check.pid'), '-b', join(this.dir, 'ka-bfd.pid')])),
    );
    await sleep(200);
    if (child.exitCode !== null) throw new Error(`keepalived exited ${child.exitCode}: ${child.output()}`);
    return child;
  }

  /** Starts zebra and bfdd in `b` with the `bfd` block of bfdd.conf (as in notes/bfd-interop.md). */
  async startFrr(bfdBlock: string): Promise<void> {
    const d = join(this.dir, 'frr-b');
    mkdirSync(d, { recursive: true });
    this.frrDir = d;
    writeFileSync(join(d, 'zebra.conf'), `hostname ${this.ns('b')}\n!\n`);
    writeFileSync(join(d, 'bfdd.conf'), `hostname ${this.ns('b')}\nlog file ${d}/bfdd.log debugging\nlog timestamp precision 6\ndebug bfd peer\ndebug bfd network\n!\n${bfdBlock}`);
    const frr = Number((await run('id', ['-u', 'frr'])).trim());
    const frrGid = Number((await run('id', ['-g', 'frr'])).trim());
    for (const f of ['', 'zebra.conf', 'bfdd.conf']) chownSync(join(d, f), frr, frrGid);
    const common = ['-d', '-N', `${this.ns('b')}-frr`, '--vty_socket', d, '-z', join(d, 'zserv.api'), '-P', '0'];
    this.pidFiles.push(join(d, 'zebra.pid'), join(d, 'bfdd.pid'));
    await nsRun(this.ns('b'), '/usr/lib/frr/zebra', [...common, '-f', join(d, 'zebra.conf'), '-i', join(d, 'zebra.pid'), '--log', `file:${d}/zebra.log`], { withStderr: true });
    await nsRun(this.ns('b'), ...this.rt('/usr/lib/frr/bfdd', [...common, '-f', join(d, 'bfdd.conf'), '-i', join(d, 'bfdd.pid'), '--bfdctl', join(d, 'bfdd.sock')]), { withStderr: true });
  }

  /**
   * Starts the real peer in `b`, keepalived with `keepalivedConf` or FRR with `frrBlock` (the
   * `bfd` block of bfdd.conf), and returns its view of the session (named `session` at keepalived).
   */
  async startPeer(peer: Peer, keepalivedConf: string, frrBlock: string, session = 'tandem'): Promise<PeerView> {
    if (peer === 'keepalived') {
      const ka = await this.startKeepalived(keepalivedConf);
      let from = 0;
      const log = (): string => ka.output().slice(from);
      return {
        isUp: async () => new RegExp(`\\(${session}\\) Entering Up state`).test(log()) && log().lastIndexOf('Entering Up') > log().lastIndexOf('Entering Down'),
        wentDown: async (reason) =>
          new RegExp(`Entering Down state \\(Local diagnostic - ${reason === 'expired' ? 'Control Detection Time Expired' : 'Neighbor Signaled Session Down'}`).test(log()),
        mark: () => (from = ka.output().length),
        explain: () => ka.output().split('\n').filter((l) => /Entering|Expired/.test(l)).slice(-6).join(' | '),
      };
    }
    await this.startFrr(frrBlock);
    // Between two marks the session was Up again, so a Down status is a new one.
    return {
      isUp: async () => (await this.frrPeer())['status'] === 'up',
      wentDown: async (reason) => {
        const p = await this.frrPeer();
        return p['status'] !== 'up' && p['diagnostic'] === (reason === 'expired' ? 'control detection time expired' : 'neighbor signaled session down');
      },
      mark: () => undefined,
      explain: () => this.read('frr-b/bfdd.log').split('\n').filter((l) => /state-change|expired|mismatch|invalid/i.test(l)).slice(-6).join(' | '),
    };
  }

  /** Starts tandemd in `a` with `conf` and waits for its control socket. */
  async startTandemd(conf: string): Promise<TandemdNode> {
    const path = join(this.dir, 'tandem.conf');
    writeFileSync(path, conf);
    const socket = join(this.dir, 'tandem.sock');
    this.pidFiles.push(join(this.dir, 'tandem.pid'));
    const child = this.track(nsSpawn(this.ns('a'), TANDEMD, ['-n', '-l', '-D', '-f', path, '-p', join(this.dir, 'tandem.pid'), '--control-socket', socket]));
    const node = new TandemdNode(child, socket, path);
    await waitFor('tandemd to answer on its control socket', 15_000, async () => {
      if (child.exitCode !== null) throw new Error(`tandemd exited ${child.exitCode}: ${child.output()}`);
      return (await node.ctl('status').catch(() => undefined)) !== undefined ? true : undefined;
    }, 50);
    return node;
  }

  /** vtysh commands against the lab's FRR instance. */
  async vtysh(...commands: string[]): Promise<string> {
    if (this.frrDir === undefined) throw new Error('FRR not started');
    return run('vtysh', ['--vty_socket', this.frrDir, ...commands.flatMap((c) => ['-c', c])]);
  }

  /** FRR's view of its one peer (`show bfd peers json`). */
  async frrPeer(): Promise<Record<string, unknown>> {
    const peers = JSON.parse(await this.vtysh('show bfd peers json')) as Array<Record<string, unknown>>;
    return peers[0] ?? {};
  }

  /** tcpdump of BFD (UDP 3784/4784) on a node's eth0: `packets()` so far, parsed; `stop()` ends it. */
  async capture(node: 'a' | 'b'): Promise<{ packets: () => WirePacket[]; stop: () => Promise<WirePacket[]> }> {
    const c = this.track(nsSpawn(this.ns(node), 'tcpdump', ['-i', 'eth0', '-n', '-tt', '-x', '-l', '-B', '4096', 'udp port 3784 or udp port 4784']));
    await waitFor('tcpdump listening', 5000, () => (c.output().includes('listening on') ? true : undefined));
    return {
      packets: () => parseTcpdump(c.output()),
      stop: async () => {
        await sleep(50);
        c.kill('SIGINT');
        await exited(c, 3000);
        return parseTcpdump(c.output());
      },
    };
  }

  /** Takes a node's bridge port down (its packets go nowhere; its own link stays up) or back up. */
  async link(node: 'a' | 'b', up: boolean): Promise<void> {
    await run('ip', ['-n', this.ns('br'), 'link', 'set', this.port(node), up ? 'up' : 'down']);
  }

  /** A file in the lab's directory, if it exists. */
  read(file: string): string {
    const p = join(this.dir, file);
    return existsSync(p) ? readFileSync(p, 'utf8') : '';
  }

  async cleanup(): Promise<void> {
    for (const c of this.children) {
      if (c.stdin && !c.stdin.destroyed) c.stdin.end();
      c.kill('SIGTERM');
    }
    await Promise.all([...this.children].map((c) => exited(c, 3000)));
    for (const f of this.pidFiles) {
      const pid = Number(existsSync(f) ? readFileSync(f, 'utf8').trim() : NaN);
      if (Number.isInteger(pid) && pid > 1) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // Already gone.
        }
      }
    }
    await sleep(200);
    for (const n of ['a', 'b', 'br'] as const) await run('ip', ['netns', 'del', this.ns(n)], { allowFail: true });
    await run('rm', ['-rf', `/var/run/frr/${this.ns('b')}-frr`], { allowFail: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
