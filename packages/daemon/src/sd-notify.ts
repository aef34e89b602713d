import type { UnixDgramSocket } from 'unix-dgram';
import type { Logger } from './logger.js';

// systemd's readiness protocol (sd_notify(3)) for a Type=notify unit: READY=1 once the first
// configuration is applied, RELOADING=1 with MONOTONIC_USEC around a reload (what systemd
// 253's Type=notify-reload wants), STATUS= lines, STOPPING=1, and WATCHDOG=1 pings while both
// of tandemd's loops answer, so that WatchdogSec= restarts a hung daemon.

/** CLOCK_MONOTONIC in microseconds: libuv's hrtime reads that clock, as systemd does. */
export function monotonicUsec(): bigint {
  return process.hrtime.bigint() / 1000n;
}

/** The ping interval systemd asks for: half of WATCHDOG_USEC, if it is meant for this process. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid = process.pid): number | undefined {
  const usec = Number(env['WATCHDOG_USEC']);
  if (!Number.isInteger(usec) || usec <= 0) return undefined;
  const forPid = env['WATCHDOG_PID'];
  if (forPid !== undefined && forPid !== '' && Number(forPid) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

/** A notify message: `KEY=VALUE` lines. */
export function notifyMessage(fields: Readonly<Record<string, string | number | bigint>>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${String(v).replace(/\n/g, ' ')}`)
    .join('\n');
}

/**
 * tandemd's end of NOTIFY_SOCKET. `alive` answers whether the VRRP side's loop still turns
 * (it is asked before each watchdog ping, with the ping interval as its deadline): the
 * supervisor's own loop turning is what runs the ping at all, so a stall of either stops them.
 */
export class SdNotify {
  private socket: UnixDgramSocket | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private failedWarned = false;
  /** Pings skipped because the VRRP side did not answer in time. */
  missedPings = 0;

  private constructor(
    private readonly path: string,
    private readonly log: Logger,
  ) {}

  /** From NOTIFY_SOCKET, or undefined when not run by systemd as Type=notify. Abstract sockets (`@name`) are not supported. */
  static fromEnv(log: Logger, env: NodeJS.ProcessEnv = process.env): SdNotify | undefined {
    const path = env['NOTIFY_SOCKET'];
    if (path === undefined || path === '') return undefined;
    if (!path.startsWith('/')) {
      log.warn(`NOTIFY_SOCKET ${path}: only a path is supported (not an abstract socket); not notifying systemd`);
      return undefined;
    }
    return new SdNotify(path, log);
  }

  send(fields: Readonly<Record<string, string | number | bigint>>): void {
    if (this.socket === undefined) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      this.socket = (require('unix-dgram') as typeof import('unix-dgram')).createSocket('unix_dgram');
      this.socket.on('error', () => undefined);
    }
    const buf = Buffer.from(notifyMessage(fields));
    this.socket.send(buf, 0, buf.length, this.path, (err) => {
      if (err !== undefined && !this.failedWarned) {
        this.failedWarned = true;
        this.log.warn(`cannot notify systemd at ${this.path}: ${err.message}`);
      }
    });
  }

  ready(status: string): void {
    this.send({ READY: 1, STATUS: status, MAINPID: process.pid });
  }

  reloading(): void {
    this.send({ RELOADING: 1, MONOTONIC_USEC: monotonicUsec(), STATUS: 'reloading the configuration' });
  }

  status(text: string): void {
    this.send({ STATUS: text });
  }

  stopping(): void {
    this.stopWatchdog();
    this.send({ STOPPING: 1, STATUS: 'stopping' });
  }

  /** Starts the WATCHDOG=1 pings systemd asked for (WATCHDOG_USEC), each only once `alive` answers true in time. */
  startWatchdog(alive: (deadlineMs: number) => Promise<boolean>, env: NodeJS.ProcessEnv = process.env): number | undefined {
    const every = watchdogIntervalMs(env);
    if (every === undefined) return undefined;
    let busy = false;
    this.watchdog = setInterval(() => {
      if (busy) return;
      busy = true;
      alive(every).then(
        (ok) => {
          busy = false;
          if (ok) this.send({ WATCHDOG: 1 });
          else this.missedPings++;
        },
        () => {
          busy = false;
          this.missedPings++;
        },
      );
    }, every);
    this.watchdog.unref();
    return every;
  }

  private stopWatchdog(): void {
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  close(): void {
    this.stopWatchdog();
    this.socket?.close();
    this.socket = undefined;
  }
}
