import { parseDaemonArgs } from './cli.js';
import { configTest } from './config-check.js';

/**
 * Entry point of the `tandemd` binary. Checking a file (`-t`) loads the parser and nothing
 * else: it is what scripts and config pushes run, and it has to be quick. Everything else
 * (a usage error included) goes to the daemon's `main`, loaded only then.
 */
export async function main(argv: readonly string[]): Promise<void> {
  let check: { file: string; configId: string | undefined } | undefined;
  try {
    const opts = parseDaemonArgs(argv);
    if (opts.configTest && !opts.help) check = { file: opts.configFile, configId: opts.configId };
  } catch {
    // The daemon's main reports it, with the usage text.
  }
  if (check !== undefined) {
    process.exitCode = configTest(check.file, (l) => process.stdout.write(`${l}\n`), check.configId);
    return;
  }
  // Loaded here, not imported: the daemon's modules are what `-t` must not pay for.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await (require('./tandemd.js') as typeof import('./tandemd.js')).main(argv);
}
