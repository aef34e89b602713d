import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { globSync } from 'glob';
import type { Diagnostics, Position } from './diagnostics.js';

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
export function tokenizeLine(text: string, file: string, line: number, diags: Diagnostics): Token[] {
  const out: Token[] = [];
  let i = 0;
  const at = (col: number): Position => ({ file, line, col: col + 1 });
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

/**
 * Reads a configuration file and every file it includes into one token stream.
 * Includes are textual, relative to the including file, glob-expanded in
 * sorted order, and cycle-safe.
 */
export function lexFile(path: string, diags: Diagnostics, readFile: (p: string) => string = (p) => readFileSync(p, 'utf8')): Token[] {
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
    const lines = text.split('\n');
    lines.forEach((raw, idx) => {
      const tokens = tokenizeLine(raw, file, idx + 1, diags);
      const first = tokens[0];
      if (first !== undefined && first.kind === 'word' && !first.quoted && INCLUDE_WORDS.has(first.text)) {
        include(first, tokens.slice(1), dirname(abs));
        return;
      }
      out.push(...tokens);
      out.push({ kind: 'eol', text: '', quoted: false, pos: { file, line: idx + 1, col: raw.length + 1 } });
    });
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
