// keepalived's url `regex` is a PCRE2 pattern; tandem matches with ECMAScript RegExp. This
// turns the pattern and keepalived's `regex_options` into a RegExp source and flags, keeping
// PCRE2's meaning where the two differ in what checks use (a bare `$`, `extended`, `ungreedy`,
// `\A` `\z` `\Z`, POSIX classes, `(?P<name>`), and reports what ECMAScript cannot express.

/** regex_options keepalived 2.2.7 takes (check_http.c), and what each becomes. */
const OPTIONS = {
  caseless: 'flag',
  multiline: 'flag',
  dotall: 'flag',
  utf: 'flag',
  ucp: 'flag',
  dollar_endonly: 'translate',
  extended: 'translate',
  ungreedy: 'translate',
  firstline: 'runtime',
  allow_empty_class: 'none',
  alt_bsux: 'none',
  auto_callout: 'none',
  dupnames: 'none',
  match_unset_backref: 'none',
  never_ucp: 'none',
  never_utf: 'none',
  no_auto_capture: 'none',
  no_auto_possess: 'none',
  no_dotstar_anchor: 'none',
  no_start_optimize: 'none',
  never_backslash_c: 'none',
  alt_circumflex: 'none',
  alt_verbnames: 'none',
  use_offset_limit: 'none',
} as const;

export type PcreOption = keyof typeof OPTIONS;
export const PCRE_OPTIONS = Object.keys(OPTIONS) as PcreOption[];

/** Options that change nothing an ECMAScript match can show, or have no counterpart: read, with a warning. */
export function ignoredPcreOption(o: PcreOption): boolean {
  return OPTIONS[o] === 'none';
}

const POSIX: Readonly<Record<string, string>> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  word: 'A-Za-z0-9_',
  cntrl: '\\x00-\\x1f\\x7f',
  print: ' -~',
  graph: '!-~',
};

/** The RegExp source and flags for a PCRE2 pattern with these options, or why there is none. */
export function pcreToRegExp(pattern: string, options: ReadonlySet<PcreOption>): { source: string; flags: string } | { error: string } {
  const extended = options.has('extended');
  const ungreedy = options.has('ungreedy');
  const multiline = options.has('multiline');
  // PCRE2's `$` (not multiline, not dollar_endonly) also matches before a newline that ends the subject.
  const pcreDollar = !multiline && !options.has('dollar_endonly');
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) return { error: 'the pattern ends with a lone backslash' };
      i++;
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'z') out += '(?![\\s\\S])';
      else if (!inClass && n === 'Z') out += '(?=\\n?(?![\\s\\S]))';
      else if (n === 'Q') {
        // \Q...\E: everything literal.
        const end = pattern.indexOf('\\E', i + 1);
        const lit = pattern.slice(i + 1, end < 0 ? undefined : end);
        out += lit.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? pattern.length : end + 1;
      } else if (n === 'E') {
        // A stray \E means nothing.
      } else if ('GKRXgkhHvVN'.includes(n) && !(n === 'k' && pattern[i + 1] === '<')) {
        return { error: `\\${n} has no counterpart in ECMAScript regular expressions` };
      } else out += `\\${n}`;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        const name = end < 0 ? '' : pattern.slice(i + 2, end);
        const negated = name.startsWith('^');
        const cls = POSIX[negated ? name.slice(1) : name];
        if (cls === undefined || negated) return { error: `the POSIX class [:${name}:] has no ECMAScript counterpart here` };
        out += cls;
        i = end + 1;
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (extended && /\s/.test(c)) continue;
    if (extended && c === '#') {
      const nl = pattern.indexOf('\n', i);
      i = nl < 0 ? pattern.length : nl;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' first in a class is literal in PCRE2.
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
      if (rest.startsWith('>') || rest.startsWith('|') || rest.startsWith('R') || /^[0-9+-]/.test(rest) || rest.startsWith('(') || rest.startsWith('#')) {
        return { error: `the group (?${rest[0]} (atomic, branch reset, recursion, condition or comment) has no ECMAScript counterpart` };
      }
    }
    if (c === '$' && pcreDollar) {
      out += '(?=\\n?(?![\\s\\S]))';
      continue;
    }
    out += c;
    // A quantifier: possessive forms have no counterpart; ungreedy swaps lazy and greedy.
    const quantifier = c === '*' || c === '+' || (c === '?' && out.length > 1 && out[out.length - 2] !== '(') || (c === '}' && /\{\d+(,\d*)?\}$/.test(out));
    if (quantifier) {
      const n = pattern[i + 1];
      if (n === '+') return { error: 'possessive quantifiers (*+, ++, ?+, {n}+) have no ECMAScript counterpart' };
      if (ungreedy) {
        if (n === '?') i++;
        else out += '?';
      }
    }
  }
  const flags = `${options.has('caseless') ? 'i' : ''}${multiline ? 'm' : ''}${options.has('dotall') ? 's' : ''}${options.has('utf') || options.has('ucp') ? 'u' : ''}`;
  try {
    new RegExp(out, flags);
  } catch (err) {
    return { error: (err as Error).message.replace(/^Invalid regular expression: /, '') };
  }
  return { source: out, flags };
}
