import { forEachChecker, type Checker, type Config, type Diagnostic } from '@tandem/config';

/** Checker kinds tandem runs; the others are refused at start. */
export const RUNNABLE_CHECKERS: ReadonlySet<Checker['kind']> = new Set(['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'SMTP_CHECK', 'FILE_CHECK', 'BFD_CHECK']);

/**
 * What this version of tandem cannot run in a valid file: one error per place.
 * The file itself is valid keepalived; these say what tandemd would not do.
 */
export function unsupportedFeatures(config: Config): Diagnostic[] {
  const out: Diagnostic[] = [];
  const err = (pos: Diagnostic['pos'], message: string): void => void out.push({ severity: 'error', code: 'CONF_ERR_UNSUPPORTED', pos, message });
  forEachChecker(config.virtualServers, (c) => {
    if (!RUNNABLE_CHECKERS.has(c.kind)) err(c.pos, `${c.kind} is valid, but tandem does not run it yet (it runs ${[...RUNNABLE_CHECKERS].join(', ')})`);
  });
  return out;
}
