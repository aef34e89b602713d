import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nsRun, run } from './sh.js';

// FRR (Debian's zebra, bfdd and bgpd) in a network namespace, from one integrated frr.conf,
// each daemon reading its own parts of it (notes/bfd-interop.md: each instance has its own
// vty directory, zserv socket and bfdd socket, owned by the frr user).

const DAEMONS = ['zebra', 'bfdd', 'bgpd'] as const;

/** One running FRR instance; `vtysh` talks to it. */
export class Frr {
  private constructor(
    readonly ns: string,
    /** Its directory: frr.conf, pid files, sockets, frr.log. */
    readonly dir: string,
    private readonly name: string,
  ) {}

  /**
   * Starts zebra, bfdd and bgpd in `ns` on `conf` (an integrated frr.conf) with a log file
   * added; `dir` must be under a directory the frr user can traverse. Each daemon returns
   * once it is ready (`-d`).
   */
  static async start(ns: string, dir: string, conf: string): Promise<Frr> {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'frr.conf'), `${conf.trimEnd()}\nlog file ${dir}/frr.log\nlog timestamp precision 3\n`);
    const uid = Number((await run('id', ['-u', 'frr'])).trim());
    const gid = Number((await run('id', ['-g', 'frr'])).trim());
    chownSync(dir, uid, gid);
    chownSync(join(dir, 'frr.conf'), uid, gid);
    const name = `${ns}-frr`;
    const frr = new Frr(ns, dir, name);
    const common = ['-d', '-N', name, '-f', join(dir, 'frr.conf'), '--vty_socket', dir, '-z', join(dir, 'zserv.api'), '-P', '0'];
    try {
      for (const d of DAEMONS) {
        await nsRun(ns, `/usr/lib/frr/${d}`, [...common, '-i', join(dir, `${d}.pid`), ...(d === 'bfdd' ? ['--bfdctl', join(dir, 'bfdd.sock')] : [])], { withStderr: true });
      }
    } catch (err) {
      await frr.stop();
      throw err;
    }
    return frr;
  }

  /** Runs vtysh commands against this instance. */
  vtysh(...commands: string[]): Promise<string> {
    return run('vtysh', ['--vty_socket', this.dir, ...commands.flatMap((c) => ['-c', c])]);
  }

  /** The daemons' process ids, from their pid files. */
  pids(): number[] {
    return DAEMONS.map((d) => join(this.dir, `${d}.pid`))
      .filter((f) => existsSync(f))
      .map((f) => Number(readFileSync(f, 'utf8').trim()))
      .filter((p) => Number.isInteger(p) && p > 1);
  }

  /** The log, for a failure's report. */
  log(): string {
    const f = join(this.dir, 'frr.log');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  /** Stops the daemons (bgpd first) and removes what they made under /var/run/frr. */
  async stop(): Promise<void> {
    for (const pid of this.pids().reverse()) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    const end = Date.now() + 5000;
    while (this.pids().some((p) => alive(p)) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    for (const pid of this.pids()) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(`/var/run/frr/${this.name}`, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
