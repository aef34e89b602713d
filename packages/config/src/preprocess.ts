import { randomInt } from 'node:crypto';
import type { Diagnostics, Position } from './diagnostics.js';

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
  /** The physical line being processed, to place unexpanded text on it. */
  private raw = '';

  constructor(
    private readonly configId: string,
    private readonly diags: Diagnostics,
  ) {}

  /**
   * Processes the physical lines of one file; `pwd` is its directory
   * (`${_PWD}`). `include` is offered each line first and returns true when it
   * took it: keepalived detects includes before any other processing.
   */
  *lines(physical: readonly string[], file: string, pwd: string, include: (text: string, line: number) => boolean): Generator<LogicalLine> {
    for (let i = 0; i < physical.length; i++) {
      let text = stripComment(physical[i]!.replace(/\r$/, '')).trim();
      const line = i + 1;
      this.raw = physical[i]!;
      if (include(text, line)) continue;
      const def = /^(?:@\^?\S+\s+)?\$([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(text);
      if (def !== null && def[2]!.trimEnd().endsWith('\\')) {
        // A multi-line definition: continuation lines are part of the value.
        const parts = [def[2]!.trimEnd().slice(0, -1)];
        while (i + 1 < physical.length) {
          i++;
          const next = stripComment(physical[i]!.replace(/\r$/, '')).trimEnd();
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
  }

  private *process(input: string, pos: Position, pwd: string, expanded: boolean, depth: number): Generator<LogicalLine> {
    if (depth > MAX_DEPTH) {
      this.diags.error('CONF_ERR_SYNTAX', pos, 'definitions expand into themselves (more than 64 levels)');
      return;
    }
    let text = input.trim();
    if (text === '') return;
    // 1. Conditional: `@ID rest` is kept only when ID is the config id; `@^ID` inverts.
    if (text.startsWith('@')) {
      const m = /^@(\^?)(\S+)\s+(.*)$/s.exec(text);
      if (m === null) {
        this.diags.error('CONF_ERR_SYNTAX', pos, `a conditional line needs text after '${text}'`);
        return;
      }
      if ((m[2] === this.configId) === (m[1] === '^')) return;
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
      for (const part of sub.split('\n')) yield* this.process(stripComment(part), pos, pwd, true, depth + 1);
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
        return String(randomInt(min, max + 1));
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
    const segments = text.split('"');
    const out = segments.map((segment, i) => {
      const quoted = i % 2 === 1;
      const lookup = (whole: string, name: string, args = ''): string => {
        const v = this.defs.get(name) ?? this.builtin(name, args, pwd, quoted);
        if (v !== undefined) return v;
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
