import type { Diagnostics, Position } from './diagnostics.js';
import { READ_LIMITS, type ReadLimits } from './limits.js';

/** A logical line after keepalived's preprocessing, with the place it came from. */
export interface LogicalLine {
  readonly text: string;
  readonly file: string;
  readonly line: number;
  /** True when definitions were substituted: columns then refer to the expanded text. */
  readonly expanded: boolean;
  /** Columns before `text` on the physical line (indentation, an `@ID` prefix). */
  readonly colOffset: number;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const MAX_EXPANSIONS = 100_000;
const MAX_DEPTH = 64;
/** The config id tandemd always answers to, besides its own (`@tandem` lines). */
export const TANDEM_ID = 'tandem';

/** Cuts a line at the first `#` or `!` outside double quotes (`\#`, `\!` are kept for the tokenizer). */
export function stripComment(text: string): string {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === '#' || text[i + 1] === '!')) {
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '#' || c === '!')) return text.slice(0, i);
  }
  return text;
}

/**
 * keepalived's line preprocessing, in its order: `@ID` / `@^ID` conditional
 * lines, `$NAME=VALUE` definitions (multi-line with a trailing `\`),
 * `~SEQ(var, [start,] [step,] end)`, `~SEQx(...)` and `~LST(var, v1, ...)`
 * repetition, then `$NAME` / `${NAME}` substitution. Definitions persist
 * across included files, as in keepalived.
 */
export class Preprocessor {
  private readonly defs = new Map<string, string>();
  private expansions = 0;
  /** Lines made so far by sequences, lists and substitution (`ReadLimits.generatedLines`). */
  private generated = 0;
  /** The physical line being processed, to place unexpanded text on it. */
  private raw = '';

  constructor(
    private readonly configId: string,
    private readonly diags: Diagnostics,
    private readonly limits: ReadLimits = READ_LIMITS,
  ) {}

  /**
   * Counts one more generated line; false once the budget is spent (reported once, after
   * which nothing more is generated: a sequence inside a sequence ends here, not in hours).
   */
  private generate(pos: Position): boolean {
    if (this.generated > this.limits.generatedLines) return false;
    if (++this.generated <= this.limits.generatedLines) return true;
    this.diags.error('CONF_ERR_LIMIT', pos, `~SEQ, ~LST and definitions make more than ${this.limits.generatedLines} lines`);
    return false;
  }

