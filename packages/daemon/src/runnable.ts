import type { Checker, Config, Diagnostic } from '@tandem/config';

/** Checker kinds tandem runs; the others are refused at start. */
export const RUNNABLE_CHECKERS: ReadonlySet<Checker['kind']> = new Set(['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'SMTP_CHECK', 'FILE_CHECK', 'BFD_CHECK']);

/**
 * What this version of tandem cannot run in a valid file: one error per place.
 * The file itself is valid keepalived; these say what tandemd would not do.
 */
export function unsupportedFeatures(config: Config): Diagnostic[] {
  const out: Diagnostic[] = [];
  const err = (pos: Diagnostic['pos'], message: string): void => void out.push({ severity: 'error', code: 'CONF_ERR_UNSUPPORTED', pos, message });
  // Indexed loops: a walk over every checker of the file at each read, in code that has barely
  // run (tandemd -t, the first reload), where for-of's iterators cost several times more.
  const servers = config.virtualServers;
  for (let v = 0; v < servers.length; v++) {
    const reals = servers[v]!.realServers;
    for (let i = 0; i < reals.length; i++) {
      const checkers = reals[i]!.checkers;
      for (let k = 0; k < checkers.length; k++) {
        const c = checkers[k]!;
        if (!RUNNABLE_CHECKERS.has(c.kind)) err(c.pos, `${c.kind} is valid, but tandem does not run it yet (it runs ${[...RUNNABLE_CHECKERS].join(', ')})`);
      }
    }
  }
  return out;
}
