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

/** Collects diagnostics in the order found. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];
  error(code: ConfigErrorCode, pos: Position, message: string): void {
    this.list.push({ severity: 'error', code, pos, message });
  }
  warning(code: ConfigErrorCode, pos: Position, message: string): void {
    this.list.push({ severity: 'warning', code, pos, message });
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
