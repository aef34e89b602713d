import type { Config, Position } from '@tandem/config';
import { lookupUser, prepareScript, runScript, type PreparedScript } from '@tandem/healthcheck';
import type { Logger } from './logger.js';

/** A script as the configuration names it: the command line and, optionally, who runs it. */
export interface ScriptRef {
  readonly command: string;
  readonly user?: string;
  readonly group?: string;
  readonly pos: Position;
}

export type ScriptPreparer = (ref: ScriptRef) => PreparedScript;

/** keepalived's `USER [GROUP]` text (a vrrp_script or MISC_CHECK `user`) as ScriptRef fields. */
export function userFields(text: string | undefined): { user?: string; group?: string } {
  if (text === undefined) return {};
  const [user, group] = text.split(' ');
  return { ...(user !== undefined ? { user } : {}), ...(group !== undefined ? { group } : {}) };
}

/**
 * Prepares scripts for one configuration: the script's own user, else the
 * global `script_user`, else keepalived_script if it exists, else nobody.
 * Throws `FILE:LINE:COL: reason` for a script that cannot or must not run.
 */
export function scriptPreparer(config: Config): ScriptPreparer {
  const fallback = config.globalDefs.scriptUser ?? { user: lookupUser('keepalived_script') !== undefined ? 'keepalived_script' : 'nobody' };
  return (ref) => {
    const who = ref.user !== undefined ? { user: ref.user, ...(ref.group !== undefined ? { group: ref.group } : {}) } : fallback;
    const p = prepareScript(ref.command, who, fallback.user, config.globalDefs.enableScriptSecurity);
    if ('error' in p) throw new Error(`${ref.pos.file}:${ref.pos.line}:${ref.pos.col}: ${p.error}`);
    return p;
  };
}

/** keepalived's bound on a notify script's run. */
const NOTIFY_TIMEOUT_MS = 60_000;

/**
 * Runs one notify-type script (notify*, notify_up/down, quorum_up/down) and logs how it
 * ended: a failure or timeout as a warning, success at debug. A script that must not run is
 * logged, never thrown. `what` names the script in the log (`notify /x.sh INSTANCE VI_1 ...`).
 * Resolves once it has ended (undefined when it did not start).
 */
export function runNotifyScript(prepare: () => PreparedScript, args: readonly string[], log: Logger, who: string, what: string): Promise<void> | undefined {
  let prepared: PreparedScript;
  try {
    prepared = prepare();
  } catch (err) {
    log.error(`(${who}) ${what} not run: ${(err as Error).message}`);
    return undefined;
  }
  return runScript(prepared, NOTIFY_TIMEOUT_MS, args).then((o) => {
    if (o.code !== 0 || o.timedOut) log.warn(`(${who}) ${what}: ${o.timedOut ? 'timed out' : o.error ?? `exit ${o.code}`}${o.output !== '' ? `: ${o.output}` : ''}`);
    else log.debug(`(${who}) ${what}: ok`);
  });
}
