import type { Logger } from '../logger.js';
import type { LogLevel } from './protocol.js';

/** A Logger that hands every line to `send` (the supervisor writes the log); debug lines only with `detail`. */
export function ipcLogger(send: (level: LogLevel, message: string, meta?: Record<string, unknown>) => void, detail: boolean, base: Record<string, unknown> = {}): Logger {
  const at =
    (level: LogLevel) =>
    (message: string, meta?: Record<string, unknown>): void => {
      if (level === 'debug' && !detail) return;
      send(level, message, { ...base, ...meta });
    };
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: (meta) => ipcLogger(send, detail, { ...base, ...meta }),
  };
}
