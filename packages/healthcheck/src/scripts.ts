import { childProcessModule } from './builtins.js';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

/**
 * Splits a script line into arguments as keepalived does: whitespace separates,
 * `"` and `'` quote (and may sit inside a word: `ab" c"d` is `ab cd`), and
 * backslash escapes `\n \t \r \a \b \f \v \E \nnn \xHH \cC`, any other `\C` is C.
 */
export function splitCommand(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  const simple: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      const n = text[++i]!;
      inWord = true;
      if (n in simple) cur += simple[n];
      else if (/[0-7]/.test(n)) {
        const m = /^[0-7]{1,3}/.exec(text.slice(i))![0];
        cur += String.fromCharCode(parseInt(m, 8));
        i += m.length - 1;
      } else if (n === 'x' && /[0-9a-fA-F]/.test(text[i + 1] ?? '')) {
        const m = /^[0-9a-fA-F]+/.exec(text.slice(i + 1))![0];
        cur += String.fromCharCode(parseInt(m, 16) & 0xff);
        i += m.length;
      } else if (n === 'c' && i + 1 < text.length) {
        cur += String.fromCharCode(text[++i]!.toUpperCase().charCodeAt(0) ^ 0x40);
      } else cur += n;
      continue;
    }
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    cur += c;
    inWord = true;
  }
  if (inWord) out.push(cur);
  return out;
}

/** Whether a script line uses shell syntax outside quotes (pipes, redirections, variables, globs...). */
export function needsShell(text: string): boolean {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (quote === '"' && (c === '$' || c === '`')) return true;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if ('|&;<>()$`*?[]{}~'.includes(c)) return true;
  }
  return false;
}

/** uid and gid of a user (and optional group) from /etc/passwd and /etc/group. */
export function lookupUser(user: string, group?: string): { uid: number; gid: number } | undefined {
  const line = (file: string, name: string): string[] | undefined => {
    try {
      return readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.split(':'))
        .find((f) => f[0] === name);
    } catch {
      return undefined;
    }
  };
  const pw = /^\d+$/.test(user) ? ['', '', user, user] : line('/etc/passwd', user);
  if (pw === undefined) return undefined;
  let gid = Number(pw[3]);
  if (group !== undefined) {
    const gr = /^\d+$/.test(group) ? ['', '', group] : line('/etc/group', group);
    if (gr === undefined) return undefined;
    gid = Number(gr[2]);
  }
  return { uid: Number(pw[2]), gid };
}

/**
 * keepalived's enable_script_security: a script run as root must not be
 * replaceable by anyone else, so the file and every directory above it must be
 * owned by root and not writable by group or others. Returns why not, or undefined.
 */
export function scriptSecurityProblem(path: string): string | undefined {
  let p = path;
  for (;;) {
    let st;
    try {
      st = statSync(p);
    } catch {
      return `${p} does not exist`;
    }
    if (st.uid !== 0) return `${p} is owned by uid ${st.uid}, not root`;
    if ((st.mode & 0o022) !== 0) return `${p} is writable by ${st.mode & 0o002 ? 'everyone' : 'its group'}`;
    if (p === '/') return undefined;
    p = dirname(p);
  }
}

/** Finds an executable on PATH, as execvp would. */
export function findExecutable(name: string, path = process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin'): string | undefined {
  const candidates = isAbsolute(name) || name.includes('/') ? [name] : path.split(':').filter((d) => d !== '').map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      // next
    }
  }
  return undefined;
}

/** A script line checked and ready to run. */
export interface PreparedScript {
  readonly text: string;
  readonly file: string;
  readonly argv: readonly string[];
  readonly uid: number;
  readonly gid: number;
}

export interface ScriptIdentity {
  readonly user?: string;
  readonly group?: string;
}

/** Why a script cannot run; `missing` when there is no such executable (keepalived's SC_NOTFOUND, which it disables rather than refuses). */
export interface ScriptUnusable {
  readonly error: string;
  readonly missing?: true;
}

