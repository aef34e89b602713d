// A command-line reader with GNU getopt_long's rules, because keepalived reads its command
// line with getopt_long and tandemd takes the same lines: clustered short flags (`-lnD`), a
// short option's value attached or next (`-Slocal0`, `-S local0`), optional values only when
// attached (`-M`, `-Mcore.%p`, `--core-dump-pattern=core`), long options by any unambiguous
// prefix (`--dont-f`), `--` ending the options, and operands anywhere (GNU permutes them).

/** How an option takes a value (getopt's no_argument, required_argument, optional_argument). */
export type ArgKind = 'none' | 'required' | 'optional';

/** One option as getopt_long sees it. */
export interface OptionSpec {
  /** The long name, without `--`. */
  readonly long: string;
  /** The one-letter name, if any. */
  readonly short?: string;
  readonly arg: ArgKind;
}

/** One option met on the command line, in order. */
export interface OptionHit<S extends OptionSpec = OptionSpec> {
  readonly spec: S;
  /** Its value; undefined for a flag, or an optional value not given. */
  readonly value: string | undefined;
}

/** What the command line held: options in the order given, operands, and the errors getopt reports. */
export interface GetoptResult<S extends OptionSpec = OptionSpec> {
  readonly hits: readonly OptionHit<S>[];
  readonly operands: readonly string[];
  /** keepalived's own wording: `Unknown option -q`, `Missing parameter for option --pid`. */
  readonly errors: readonly string[];
}

/** The long option `name` stands for: an exact name, else the one option it is a prefix of. */
function findLong<S extends OptionSpec>(specs: readonly S[], name: string): S | 'ambiguous' | undefined {
  const exact = specs.find((s) => s.long === name);
  if (exact !== undefined) return exact;
  const prefixed = specs.filter((s) => s.long.startsWith(name));
  if (prefixed.length === 1) return prefixed[0];
  return prefixed.length > 1 ? 'ambiguous' : undefined;
}

/** Reads `argv` (without the program name) as getopt_long would with `specs`. Never throws. */
export function getopt<S extends OptionSpec>(specs: readonly S[], argv: readonly string[]): GetoptResult<S> {
  const hits: OptionHit<S>[] = [];
  const operands: string[] = [];
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const spec = findLong(specs, name);
      if (spec === undefined || spec === 'ambiguous') {
        errors.push(spec === 'ambiguous' ? `Ambiguous option ${arg}` : `Unknown option ${arg}`);
        continue;
      }
      const attached = eq < 0 ? undefined : arg.slice(eq + 1);
      if (spec.arg === 'none') {
        if (attached !== undefined) errors.push(`Option --${spec.long} takes no parameter`);
        else hits.push({ spec, value: undefined });
      } else if (spec.arg === 'optional') {
        hits.push({ spec, value: attached === '' ? undefined : attached });
      } else {
        const value = attached ?? (i + 1 < argv.length ? argv[++i] : undefined);
        // keepalived treats `--use-file=` (an empty value) as a missing one.
        if (value === undefined || value === '') errors.push(`Missing parameter for option --${spec.long}`);
        else hits.push({ spec, value });
      }
      continue;
    }
    if (arg.length < 2 || !arg.startsWith('-')) {
      operands.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j]!;
      const spec = specs.find((s) => s.short === letter);
      if (spec === undefined) {
        errors.push(`Unknown option -${letter}`);
        continue;
      }
      if (spec.arg === 'none') {
        hits.push({ spec, value: undefined });
        continue;
      }
      const rest = arg.slice(j + 1);
      if (spec.arg === 'optional') hits.push({ spec, value: rest === '' ? undefined : rest });
      else if (rest !== '') hits.push({ spec, value: rest });
      else if (i + 1 < argv.length) hits.push({ spec, value: argv[++i]! });
      else errors.push(`Missing parameter for option -${letter}`);
      break;
    }
  }
  return { hits, operands, errors };
}
