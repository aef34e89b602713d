import { isAscii } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Diagnostics, Position } from './diagnostics.js';
import { defaultConfigId, Interner, scanPlainTokens, scanTokens, Token, TokenList, tokenizeLine, type LexOptions, type TokenSink } from './lexer.js';
import { formatBytes, READ_LIMITS, type ReadLimits } from './limits.js';
import { Preprocessor } from './preprocess.js';

const MAX_INCLUDE_DEPTH = 32;

const CR = 13;
const SPACE = 32;
const BANG = 33;
const QUOTE = 34;
const HASH = 35;
const DOLLAR = 36;
const AT = 64;
const BACKSLASH = 92;
const LOWER_I = 105;
const LF = 10;
const CLOSE_BRACE = 125;
const TILDE = 126;

/** What `String.prototype.trim` removes: JavaScript's WhiteSpace and LineTerminator. */
function isTrimmed(c: number): boolean {
  if (c === SPACE || (c >= 9 && c <= 13)) return true;
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** The blanks between words: what both `String.prototype.trim` and the tokenizer take for a space. */
function isBlank(c: number): boolean {
  return c === SPACE || (c >= 9 && c <= 13);
}

/**
 * A character that a line must be read carefully for: a quote, a comment character, a
 * backslash, a `$`, a control character other than the blanks, or anything not ASCII (`trim`
 * takes some of those for blanks, the tokenizer does not). A line without one is cut into
 * words at its blanks and braces.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CAREFUL = /["#!\\$\u0000-\u0008\u000e-\u001f\u007f-\uffff]/g;

/** What kind of file a `stat` says, for a refusal. */
function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** A top-level block that a previous read found unchanged text for: its lines are not read again. */
export interface ReusableBlock {
  /** The block's text: its first line's start to its last line's end (without the newline). */
  readonly text: string;
  /** Lines it spans. */
  readonly lines: number;
}

/**
 * Blocks kept from an earlier read, offered to this one. `reuse` is asked for a block that
 * starts on the line about to be read and has the same text there; it returns true when it
 * took the block (then its lines are skipped), false when it cannot (not at the top level).
 */
export interface BlockReuse {
  /** The blocks kept for a file, by the line they start on. */
  forFile(file: string): ReadonlyMap<number, ReusableBlock> | undefined;
  reuse(block: ReusableBlock): boolean;
}

/** Where the scan of one file is: kept on the reader for a block's span (`closedBlockSpan`). */
interface FileScan {
  readonly src: string;
  readonly file: string;
  /** The line being read, and its [start, end) in `src`. */
  line: number;
  start: number;
  end: number;
  /** Where the line after it starts (past the text's length at its end). */
  next: number;
  /** Where each line starts in `src` (index: line number). */
  lineStarts: Int32Array;
  /** The last line that went through the preprocessor, or was too long: blocks after it only are reusable. */
  lastSlow: number;
}

/** The buffer files are read into, kept for the next read up to this size. */
const KEPT_BUFFER = 4 * 1024 * 1024;
let kept: Buffer | undefined;

/**
 * A buffer of at least `size` bytes. The last one is reused: a fresh megabyte costs its page
 * faults each time (measured: more than reading the file into it), and a daemon reads the
 * same file at every reload.
 */
function readBuffer(size: number): Buffer {
  if (kept !== undefined && kept.length >= size) return kept;
  const buf = Buffer.allocUnsafeSlow(size);
  if (size <= KEPT_BUFFER) kept = buf;
  return buf;
}

/** Glob characters of the patterns keepalived's glob(3) takes (with GLOB_BRACE). */
const GLOB_MAGIC = /[*?[{]/;

/**
 * Reads a configuration and its includes into a token stream, after keepalived's
 * preprocessing, within `READ_LIMITS`. Each file is scanned once: a line without `$`,
 * a leading `@`, `~` or `include` (nearly all of them) is cut into tokens straight from
 * the file's text; the others go through the preprocessor.
 */
class ConfigReader {
  private readonly pre: Preprocessor;
  private readonly stack: string[] = [];
  private readonly intern = new Interner();
  private readonly limits: ReadLimits = READ_LIMITS;
  private totalBytes = 0;
  private reads = 0;
  /** The file being scanned (an include's scan replaces it until it ends). */
  private current: FileScan | undefined;

  constructor(
    private readonly diags: Diagnostics,
    private readonly options: LexOptions,
    private readonly sink: TokenSink,
    private readonly blocks?: BlockReuse,
  ) {
    this.pre = new Preprocessor(options.configId ?? defaultConfigId(), diags, this.limits);
  }

  /** Reads `file`; `from` is the include pattern that named it (undefined for the main file). */
  visit(file: string, from: Position | undefined): void {
    const abs = resolve(file);
    const at = from ?? { file, line: 1, col: 1 };
    if (this.stack.includes(abs)) {
      this.diags.error('CONF_ERR_INCLUDE', at, `include cycle: ${[...this.stack, abs].join(' -> ')}`);
      return;
    }
    if (this.stack.length >= MAX_INCLUDE_DEPTH) {
      this.diags.error('CONF_ERR_INCLUDE', at, `includes nested deeper than ${MAX_INCLUDE_DEPTH}`);
      return;
    }
    if (++this.reads > this.limits.fileReads) {
      if (this.reads === this.limits.fileReads + 1) this.diags.error('CONF_ERR_LIMIT', at, `more than ${this.limits.fileReads} files read (counting each include of a file); ${file} and the rest not read`);
      return;
    }
    const text = this.read(file, abs, at, from === undefined ? 'CONF_ERR_IO' : 'CONF_ERR_INCLUDE');
    if (text === undefined) return;
    this.stack.push(abs);
    const outer = this.current;
    this.scan(text, file, dirname(abs));
    this.current = outer;
    this.stack.pop();
  }

  /**
   * The text of a file, or undefined after reporting why not. Only a regular file is read,
   * and only within the size limits: `stat` first, then opened without blocking (a FIFO
   * swapped in meanwhile cannot stall the reader) and checked again on the descriptor.
   */
  private read(file: string, abs: string, at: Position, code: 'CONF_ERR_IO' | 'CONF_ERR_INCLUDE'): string | undefined {
    const hasNul = (): undefined => void this.diags.error('CONF_ERR_SYNTAX', { file, line: 1, col: 1 }, 'file contains NUL bytes');
    const cannot = (reason: string): undefined => void this.diags.error(code, at, `cannot read ${file}: ${reason}`);
    const tooBig = (size: number): boolean => {
      if (size > this.limits.fileBytes) {
        this.diags.error('CONF_ERR_LIMIT', at, `${file} has ${size} bytes, more than the ${formatBytes(this.limits.fileBytes)} a file may have; not read`);
        return true;
      }
      if (this.totalBytes + size > this.limits.totalBytes) {
        this.diags.error('CONF_ERR_LIMIT', at, `${file} would take the configuration past ${formatBytes(this.limits.totalBytes)} with its includes; not read`);
        return true;
      }
      return false;
    };
    if (this.options.readFile !== undefined) {
      let text: string;
      try {
        text = this.options.readFile(abs);
      } catch (err) {
        return cannot((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((err as Error).message));
      }
      if (tooBig(text.length)) return undefined;
      this.totalBytes += text.length;
      return text.includes('\0') ? hasNul() : text;
    }
    let fd: number | undefined;
    try {
      const st = statSync(abs);
      if (!st.isFile()) return cannot(`${fileKind(st)}, not a regular file`);
      if (tooBig(st.size)) return undefined;
      fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
      const fst = fstatSync(fd);
      if (!fst.isFile()) return cannot(`${fileKind(fst)}, not a regular file`);
      // Read one byte past the limit to see a file that grew since the stat.
      const room = Math.min(this.limits.fileBytes, this.limits.totalBytes - this.totalBytes) + 1;
      const want = Math.min(room, fst.size + 1);
      const buf = readBuffer(want);
      let n = 0;
      while (n < want) {
        const got = readSync(fd, buf, n, want - n, null);
        if (got === 0) break;
        n += got;
      }
      if (n === room) {
        tooBig(n);
        return undefined;
      }
      this.totalBytes += n;
      // ASCII (nearly every keepalived.conf) decodes as Latin-1 to the same text, without UTF-8's work.
      const bytes = buf.subarray(0, n);
      // Looked for in the bytes: memchr, where the decoded text would be searched by JavaScript's rules.
      if (bytes.includes(0)) return hasNul();
      return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
    } catch (err) {
      return cannot((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((err as Error).message));
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /**
   * The span of the top-level block that just closed on the line being read, when it can be
   * reused by a later read: it starts with `keyword` on its own line start, in this file,
   * every line of it was cut into tokens straight from the text (no definition, conditional,
   * sequence or include can make it read differently next time), and the `}` closing it
   * is alone on this line.
   */
  closedBlockSpan(keyword: Token): ReusableBlock | undefined {
    const f = this.current;
    if (f === undefined || keyword.file !== f.file || keyword.line <= f.lastSlow) return undefined;
    const first = f.lineStarts[keyword.line]!;
    const src = f.src;
    let s = first;
    while (s < src.length && isTrimmed(src.charCodeAt(s))) s++;
    if (s - first + 1 !== keyword.col) return undefined;
    let a = f.start;
    while (a < f.end && isTrimmed(src.charCodeAt(a))) a++;
    let b = f.end;
    while (b > a && isTrimmed(src.charCodeAt(b - 1))) b--;
    if (b - a !== 1 || src.charCodeAt(a) !== CLOSE_BRACE) return undefined;
    return { text: src.slice(first, f.end), lines: f.line - keyword.line + 1 };
  }

  /**
   * Makes line `lineNo`, `src[start, end)`, the current one of `f`; returns its end, which is
   * its start when the line is past the length limit (reported, and read as empty).
   */
  private enterLine(f: FileScan, lineNo: number, start: number, end: number): number {
    if (lineNo >= f.lineStarts.length) {
      const grown = new Int32Array(f.lineStarts.length * 2);
      grown.set(f.lineStarts);
      f.lineStarts = grown;
    }
    f.lineStarts[lineNo] = start;
    f.line = lineNo;
    f.start = start;
    if (end - start > this.limits.lineLength) {
      this.diags.error('CONF_ERR_LIMIT', { file: f.file, line: lineNo, col: this.limits.lineLength + 1 }, `line is longer than ${this.limits.lineLength} characters`);
      end = start;
      f.lastSlow = lineNo;
    }
    f.end = end;
    return end;
  }

  /** Scans the lines of one file's text. */
  private scan(src: string, file: string, pwd: string): void {
    const n = src.length;
    const f: FileScan = { src, file, line: 0, start: 0, end: 0, next: 0, lineStarts: new Int32Array(1024), lastSlow: 0 };
    this.current = f;
    const reusable = this.blocks?.forFile(file);
    /** Where the next character is that `CAREFUL` matches, once past `start` (-1: not looked for yet). */
    let careful = -1;
    // The loop keeps its place in locals (closures would put them in a context, slower in code
    // not yet optimised); the preprocessor's `more` takes lines through `f` instead.
    const more = (): string | undefined => {
      if (f.next > n) return undefined;
      const start = f.next;
      let end = src.indexOf('\n', start);
      if (end < 0) end = n;
      f.next = end + 1;
      return src.slice(start, this.enterLine(f, f.line + 1, start, end));
    };
    const include = (text: string, raw: string): boolean => this.takeInclude(text, raw, file, f.line, pwd);
    let next = 0;
    let lineNo = 0;
    while (next <= n) {
      const start = next;
      let end = src.indexOf('\n', start);
      if (end < 0) end = n;
      next = end + 1;
      end = this.enterLine(f, ++lineNo, start, end);
      if (reusable !== undefined) {
        const block = reusable.get(lineNo);
        // The same text at the same place: the block as read before, without reading it.
        if (block !== undefined && src.startsWith(block.text, start) && (start + block.text.length === n || src.charCodeAt(start + block.text.length) === LF) && this.blocks!.reuse(block)) {
          next = start + block.text.length + 1;
          lineNo += block.lines - 1;
          continue;
        }
      }
      if (careful < start) {
        // The next character that needs the careful path, searched for natively: most lines have none.
        CAREFUL.lastIndex = start;
        careful = CAREFUL.test(src) ? CAREFUL.lastIndex - 1 : n;
      }
      if (careful >= end) {
        let s = start;
        while (s < end && isBlank(src.charCodeAt(s))) s++;
        if (s === end) continue;
        const first = src.charCodeAt(s);
        if (first !== AT && first !== TILDE && !(first === LOWER_I && src.startsWith('include', s))) {
          const t = scanPlainTokens(src, s, end, start, file, lineNo, this.sink, this.intern);
          this.sink.eol(file, lineNo, t - start + 1);
          continue;
        }
      } else {
        // keepalived's order: a trailing CR goes, then the comment, then the surrounding blanks.
        let e = end;
        if (e > start && src.charCodeAt(e - 1) === CR) e--;
        let cut = e;
        let quoted = false;
        let dollar = false;
        for (let i = start; i < e; i++) {
          const c = src.charCodeAt(i);
          if (c === BACKSLASH) {
            if (i + 1 < e) {
              const d = src.charCodeAt(i + 1);
              if (d === HASH || d === BANG) i++;
            }
          } else if (c === QUOTE) quoted = !quoted;
          else if (!quoted && (c === HASH || c === BANG)) {
            cut = i;
            break;
          } else if (c === DOLLAR) dollar = true;
        }
        let s = start;
        while (s < cut && isTrimmed(src.charCodeAt(s))) s++;
        let t = cut;
        while (t > s && isTrimmed(src.charCodeAt(t - 1))) t--;
        if (s === t) continue;
        const first = src.charCodeAt(s);
        if (!dollar && first !== AT && first !== TILDE && !(first === LOWER_I && src.startsWith('include', s))) {
          scanTokens(src, s, t, start, file, lineNo, this.diags, this.sink, this.intern);
          this.sink.eol(file, lineNo, t - start + 1);
          continue;
        }
      }
      f.next = next;
      for (const l of this.pre.line(src.slice(start, end), lineNo, file, pwd, more, include)) {
        scanTokens(l.text, 0, l.text.length, -l.colOffset, l.file, l.line, this.diags, this.sink, this.intern);
        this.sink.eol(l.file, l.line, l.colOffset + l.text.length + 1);
      }
      // The preprocessor may have taken lines (a multi-line definition); an include's scan replaced the current file.
      next = f.next;
      lineNo = f.line;
      this.current = f;
      f.lastSlow = lineNo;
    }
  }

  /** An `include` line: keepalived recognises it before any other processing. */
  private takeInclude(text: string, raw: string, file: string, line: number, pwd: string): boolean {
    const m = /^(include[rmwba]?)(\s+|$)/.exec(text);
    if (m === null) return false;
    const tokens = tokenizeLine(raw, file, line, this.diags);
    this.include(tokens[0]!, tokens.slice(1), pwd);
    return true;
  }

  private include(kw: Token, args: Token[], base: string): void {
    if (args.length !== 1 || args[0]!.kind !== 'word') {
      this.diags.error('CONF_ERR_SYNTAX', kw.pos, `${kw.text} takes one file pattern`);
      return;
    }
    const pattern = args[0]!.text;
    const absPattern = isAbsolute(pattern) ? pattern : resolve(base, pattern);
    const wildcard = GLOB_MAGIC.test(absPattern);
    const matches = wildcard ? globMatches(absPattern) : exists(absPattern) ? [absPattern] : [];
    if (matches.length === 0 && wildcard && !/[wa]$/.test(kw.text) && exists(fixedDirectory(absPattern))) {
      // keepalived reads nothing and says nothing (only includew/includea ask for "No config
      // files matched"): a conf.d/*.conf with nothing in it yet is a common layout.
      this.diags.warning('CONF_ERR_INCLUDE', args[0]!.pos, `include ${pattern}: no file matches; nothing read, as keepalived reads nothing`);
      return;
    }
    if (matches.length === 0) {
      // keepalived's plain `include` only logs a missing file; tandem refuses it: a
      // missing include silently drops configuration.
      this.diags.error('CONF_ERR_INCLUDE', args[0]!.pos, `include ${pattern}: no such file`);
      return;
    }
    for (const m of matches) this.visit(m, args[0]!.pos);
  }
}

/** The directory above a pattern's first component with glob characters in it. */
function fixedDirectory(absPattern: string): string {
  const parts = absPattern.split('/');
  const k = parts.findIndex((p) => GLOB_MAGIC.test(p));
  return parts.slice(0, k).join('/') || '/';
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The paths a glob pattern names, sorted. The glob package is loaded only for a pattern
 * with glob characters (it costs more to load than a whole file costs to parse), and run
 * as keepalived's glob(3): no `**` across directories, no extended globs.
 */
function globMatches(pattern: string): string[] {
  // Loaded on first use, not at start: a synchronous require is the lazy form for that.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { globSync } = require('glob') as typeof import('glob');
  return globSync(pattern, { absolute: true, noglobstar: true, noext: true }).sort();
}

/**
 * Reads `path` and its includes, sending every token to `sink`; problems go to `diags`
 * with their positions. Never throws on file content.
 */
export function readConfig(path: string, diags: Diagnostics, options: LexOptions, sink: TokenSink): void {
  new ConfigReader(diags, options, sink).visit(path, undefined);
}

/** A reader that reuses blocks kept from an earlier read and can say which of its own can be kept. */
export function blockReader(diags: Diagnostics, options: LexOptions, sink: TokenSink, blocks: BlockReuse): { read(path: string): void; closedBlockSpan(keyword: Token): ReusableBlock | undefined } {
  const reader = new ConfigReader(diags, options, sink, blocks);
  return { read: (path) => reader.visit(path, undefined), closedBlockSpan: (keyword) => reader.closedBlockSpan(keyword) };
}

/**
 * Reads a configuration file and every file it includes into one token stream,
 * after keepalived's preprocessing (conditionals, definitions, sequences).
 * Includes are textual, relative to the including file, glob-expanded in
 * sorted order, and cycle-safe. `load` streams the tokens into the parser
 * instead; this list is for tools and tests.
 */
export function lexFile(path: string, diags: Diagnostics, options: LexOptions = {}): Token[] {
  const list = new TokenList();
  readConfig(path, diags, options, list);
  return list.tokens;
}
