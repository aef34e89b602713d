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

/** `tandemd -t`: prints every diagnostic; 0 when the file is valid and runnable, 1 when not. */
export function configTest(file: string, out: (line: string) => void, configId?: string): number {
  const r = loadForTandem(file, configId, false);
  for (const d of r.diagnostics) out(formatDiagnostic(d));
  if (r.errors.length === 0) out(`${file}: configuration is valid${r.warnings.length > 0 ? ` (${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'})` : ''}`);
  return r.errors.length === 0 ? 0 : 1;
}
