import type { GlobalDefs, NotifyFifo } from '@tandem/config';
import { lookupUser, startScript, type RunningScript } from '@tandem/healthcheck';
import { childProcessModule } from './builtins.js';
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, writeSync } from 'node:fs';
import type { Logger } from './logger.js';
import type { ScriptPreparer } from './script-prep.js';

interface OpenFifo {
  readonly spec: NotifyFifo;
  readonly fd: number;
  readonly reader: RunningScript | undefined;
  dropped: number;
}

const run = (cmd: string, args: string[]): Promise<void> =>
  new Promise((resolve, reject) => childProcessModule().execFile(cmd, args, (err, _o, stderr) => (err === null ? resolve() : reject(new Error(stderr.trim() || err.message)))));

/**
 * Opens a notify FIFO without following a link, and only one that root, tandemd's user or
 * the FIFO's configured user owns: the lines say which addresses this host holds, and a FIFO
 * another user planted at the path would hand them (and the reader script's input) to them.
 */
function openFifo(spec: NotifyFifo): number {
  const st = lstatSync(spec.path);
  if (st.isSymbolicLink()) throw new Error(`${spec.path} is a symbolic link; not following it`);
  if (!st.isFIFO()) throw new Error(`${spec.path} exists and is not a FIFO`);
  const owners = [0, process.geteuid?.() ?? 0];
  const configured = spec.user !== undefined ? lookupUser(spec.user)?.uid : undefined;
  if (configured !== undefined) owners.push(configured);
  if (!owners.includes(st.uid)) throw new Error(`${spec.path} is owned by uid ${st.uid}, not by root${spec.user !== undefined ? ` or ${spec.user}` : ''}`);
  const fd = openSync(spec.path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  const opened = fstatSync(fd);
  if (opened.ino !== st.ino || opened.dev !== st.dev) {
    closeSync(fd);
    throw new Error(`${spec.path} was replaced while being opened`);
  }
  return fd;
}

/**
 * keepalived's notify FIFOs: one line per event (`INSTANCE "VI_1" MASTER 100`,
 * `GROUP "G" BACKUP`, `RS [10.0.0.1]:tcp:80 [192.0.2.1]:tcp:80 DOWN`, `VS [192.0.2.1]:tcp:80 UP`)
 * to `notify_fifo` (everything), `vrrp_notify_fifo` and `lvs_notify_fifo`. A FIFO that does not
 * exist is created; each is held open read-write, so opening never waits for a reader and a
 * reader may come and go. A full FIFO drops the line (counted, logged once) rather than
 * blocking the daemon. A `*_notify_fifo_script` runs for as long as tandemd, with the FIFO's
 * path as its last argument.
 */
export class NotifyFifos {
  private constructor(
    private readonly fifos: Map<'all' | 'vrrp' | 'lvs', OpenFifo>,
    private readonly log: Logger,
  ) {}

  static async open(g: GlobalDefs, prepare: ScriptPreparer, log: Logger): Promise<NotifyFifos> {
    const fifos = new Map<'all' | 'vrrp' | 'lvs', OpenFifo>();
    for (const kind of ['all', 'vrrp', 'lvs'] as const) {
      const spec = g.notifyFifos[kind];
      if (spec === undefined) continue;
      try {
        if (!existsSync(spec.path)) {
          await run('mkfifo', ['-m', '0600', spec.path]);
          if (spec.user !== undefined) await run('chown', [`${spec.user}${spec.group !== undefined ? `:${spec.group}` : ''}`, spec.path]);
        }
        const fd = openFifo(spec);
        let reader: RunningScript | undefined;
        try {
          reader = spec.script !== undefined ? startScript(prepare(spec.script), [spec.path]) : undefined;
        } catch (err) {
          // A reader script that cannot run: the FIFO is still written, for a reader started otherwise.
          log.warn(`notify FIFO ${spec.path}: its script is not run: ${(err as Error).message}`);
        }
        void reader?.done.then((o) => log.warn(`notify FIFO reader ${spec.script?.command} ended: ${o.error ?? `exit ${String(o.code)}`}${o.output !== '' ? `: ${o.output}` : ''}`));
        fifos.set(kind, { spec, fd, reader, dropped: 0 });
      } catch (err) {
        log.error(`${spec.pos.file}:${spec.pos.line}:${spec.pos.col}: notify FIFO ${spec.path}: ${(err as Error).message}`);
      }
    }
    return new NotifyFifos(fifos, log);
  }

  private write(kind: 'all' | 'vrrp' | 'lvs', line: string): void {
    const f = this.fifos.get(kind);
    if (f === undefined) return;
    try {
      writeSync(f.fd, `${line}\n`);
    } catch (err) {
      if (f.dropped++ === 0) this.log.warn(`notify FIFO ${f.spec.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; lines are dropped while it is full`);
    }
  }

  vrrp(line: string): void {
    this.write('vrrp', line);
    this.write('all', line);
  }

  lvs(line: string): void {
    this.write('lvs', line);
    this.write('all', line);
  }

  close(): void {
    for (const f of this.fifos.values()) {
      f.reader?.kill();
      try {
        closeSync(f.fd);
      } catch {
        // already closed
      }
    }
    this.fifos.clear();
  }
}