  /**
   * Processes one physical line `raw` (without its newline) of `file`, whose directory is
   * `pwd` (`${_PWD}`); `more` hands over the lines after it, which a multi-line definition
   * takes. `include` is offered the line first and returns true when it took it:
   * keepalived detects includes before any other processing.
   */
  *line(raw: string, line: number, file: string, pwd: string, more: () => string | undefined, include: (text: string, raw: string) => boolean): Generator<LogicalLine> {
    let text = stripComment(raw.replace(/\r$/, '')).trim();
    this.raw = raw;
    if (include(text, raw)) return;
    const def = /^(?:@\^?\S+\s+)?\$([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(text);
    if (def !== null && def[2]!.trimEnd().endsWith('\\')) {
      // A multi-line definition: continuation lines are part of the value.
      const parts = [def[2]!.trimEnd().slice(0, -1)];
      for (let nextRaw = more(); nextRaw !== undefined; nextRaw = more()) {
        const next = stripComment(nextRaw.replace(/\r$/, '')).trimEnd();
        if (next.endsWith('\\')) parts.push(next.slice(0, -1));
        else {
          parts.push(next);
          break;
        }
      }
      text = `${text.slice(0, text.length - def[2]!.length)}${parts.map((p) => p.trim()).filter((p) => p !== '').join('\n')}`;
    }
    yield* this.process(text, { file, line, col: 1 }, pwd, false, 0);
  }

  private *process(input: string, pos: Position, pwd: string, expanded: boolean, depth: number): Generator<LogicalLine> {
    if (depth > MAX_DEPTH) {
      this.diags.error('CONF_ERR_SYNTAX', pos, 'definitions expand into themselves (more than 64 levels)');
      return;
    }
    let text = input.trim();
    if (text === '') return;
    // 1. Conditional: `@ID rest` is kept only when ID is the config id; `@^ID` inverts.
    // `@tandem` is tandem's own: tandemd always reads those lines (and skips `@^tandem` ones),
    // whatever its config id, while keepalived skips them (docs/config.md).
    if (text.startsWith('@')) {
      const m = /^@(\^?)(\S+)\s+(.*)$/s.exec(text);
      if (m === null) {
        this.diags.error('CONF_ERR_SYNTAX', pos, `a conditional line needs text after '${text}'`);
        return;
      }
      if ((m[2] === TANDEM_ID || m[2] === this.configId) === (m[1] === '^')) return;
      text = m[3]!.trim();
    }
    // 2. Definition.
    const def = /^\$([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/s.exec(text);
    if (def !== null) {
      if (def[1]!.startsWith('_')) this.diags.error('CONF_ERR_VALUE', pos, `$${def[1]}: names starting with '_' are reserved`);
      else this.defs.set(def[1]!, def[2]!.trim());
      return;
    }
    // 3. Sequences and lists.
    if (text.startsWith('~SEQ') || text.startsWith('~LST')) {
      yield* this.repeat(text, pos, pwd, expanded, depth);
      return;
    }
    // 4. Substitution; the result is processed again (it may hold conditionals,
    // definitions or several lines).
    const sub = this.substitute(text, pos, pwd);
    if (sub === undefined) return;
    if (sub !== text) {
      if (++this.expansions > MAX_EXPANSIONS) {
        if (this.expansions === MAX_EXPANSIONS + 1) this.diags.error('CONF_ERR_SYNTAX', pos, `more than ${MAX_EXPANSIONS} expansions`);
        return;
      }
      for (const part of sub.split('\n')) {
        if (!this.generate(pos)) return;
        if (part.length > this.limits.lineLength) {
          this.diags.error('CONF_ERR_LIMIT', pos, `after substitution a line has ${part.length} characters, more than ${this.limits.lineLength}`);
          continue;
        }
        yield* this.process(stripComment(part), pos, pwd, true, depth + 1);
      }
      return;
    }
    const at = expanded ? -1 : this.raw.indexOf(text);
    yield { text, file: pos.file, line: pos.line, expanded, colOffset: at < 0 ? 0 : at };
  }

  private *repeat(text: string, pos: Position, pwd: string, expanded: boolean, depth: number): Generator<LogicalLine> {
    const m = /^~(SEQx?|LST)\(([^)]*)\)\s*(.*)$/s.exec(text);
    if (m === null) {
      this.diags.error('CONF_ERR_SYNTAX', pos, `malformed ${text.slice(0, 5)}(...): expected ~SEQ(var, [start,] [step,] end) or ~LST(var, v1, ...)`);
      return;
    }
    const [, kind, argText, rest] = m;
    const args = argText!.split(',').map((a) => a.trim());
    const variable = args[0] ?? '';
    if (!NAME.test(variable) || NAME.exec(variable)![0] !== variable) {
      this.diags.error('CONF_ERR_SYNTAX', pos, `~${kind}: '${variable}' is not a variable name`);
      return;
    }
    let values: string[];
    if (kind === 'LST') {
      values = args.slice(1);
      if (values.length === 0) {
        this.diags.error('CONF_ERR_SYNTAX', pos, '~LST needs at least one value');
        return;
      }
    } else {
      const nums = args.slice(1).map((a) => Number(a));
      if (nums.length < 1 || nums.length > 3 || nums.some((n) => !Number.isInteger(n))) {
        this.diags.error('CONF_ERR_SYNTAX', pos, `~${kind}(${argText}): start, step and end must be integers`);
        return;
      }
      const end = nums[nums.length - 1]!;
      const start = nums.length >= 2 ? nums[0]! : end < 0 ? -1 : 1;
      const step = nums.length === 3 ? nums[1]! : end >= start ? 1 : -1;
      if (step === 0 || Math.abs((end - start) / step) > MAX_EXPANSIONS) {
        this.diags.error('CONF_ERR_SYNTAX', pos, `~${kind}(${argText}) never ends or repeats too often`);
        return;
      }
      values = [];
      for (let v = start; step > 0 ? v <= end : v >= end; v += step) values.push(kind === 'SEQx' ? v.toString(16) : String(v));
    }
    for (const v of values) {
      if (!this.generate(pos)) return;
      this.defs.set(variable, v);
      yield* this.process(rest!, pos, pwd, expanded, depth + 1);
    }
  }

  private builtin(name: string, args: string, pwd: string, quoted: boolean): string | undefined {
    switch (name) {
      case '_PWD':
        return pwd;
      case '_INSTANCE':
        return this.configId;
      // Outside quotes the escape keeps them from starting a comment; the tokenizer unescapes.
      case '_HASH':
        return quoted ? '#' : '\\#';
      case '_BANG':
        return quoted ? '!' : '\\!';
      case '_RANDOM': {
        const [min = 0, max = 32767] = args.trim() === '' ? [] : args.trim().split(/\s+/).map(Number);
        // node:crypto only here, for ${_RANDOM}: loading it costs every read (tandemd -t) 3 ms.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return String((require('node:crypto') as typeof import('node:crypto')).randomInt(min, max + 1));
      }
      default:
        return undefined;
    }
  }

  /**
   * Replaces `${NAME}` anywhere and `$NAME` before whitespace or the end. An
   * undefined name outside double quotes is an error (keepalived leaves it in
   * the text, where it becomes a confusing keyword); inside quotes it is left
   * alone, since scripts use shell variables there.
   */
  private substitute(text: string, pos: Position, pwd: string): string | undefined {
    let failed = false;
    // How much longer the text has grown: a definition used many times on a line, or a
    // multi-line one, must not build a string of gigabytes before any check sees it.
    let grown = 0;
    let tooLong = false;
    const limit = this.limits.expansionLength;
    const segments = text.split('"');
    const out = segments.map((segment, i) => {
      const quoted = i % 2 === 1;
      const lookup = (whole: string, name: string, args = ''): string => {
        if (tooLong) return '';
        const v = this.defs.get(name) ?? this.builtin(name, args, pwd, quoted);
        if (v !== undefined) {
          grown += v.length - whole.length;
          if (text.length + grown <= limit) return v;
          this.diags.error('CONF_ERR_LIMIT', pos, `substituting $${name} makes the text longer than ${limit} characters`);
          failed = tooLong = true;
          return '';
        }
        if (quoted) return whole;
        this.diags.error('CONF_ERR_REFERENCE', pos, `$${name} is not defined`);
        failed = true;
        return '';
      };
      return segment
        .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)((?:\s+[^}]*)?)\}/g, (whole: string, name: string, args: string) => lookup(whole, name, args))
        .replace(/\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/g, (whole: string, name: string) => lookup(whole, name));
    });
    return failed ? undefined : out.join('"');
  }
}