/**
 * Checks a script line once, at configuration time: the executable exists, the
 * user exists, and a script run as root passes the security check. Returns the
 * prepared script or a message for the operator.
 */
export function prepareScript(text: string, who: ScriptIdentity, defaultUser: string, security: boolean): PreparedScript | ScriptUnusable {
  const shell = needsShell(text);
  const argv = shell ? ['/bin/sh', '-c', text] : splitCommand(text);
  if (argv.length === 0) return { error: 'empty script' };
  const file = findExecutable(argv[0]!);
  if (file === undefined) return { error: `${argv[0]} is not an executable file`, missing: true };
  const user = who.user ?? defaultUser;
  const id = lookupUser(user, who.group);
  if (id === undefined) return { error: `no user ${user}${who.group !== undefined ? ` or group ${who.group}` : ''}` };
  if (security && id.uid === 0) {
    const problem = scriptSecurityProblem(file);
    if (problem !== undefined) return { error: `refusing to run ${file} as root: ${problem} (enable_script_security)` };
  }
  return { text, file, argv: [file, ...argv.slice(1)], uid: id.uid, gid: id.gid };
}

/** How one run ended. */
export interface ScriptOutcome {
  /** Exit status, or null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  /** The first 4 KiB of stdout and stderr together, for the log. */
  readonly output: string;
  readonly error?: string;
}

const MAX_OUTPUT = 4096;

/** A script started with `startScript`: its outcome when it ends, and a way to end it. */
export interface RunningScript {
  readonly done: Promise<ScriptOutcome>;
  /** Signals the script's whole process group (SIGKILL unless told). */
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts a script in its own process group, as its user, with a clean environment and
 * its output captured; it runs until it ends or `kill()` (keepalived's notify FIFO
 * readers run for as long as the daemon does).
 */
export function startScript(s: PreparedScript, extraArgs: readonly string[] = []): RunningScript {
  let output = '';
  const asSelf = process.getuid?.() === s.uid;
  const child = childProcessModule().spawn(s.argv[0]!, [...s.argv.slice(1), ...extraArgs], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: '/',
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    ...(asSelf ? {} : { uid: s.uid, gid: s.gid }),
  });
  const collect = (d: Buffer): void => {
    if (output.length < MAX_OUTPUT) output += d.toString('utf8', 0, Math.min(d.length, MAX_OUTPUT - output.length));
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const done = new Promise<ScriptOutcome>((resolve) => {
    child.once('error', (err) => resolve({ code: null, signal: null, timedOut: false, output, error: err.message }));
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      resolve({ code, signal, timedOut: false, output: output.trimEnd() });
    };
    child.once('close', finish);
    // A script that leaves a background child holding its output open has still
    // finished: wait a moment for the output, not for the child.
    child.once('exit', (code, signal) => setTimeout(() => finish(code, signal), 200).unref());
  });
  return {
    done,
    kill: (signal = 'SIGKILL') => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    },
  };
}

/** Scripts this process ran with `runScript` (checks, tracked scripts, notify scripts): the daemon's metrics read it. */
export interface ScriptCounters {
  runs: number;
  /** Killed at their timeout. */
  timeouts: number;
  /** Ended with a non-zero exit, a signal, or could not start (timeouts aside). */
  failures: number;
}

export const scriptCounters: ScriptCounters = { runs: 0, timeouts: 0, failures: 0 };

/**
 * Runs a prepared script without blocking: in its own process group, as its
 * user, with extra arguments appended (notify scripts). At the timeout the
 * whole group is killed, children included.
 */
export function runScript(s: PreparedScript, timeoutMs: number, extraArgs: readonly string[] = []): Promise<ScriptOutcome> {
  const running = startScript(s, extraArgs);
  scriptCounters.runs++;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    running.kill();
  }, timeoutMs);
  return running.done.then((o) => {
    clearTimeout(timer);
    if (timedOut) scriptCounters.timeouts++;
    else if (o.code !== 0) scriptCounters.failures++;
    return { ...o, timedOut };
  });
}
