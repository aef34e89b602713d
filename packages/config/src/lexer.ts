import { hostname } from 'node:os';
import type { Diagnostics, Position } from './diagnostics.js';

export type TokenKind = 'word' | 'open' | 'close' | 'eol';

/**
 * One token with the place it came from; `quoted` words keep their inner spaces. The place
 * is kept as numbers and made into a `Position` only when asked for: most tokens never are.
 */
export class Token {
  constructor(
    readonly kind: TokenKind,
    readonly text: string,
    readonly quoted: boolean,
    readonly file: string,
    readonly line: number,
    readonly col: number,
  ) {}

  get pos(): Position {
    return { file: this.file, line: this.line, col: this.col };
  }

  /** The same place with other text: a part of a word checked on its own. */
  withText(text: string): Token {
    return new Token(this.kind, text, this.quoted, this.file, this.line, this.col);
  }
}

const TAB = 9;
const VT = 11;
const FF = 12;
const CR = 13;
const SPACE = 32;
const BANG = 33;
const QUOTE = 34;
const HASH = 35;
const BACKSLASH = 92;
const UNDERSCORE = 95;
const OPEN = 123;
const CLOSE = 125;

/**
 * One string per distinct keyword: a 36,000-line file holds a hundred distinct keywords a
 * hundred thousand times, and the parser keeps many of them. Only words that start with a
 * letter or `_` are interned (keywords, and words such as NAT or wrr): addresses and numbers
 * mostly occur once, and would only grow the table. (A map of the sliced words: measured
 * faster, in code V8 has not optimised yet, than hashing the characters while scanning.)
 */
export class Interner {
  private readonly strings = new Map<string, string>();

  /** The one string equal to `word`. */
  get(word: string): string {
    const kept = this.strings.get(word);
    if (kept !== undefined) return kept;
    this.strings.set(word, word);
    return word;
  }
}

const unescapeComment = (word: string): string => word.replace(/\\([#!])/g, '$1');

/**
 * Splits `src[start, end)`, one line, into tokens: `#`/`!` comments outside quotes, quoted
 * words, braces apart; `\#` and `\!` in a word are literal. The character at index `i` is
 * in column `i - base + 1`. Scans the characters once and slices each word out once.
 */
export function scanTokens(src: string, start: number, end: number, base: number, file: string, line: number, diags: Diagnostics, sink: TokenSink, intern?: Interner): void {
  let i = start;
  while (i < end) {
    const c = src.charCodeAt(i);
    if (c === SPACE || c === TAB || c === FF || c === VT || c === CR) {
      i++;
      continue;
    }
    if (c === HASH || c === BANG) return;
    if (c === OPEN) {
      sink.open(file, line, i - base + 1);
      i++;
      continue;
    }
    if (c === CLOSE) {
      sink.close(file, line, i - base + 1);
      i++;
      continue;
    }
    if (c === QUOTE) {
      let e = i + 1;
      while (e < end && src.charCodeAt(e) !== QUOTE) e++;
      if (e >= end) {
        diags.error('CONF_ERR_SYNTAX', { file, line, col: i - base + 1 }, 'unterminated quoted string');
        return;
      }
      sink.word(new Token('word', src.slice(i + 1, e), true, file, line, i - base + 1));
      i = e + 1;
      continue;
    }
    const s = i;
    let escaped = false;
    while (i < end) {
      const d = src.charCodeAt(i);
      if (d === SPACE || d === TAB || d === FF || d === VT || d === CR || d === OPEN || d === CLOSE || d === QUOTE) break;
      if (d === BACKSLASH && i + 1 < end) {
        const n = src.charCodeAt(i + 1);
        if (n === HASH || n === BANG) {
          escaped = true;
          i += 2;
          continue;
        }
      }
      if (d === HASH || d === BANG) break;
      i++;
    }
    const text = escaped ? unescapeComment(src.slice(s, i)) : intern !== undefined && (c >= 65 || c === UNDERSCORE) ? intern.get(src.slice(s, i)) : src.slice(s, i);
    sink.word(new Token('word', text, false, file, line, s - base + 1));
    if (i < end) {
      const d = src.charCodeAt(i);
      if (d === HASH || d === BANG) return;
    }
  }
}

/**
 * `scanTokens` for a line the reader found plain: no quote, comment character, backslash,
 * control character but blanks, or non-ASCII character in it, so words end only at blanks
 * (every character up to a space) and braces. Returns where its last token ends (`start`
 * when it has none): the line's trimmed end.
 */
export function scanPlainTokens(src: string, start: number, end: number, base: number, file: string, line: number, sink: TokenSink, intern: Interner): number {
  let last = start;
  let i = start;
  while (i < end) {
    const c = src.charCodeAt(i);
    if (c <= SPACE) i++;
    else if (c === OPEN) {
      sink.open(file, line, i - base + 1);
      last = ++i;
    } else if (c === CLOSE) {
      sink.close(file, line, i - base + 1);
      last = ++i;
    } else {
      const s = i;
      for (i++; i < end; i++) {
        const d = src.charCodeAt(i);
        if (d <= SPACE || d === OPEN || d === CLOSE) break;
      }
      const text = c >= 65 || c === UNDERSCORE ? intern.get(src.slice(s, i)) : src.slice(s, i);
      sink.word(new Token('word', text, false, file, line, s - base + 1));
      last = i;
    }
  }
  return last;
}

/** Where the scanner sends tokens: the statement-tree builder, or a token list. */
export interface TokenSink {
  word(t: Token): void;
  /** A `{` at that place. */
  open(file: string, line: number, col: number): void;
  /** A `}` at that place. */
  close(file: string, line: number, col: number): void;
  /** The end of a logical line, at `col` just after its text. */
  eol(file: string, line: number, col: number): void;
}

/** Collects tokens in order, an `eol` token after each line. */
export class TokenList implements TokenSink {
  readonly tokens: Token[] = [];
  word(t: Token): void {
    this.tokens.push(t);
  }
  open(file: string, line: number, col: number): void {
    this.tokens.push(new Token('open', '{', false, file, line, col));
  }
  close(file: string, line: number, col: number): void {
    this.tokens.push(new Token('close', '}', false, file, line, col));
  }
  eol(file: string, line: number, col: number): void {
    this.tokens.push(new Token('eol', '', false, file, line, col));
  }
}

/** Splits one physical line into tokens: `#`/`!` comments outside quotes, quoted words, braces apart. */
export function tokenizeLine(text: string, file: string, line: number, diags: Diagnostics, colOffset = 0): Token[] {
  const list = new TokenList();
  scanTokens(text, 0, text.length, -colOffset, file, line, diags, list);
  return list.tokens;
}

/** Options of reading a configuration. */
export interface LexOptions {
  /** keepalived's config id (`-i`), matched by `@ID` lines; default: the host name up to the first dot. */
  readonly configId?: string;
  /** Reads a file instead of the file system (the size limits still apply; no `stat`). */
  readonly readFile?: (path: string) => string;
}

/** keepalived's default config id: the host name up to the first dot. */
export function defaultConfigId(): string {
  return hostname().split('.')[0] ?? '';
}
