/** A place in a configuration file; line and column are 1-based. */
export interface Position {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export type Severity = 'error' | 'warning';

/** Codes of configuration diagnostics. */
export type ConfigErrorCode =
  | 'CONF_ERR_SYNTAX'
  | 'CONF_ERR_INCLUDE'
  | 'CONF_ERR_UNKNOWN_KEYWORD'
  | 'CONF_ERR_UNSUPPORTED'
  | 'CONF_ERR_VALUE'
  | 'CONF_ERR_ARITY'
  | 'CONF_ERR_MISSING'
  | 'CONF_ERR_REFERENCE'
  | 'CONF_ERR_CONFLICT'
  | 'CONF_ERR_IO'
  /** Input past a bound of `READ_LIMITS` (line length, file size, generated lines, ...). */
  | 'CONF_ERR_LIMIT'
  /** A script the daemon would refuse to run (missing, not executable, unknown user, unsafe as root). */
  | 'CONF_ERR_SCRIPT';

/** One error or warning, printed as `FILE:LINE:COL: message`. */
export interface Diagnostic {
  readonly severity: Severity;
  readonly code: ConfigErrorCode;
  readonly pos: Position;
  readonly message: string;
}

export function formatPosition(pos: Position): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

/** `FILE:LINE:COL: message` (warnings say so). */
export function formatDiagnostic(d: Diagnostic): string {
  return `${formatPosition(d.pos)}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

/** The most diagnostics one read keeps: a file of ten million stray braces says so once, not ten million times. */
export const MAX_DIAGNOSTICS = 1000;

/** Collects diagnostics in the order found, up to `MAX_DIAGNOSTICS`. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];
  /** Errors reported so far, also those past the limit: a cheap "did this part add one". */
  errorCount = 0;
  error(code: ConfigErrorCode, pos: Position, message: string): void {
    this.errorCount++;
    this.add({ severity: 'error', code, pos, message });
  }
  warning(code: ConfigErrorCode, pos: Position, message: string): void {
    this.add({ severity: 'warning', code, pos, message });
  }
  /** Takes over another collection's diagnostics, after this one's. */
  append(other: Diagnostics): void {
    this.errorCount += other.errorCount;
    for (const d of other.list) this.add(d);
  }
  private add(d: Diagnostic): void {
    if (this.list.length < MAX_DIAGNOSTICS) this.list.push(d);
    else if (this.list.length === MAX_DIAGNOSTICS) this.list.push({ severity: 'error', code: 'CONF_ERR_LIMIT', pos: d.pos, message: `more than ${MAX_DIAGNOSTICS} problems; the rest are not reported` });
  }
  get errors(): Diagnostic[] {
    return this.list.filter((d) => d.severity === 'error');
  }
  get warnings(): Diagnostic[] {
    return this.list.filter((d) => d.severity === 'warning');
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** The closest known word to a misspelt one, if it is close enough to be a likely typo. */
export function suggest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
