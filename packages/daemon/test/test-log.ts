import type { Logger } from '../src/logger.js';

/** A logger that keeps each line as `LEVEL: message` in `lines` (debug lines too with `debug`). */
export function linesLogger(lines: string[], debug = false): Logger {
  const log: Logger = {
    error: (m) => void lines.push(`error: ${m}`),
    warn: (m) => void lines.push(`warn: ${m}`),
    info: (m) => void lines.push(`info: ${m}`),
    debug: (m) => void (debug && lines.push(`debug: ${m}`)),
    child: () => log,
  };
  return log;
}
