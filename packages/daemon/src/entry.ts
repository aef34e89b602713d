import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { parseDaemonArgs, SIGNUMS, USAGE, versionText, type DaemonOptions } from './cli.js';

/**
 * What tandemd does without starting the daemon: `-h`, `-v`, `--signum`, `-T` print and exit,
 * as keepalived's do; `-t` checks the file (to LOG_FILE when given). Returns the exit code,
 * or undefined when the daemon is to start.
 */
export function runWithoutDaemon(opts: DaemonOptions): number | Promise<number> | undefined {
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (opts.version) {
    process.stderr.write(versionText());
    return 0;
  }
  if (opts.signum !== undefined) {
    const n = SIGNUMS[opts.signum];
    if (n === undefined) {
      process.stderr.write(`Unknown sigfunc ${opts.signum}\n`);
      return 1;
    }
    process.stdout.write(`${n}\n`);
    return 0;
  }
  if (opts.genhash) {
    for (const w of opts.warnings) process.stderr.write(`${w}\n`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('./genhash.js') as typeof import('./genhash.js')).genhash(opts.genhashArgs);
  }
  if (opts.configTest) {
    // keepalived appends -t's output to LOG_FILE (O_APPEND|O_NOFOLLOW, 0644).
    const fd = opts.configTestLog === undefined ? 1 : openSync(opts.configTestLog, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
    try {
      // Loaded here: a bundle of its own (scripts/bundle.js), which the daemon does not load.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { configTest } = require('./config-check.js') as typeof import('./config-check.js');
      return configTest(opts.configFile, (l) => writeSync(fd, `${l}\n`), opts.configId);
    } finally {
      if (fd !== 1) closeSync(fd);
    }
  }
  return undefined;
}

/**
 * Entry point of the `tandemd` binary. Checking a file (`-t`) loads the parser and nothing
 * else: it is what scripts and config pushes run, and it has to be quick. Everything else
 * (a usage error included) goes to the daemon's `main`, loaded only then.
 */
export async function main(argv: readonly string[]): Promise<void> {
  let opts: DaemonOptions | undefined;
  try {
    opts = parseDaemonArgs(argv);
  } catch {
    // The daemon's main reports it, with the usage text.
  }
  if (opts !== undefined) {
    let code: number | undefined;
    try {
      code = await runWithoutDaemon(opts);
    } catch (err) {
      process.stderr.write(`tandemd: ${(err as Error).message}\n`);
      code = 1;
    }
    if (code !== undefined) {
      // Everything was written synchronously (stdout and files are, on Linux). Exiting now spares
      // `-t` the collector's idle-time work that node would otherwise wait for (8 ms of 190).
      process.exit(code);
    }
  }
  // V8 drops the compiled code of functions that did not run for a few collections; a reload's
  // code runs once per reload, hours apart, and was compiled again each time (the first reload's
  // cost, not a later one's). The daemon keeps it: a few megabytes at most.
  // (node:v8 loaded here: it brings the streams with it, which `-t` does not need.)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--no-flush-bytecode');
  // Loaded here, not imported: the daemon's modules are what `-t` must not pay for.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await (require('./tandemd.js') as typeof import('./tandemd.js')).main(argv);
}
