import winston from 'winston';
import type TransportStream from 'winston-transport';

/** The logging interface libraries and services get; only the daemon knows winston. */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  child(meta: Record<string, unknown>): Logger;
  /** Whether debug lines are written (-D): a caller about to make thousands of them asks first. Absent: yes. */
  isDebugEnabled?(): boolean;
}

export interface LoggerOptions {
  /** `--log-json`: one JSON object per line, on every destination. */
  readonly json: boolean;
  /** `-D`: debug lines too. */
  readonly detail: boolean;
  /** `-l`: the console (stderr). Default true when there is no syslog. */
  readonly console?: boolean;
  /** syslog, keepalived's default: `-S` picks the facility, `-G` turns it off. */
  readonly syslog?: { readonly facility: number; readonly path?: string; readonly ident?: string };
  /** `-g FILE`: also append every line to FILE. */
  readonly file?: string;
}

/** A line's text without its time stamp and level: `[module] message`. */
function body(info: Record<string, unknown>): string {
  const { message, module } = info;
  return `${module !== undefined ? `[${String(module)}] ` : ''}${String(message)}`;
}

/** A line as JSON: level, message and every meta field, with its time. */
function jsonLine(info: Record<string, unknown>): string {
  return JSON.stringify({ ...info, timestamp: info['timestamp'] ?? new Date().toISOString() });
}

/**
 * The daemon's logger, as keepalived logs: syslog by default (facility from `-S`), the console
 * with `-l`, a file with `-g`, JSON lines with `--log-json`. Only the transports asked for are
 * loaded (winston loads its own lazily; syslog's native socket only when used). When the
 * syslog socket cannot be reached (no syslog daemon, a container), the lines go to stderr
 * instead of nowhere, and the log says so once.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const text = winston.format.printf((info) => {
    // `TIME LEVEL [module]: message`, the console format tandem has always had (tests and
    // operators' greps read it); syslog lines carry `[module] message` as keepalived's do.
    const { timestamp, level, message, module } = info as Record<string, unknown>;
    return `${String(timestamp)} ${String(level)}${module !== undefined ? ` [${String(module)}]` : ''}: ${String(message)}`;
  });
  // winston's own timestamp() loads a date-formatting library for the same ISO text.
  const timestamp = winston.format((info) => {
    info['timestamp'] = new Date().toISOString();
    return info;
  })();
  const format = opts.json ? winston.format.combine(timestamp, winston.format.json()) : winston.format.combine(timestamp, text);
  const transports: TransportStream[] = [];
  const toConsole = opts.console ?? opts.syslog === undefined;
  const consoleTransport = (): TransportStream => new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] });
  if (toConsole) transports.push(consoleTransport());
  if (opts.file !== undefined) transports.push(new winston.transports.File({ filename: opts.file }));
  const logger = winston.createLogger({ level: opts.detail ? 'debug' : 'info', format, transports });
  if (opts.syslog !== undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SyslogTransport } = require('./syslog.js') as typeof import('./syslog.js');
    let fallback: TransportStream | undefined;
    logger.add(
      new SyslogTransport({
        ...opts.syslog,
        render: (info) => (opts.json ? jsonLine(info) : body(info)),
        onUnreachable: (why, info) => {
          if (toConsole || fallback !== undefined) return;
          const stderr = consoleTransport();
          fallback = stderr;
          // The line that found no syslog goes to stderr too; later ones reach it through the logger.
          stderr.log?.(info, () => undefined);
          logger.add(stderr);
          logger.warn(`syslog unreachable (${why}): logging to stderr instead`);
        },
      }),
    );
  }
  return logger as unknown as Logger;
}
