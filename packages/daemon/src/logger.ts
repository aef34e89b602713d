import winston from 'winston';

/** The logging interface libraries and services get; only the daemon knows winston. */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  child(meta: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  readonly json: boolean;
  readonly detail: boolean;
}

/** Console logging to stderr (systemd's journal picks it up); JSON lines with --log-json. */
export function createLogger(opts: LoggerOptions): Logger {
  const format = opts.json
    ? winston.format.combine(winston.format.timestamp(), winston.format.json())
    : winston.format.combine(
        winston.format.timestamp(),
        winston.format.printf((info) => {
          const { timestamp, level, message, module, ...rest } = info as Record<string, unknown>;
          void rest;
          return `${String(timestamp)} ${String(level)}${module !== undefined ? ` [${String(module)}]` : ''}: ${String(message)}`;
        }),
      );
  return winston.createLogger({
    level: opts.detail ? 'debug' : 'info',
    format,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  }) as unknown as Logger;
}
