import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { globSync } from 'glob';
import type { Diagnostics, Position } from './diagnostics.js';
import { Preprocessor } from './preprocess.js';

export type TokenKind = 'word' | 'open' | 'close' | 'eol';

/** One token with the place it came from; `quoted` words keep their inner spaces. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly quoted: boolean;
  readonly pos: Position;
}

/** keepalived's include keywords; all but plain `include` make a missing match an error. */
const INCLUDE_WORDS = new Set(['include', 'includer', 'includem', 'includew', 'includeb', 'includea']);
const MAX_INCLUDE_DEPTH = 32;

/** Splits one physical line into tokens: `#`/`!` comments outside quotes, quoted words, braces apart. */
export function tokenizeLine(text: string, file: string, line: number, diags: Diagnostics, colOffset = 0): Token[] {
  const out: Token[] = [];
  let i = 0;
  const at = (col: number): Position => ({ file, line, col: colOffset + col + 1 });
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\f' || c === '\v' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#' || c === '!') break;
    if (c === '{' || c === '}') {
      out.push({ kind: c === '{' ? 'open' : 'close', text: c, quoted: false, pos: at(i) });
      i++;
      continue;
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) {
        diags.error('CONF_ERR_SYNTAX', at(i), 'unterminated quoted string');
        return out;
      }
      out.push({ kind: 'word', text: text.slice(i + 1, end), quoted: true, pos: at(i) });
      i = end + 1;
      continue;
    }
    const start = i;
    let word = '';
    while (i < text.length) {
      const d = text[i]!;
      if (' \t\f\v\r{}"'.includes(d)) break;
      if (d === '\\' && (text[i + 1] === '#' || text[i + 1] === '!')) {
        word += text[i + 1];
        i += 2;
        continue;
      }
      if (d === '#' || d === '!') break;
      word += d;
      i++;
    }
    out.push({ kind: 'word', text: word, quoted: false, pos: at(start) });
    if (i < text.length && (text[i] === '#' || text[i] === '!')) break;
  }
  return out;
}

/** Options of reading a configuration. */
export interface LexOptions {
  /** keepalived's config id (`-i`), matched by `@ID` lines; default: the host name up to the first dot. */
  readonly configId?: string;
  readonly readFile?: (path: string) => string;
}

/** keepalived's default config id: the host name up to the first dot. */
export function defaultConfigId(): string {
  return hostname().split('.')[0] ?? '';
}

/**
 * Reads a configuration file and every file it includes into one token stream,
 * after keepalived's preprocessing (conditionals, definitions, sequences).
 * Includes are textual, relative to the including file, glob-expanded in
 * sorted order, and cycle-safe.
 */
export function lexFile(path: string, diags: Diagnostics, options: LexOptions = {}): Token[] {
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const pre = new Preprocessor(options.configId ?? defaultConfigId(), diags);
  const out: Token[] = [];
  const stack: string[] = [];
  const visit = (file: string, from: Position | undefined): void => {
    const abs = resolve(file);
    if (stack.includes(abs)) {
      diags.error('CONF_ERR_INCLUDE', from ?? { file, line: 1, col: 1 }, `include cycle: ${[...stack, abs].join(' -> ')}`);
      return;
    }
    if (stack.length >= MAX_INCLUDE_DEPTH) {
      diags.error('CONF_ERR_INCLUDE', from ?? { file, line: 1, col: 1 }, `includes nested deeper than ${MAX_INCLUDE_DEPTH}`);
      return;
    }
    let text: string;
    try {
      text = readFile(abs);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((err as Error).message);
      diags.error(from === undefined ? 'CONF_ERR_IO' : 'CONF_ERR_INCLUDE', from ?? { file, line: 1, col: 1 }, `cannot read ${file}: ${reason}`);
      return;
    }
    if (text.includes('\0')) {
      diags.error('CONF_ERR_SYNTAX', { file, line: 1, col: 1 }, 'file contains NUL bytes');
      return;
    }
    stack.push(abs);
    const physical = text.split('\n');
    const takeInclude = (line: string, lineNo: number): boolean => {
      const m = /^(include[rmwba]?)(\s+|$)/.exec(line);
      if (m === null || !INCLUDE_WORDS.has(m[1]!)) return false;
      const raw = physical[lineNo - 1]!;
      const tokens = tokenizeLine(raw, file, lineNo, diags);
      include(tokens[0]!, tokens.slice(1), dirname(abs));
      return true;
    };
    for (const l of pre.lines(physical, file, dirname(abs), takeInclude)) {
      out.push(...tokenizeLine(l.text, l.file, l.line, diags, l.colOffset));
      out.push({ kind: 'eol', text: '', quoted: false, pos: { file: l.file, line: l.line, col: l.colOffset + l.text.length + 1 } });
    }
    stack.pop();
  };
  const include = (kw: Token, args: Token[], base: string): void => {
    if (args.length !== 1 || args[0]!.kind !== 'word') {
      diags.error('CONF_ERR_SYNTAX', kw.pos, `${kw.text} takes one file pattern`);
      return;
    }
    const pattern = args[0]!.text;
    const absPattern = isAbsolute(pattern) ? pattern : resolve(base, pattern);
    const matches = globSync(absPattern, { nodir: true, absolute: true })
      .filter((m) => existsSync(m) && statSync(m).isFile())
      .sort();
    if (matches.length === 0) {
      // keepalived's plain `include` only logs a missing file; tandem refuses it: a
      // missing include silently drops configuration.
      diags.error('CONF_ERR_INCLUDE', args[0]!.pos, `include ${pattern}: no such file`);
      return;
    }
    for (const m of matches) visit(m, args[0]!.pos);
  };
  visit(path, undefined);
  return out;
}
