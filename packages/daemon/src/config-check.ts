import { BlockCache, formatDiagnostic, load, type Config, type Diagnostic } from '@tandem/config';
import { hostInterfaceNames, missingInterfaces } from './interface-check.js';
import { unsupportedFeatures } from './runnable.js';
import { scriptProblems } from './script-prep.js';

// Reading a file the way tandemd runs it, and `tandemd -t`. Kept apart from the daemon so
// that checking a file loads the parser and the script checks, and nothing of the daemon
// (sockets, logging, the VRRP side, the checkers' runners).

/** The result of loading a file for this tandemd: validity plus what this version cannot run. */
export interface Loaded {
  readonly config: Config | undefined;
  readonly diagnostics: readonly Diagnostic[];
  readonly errors: readonly Diagnostic[];
  readonly warnings: readonly Diagnostic[];
}

/** The daemon's reads (start, reloads): each reuses the blocks of the last good one that did not change. */
const daemonBlocks = new BlockCache();

/**
 * Loads `file`; a valid file tandemd cannot run (a checker it does not have) counts as
 * invalid. The daemon (`forDaemon`) keeps the blocks' fingerprints and the blocks themselves
 * for its next reload, and refuses a VRRP instance on an interface this host lacks when its
 * VRRP side runs (`runsVrrp`: not with -C). `-t` checks the file alone, wherever it is run (a
 * build machine, a config push's pipeline): it needs no blocks and no interfaces.
 */
export function loadForTandem(file: string, configId: string | undefined, forDaemon = true, runsVrrp = true): Loaded {
  const r = load(file, { ...(forDaemon ? { fingerprints: true, cache: daemonBlocks } : {}), ...(configId !== undefined ? { configId } : {}) });
  if (r.config === undefined) return r;
  // What tandemd would refuse at start is an error here too, so `-t` says what the daemon will
  // do with this file (the host's interfaces aside: those only the daemon checks).
  const found = [...unsupportedFeatures(r.config), ...scriptProblems(r.config), ...(forDaemon && runsVrrp && r.config.vrrpInstances.length > 0 ? missingInterfaces(r.config, hostInterfaceNames()) : [])];
  if (found.length === 0) return r;
  const errors = found.filter((d) => d.severity === 'error');
  const warnings = found.filter((d) => d.severity !== 'error');
  return { config: errors.length === 0 ? r.config : undefined, diagnostics: [...r.diagnostics, ...found], errors: [...r.errors, ...errors], warnings: [...r.warnings, ...warnings] };
}

const unreadable = (errors: readonly Diagnostic[]): boolean => errors.length > 0 && errors.every((e) => e.code === 'CONF_ERR_IO');

/**
 * `tandemd -t`'s exit code for a file with `errors`, keepalived's (its config_test_exit): 0
 * valid, 4 when the file cannot be read, 5 for any other error. keepalived 2.2.7 exits 0 for
 * a file that is missing (it never records that error): tandemd says 4, as keepalived's source
 * means to. keepalived's 6 (scripts that run as root without enable_script_security) is a
 * warning in tandem, which runs them as keepalived's daemon does.
 */
export function configTestExitCode(errors: readonly Diagnostic[]): number {
  if (errors.length === 0) return 0;
  return unreadable(errors) ? 4 : 5;
}

/**
 * The daemon's exit code when it refuses to start on `errors`, keepalived's: 6 when the file
 * cannot be read (KEEPALIVED_EXIT_NO_CONFIG), 2 for a file it will not run
 * (KEEPALIVED_EXIT_CONFIG, as for an interface the host lacks).
 */
export function startRefusedExitCode(errors: readonly Diagnostic[]): number {
  return unreadable(errors) ? 6 : 2;
}

/** `tandemd -t`: prints every diagnostic; exits as `configTestExitCode` says. */
export function configTest(file: string, out: (line: string) => void, configId?: string): number {
  const r = loadForTandem(file, configId, false);
  for (const d of r.diagnostics) out(formatDiagnostic(d));
  if (r.errors.length === 0) out(`${file}: configuration is valid${r.warnings.length > 0 ? ` (${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'})` : ''}`);
  return configTestExitCode(r.errors);
}
