import Transport from 'winston-transport';
import type { UnixDgramSocket } from 'unix-dgram';

// Logging to the local syslog daemon as keepalived does (openlog with LOG_PID, syslog(3)):
// one datagram per line on /dev/log, in glibc's format, so rsyslog, syslog-ng and journald
// file tandemd's lines where they file keepalived's.

/** syslog(3) severities of the daemon's levels. */
export const SEVERITY = { error: 3, warn: 4, info: 6, debug: 7 } as const;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * One syslog datagram as glibc's syslog(3) writes it to the local socket:
 * `<PRI>Mmm dd hh:mm:ss IDENT[PID]: MESSAGE` (PRI = facility × 8 + severity, the day padded
 * with a space, local time, no host name: the local daemon adds it).
 */
export function formatSyslog(facility: number, severity: number, date: Date, ident: string, pid: number, message: string): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${MONTHS[date.getMonth()]!} ${String(date.getDate()).padStart(2, ' ')} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  return `<${facility * 8 + severity}>${stamp} ${ident}[${pid}]: ${message}`;
}

export interface SyslogOptions {
  /** syslog(3) facility number (3: daemon). */
  readonly facility: number;
  /** The local syslog socket (default /dev/log). */
  readonly path?: string;
  /** The tag before `[pid]` (default tandemd). */
  readonly ident?: string;
  /** The line's text from winston's info object. */
  readonly render: (info: Record<string, unknown>) => string;
  /**
   * Called once each time the socket becomes unreachable (no syslog daemon), with why and the
   * line that could not be sent (winston's info, formatted); again after it came back.
   */
  readonly onUnreachable?: (why: string, info: Record<string | symbol, unknown>) => void;
  /** How the socket is made (tests use this to count or fail sends). */
  readonly createSocket?: () => UnixDgramSocket;
  /** The clock of the retries, in ms (tests give their own). */
  readonly now?: () => number;
}

/**
 * While no syslog daemon listens, a line is sent at most this often (the others are dropped
 * unsent): each refused send costs an exception in unix-dgram, and a stop that logs a line for
 * each of 10,000 real servers paid seconds for them on a slow CPU.
 */
const RETRY_MS = 1000;

/** errno names for what a send to /dev/log reports (unix-dgram gives negative numbers). */
const ERRNO: Record<number, string> = { [-2]: 'ENOENT', [-111]: 'ECONNREFUSED', [-11]: 'EAGAIN', [-105]: 'ENOBUFS', [-13]: 'EACCES', [-91]: 'EPROTOTYPE' };

/**
 * A winston transport that sends each line to the local syslog socket. When no syslog daemon
 * listens, lines are dropped (as syslog(3) drops them) and `onUnreachable` is told once; the
 * socket is tried again with a later line, once a second, so a syslog daemon that starts later
 * gets the lines from then on.
 */
export class SyslogTransport extends Transport {
  private socket: UnixDgramSocket | undefined;
  private unreachable = false;
  /** While unreachable: when a line may be sent again. */
  private retryAt = 0;
  private readonly path: string;
  private readonly ident: string;
  /** Lines that could not be sent (no syslog daemon, a full receive queue). */
  dropped = 0;

  constructor(private readonly o: SyslogOptions) {
    super();
    this.path = o.path ?? '/dev/log';
    this.ident = o.ident ?? 'tandemd';
  }

  private open(): UnixDgramSocket {
    if (this.socket !== undefined) return this.socket;
    // Loaded here: only a daemon that logs to syslog pays for the native module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const s = this.o.createSocket?.() ?? (require('unix-dgram') as typeof import('unix-dgram')).createSocket('unix_dgram');
    s.on('error', () => undefined);
    this.socket = s;
    return s;
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const now = this.o.now ?? Date.now;
    if (this.unreachable && now() < this.retryAt) {
      this.dropped++;
      next();
      return;
    }
    const level = String(info['level']) as keyof typeof SEVERITY;
    const line = formatSyslog(this.o.facility, SEVERITY[level] ?? 6, new Date(), this.ident, process.pid, this.o.render(info as Record<string, unknown>));
    const buf = Buffer.from(line);
    this.open().send(buf, 0, buf.length, this.path, (err) => {
      if (err === undefined) {
        if (this.unreachable) this.unreachable = false;
      } else {
        this.dropped++;
        this.retryAt = now() + RETRY_MS;
        if (!this.unreachable) {
          this.unreachable = true;
          const code = typeof err.code === 'number' ? (ERRNO[err.code] ?? `errno ${-err.code}`) : err.message;
          this.o.onUnreachable?.(`${this.path}: ${code}`, info);
        }
      }
    });
    next();
  }

  override close(): void {
    this.socket?.close();
    this.socket = undefined;
  }
}
