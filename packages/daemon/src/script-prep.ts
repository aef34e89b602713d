import type { Config, Diagnostic, Position, ScriptSpec } from '@tandem/config';
import type { PreparedScript, ScriptOutcome } from '@tandem/healthcheck';
import type { Logger } from './logger.js';

let healthcheck: typeof import('@tandem/healthcheck') | undefined;
/**
 * The checkers' package, loaded when a script is first prepared or run rather than imported:
 * `tandemd -t` judges every script through this module, and a file without scripts (a
 * director's LVS file) then loads none of the checkers' code.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const scripts = (): typeof import('@tandem/healthcheck') => (healthcheck ??= require('@tandem/healthcheck') as typeof import('@tandem/healthcheck'));

/** A script as the configuration names it: the command line and, optionally, who runs it. */
export interface ScriptRef {
  readonly command: string;
  readonly user?: string;
  readonly group?: string;
  readonly pos: Position;
}

export type ScriptPreparer = (ref: ScriptRef) => PreparedScript;

/**
 * A script the preparer cannot run. `disabled`: one keepalived disables instead of refusing the
 * file, and so does tandem: no such executable ("Disabling ... since not found/accessible"), or
 * no user to run it as under enable_script_security ("Unable to set default user ... - removing").
 * Any other reason (an unsafe root script, an unknown user) refuses the file.
 */
export class ScriptUnavailable extends Error {
  constructor(
    message: string,
    readonly disabled: boolean,
  ) {
    super(message);
  }
}

/** Whether `err` is a script keepalived would disable rather than refuse (see ScriptUnavailable). */
export const isDisabledScript = (err: unknown): boolean => err instanceof ScriptUnavailable && err.disabled;

/**
 * The prepared script, or the ScriptUnavailable saying why keepalived would disable it (the
 * caller leaves it out and says so); throws for a script that must not run at all.
 */
export function preparedOrDisabled(prepare: ScriptPreparer, ref: ScriptRef): PreparedScript | ScriptUnavailable {
  try {
    return prepare(ref);
  } catch (err) {
    if (isDisabledScript(err)) return err as ScriptUnavailable;
    throw err;
  }
}

/** Runs a prepared script to its end or its timeout (healthcheck's runScript; tests give a fake). */
export type ScriptExec = (script: PreparedScript, timeoutMs: number, args?: readonly string[]) => Promise<ScriptOutcome>;

/** keepalived's `USER [GROUP]` text (a vrrp_script or MISC_CHECK `user`) as ScriptRef fields. */
export function userFields(text: string | undefined): { user?: string; group?: string } {
  if (text === undefined) return {};
  const [user, group] = text.split(' ');
  return { ...(user !== undefined ? { user } : {}), ...(group !== undefined ? { group } : {}) };
}

/**
 * Prepares scripts for one configuration, run as keepalived 2.2.7 runs them (lib/notify.c): the
 * script's own user, else the global `script_user`, else keepalived_script if that user exists,
 * else root; but with `enable_script_security` in the file and neither user, keepalived disables
 * the script, and so does this. Throws `FILE:LINE:COL: reason` (a ScriptUnavailable) for a
 * script that cannot or must not run.
 */
export function scriptPreparer(config: Pick<Config, 'globalDefs'>): ScriptPreparer {
  const g = config.globalDefs;
  let fallback: { user: string; group?: string } | null | undefined = g.scriptUser;
  return (ref) => {
    const at = `${ref.pos.file}:${ref.pos.line}:${ref.pos.col}`;
    fallback ??= scripts().lookupUser('keepalived_script') !== undefined ? { user: 'keepalived_script' } : g.scriptSecurityAsked ? null : { user: 'root' };
    if (ref.user === undefined && fallback === null) {
      throw new ScriptUnavailable(`${at}: no script_user and no keepalived_script user to run ${ref.command} as (enable_script_security)`, true);
    }
    const who = ref.user !== undefined ? { user: ref.user, ...(ref.group !== undefined ? { group: ref.group } : {}) } : fallback!;
    const p = scripts().prepareScript(ref.command, who, fallback?.user ?? 'root', g.enableScriptSecurity);
    if ('error' in p) throw new ScriptUnavailable(`${at}: ${p.error}`, p.missing === true);
    return p;
  };
}

/** keepalived's bound on a notify script's run. */
const NOTIFY_TIMEOUT_MS = 60_000;

/**
 * Runs one notify-type script (notify*, notify_up/down, quorum_up/down) and logs how it
 * ended: a failure or timeout as a warning, success at debug. A script that must not run is
 * logged, never thrown. `what` names the script in the log (`notify /x.sh INSTANCE VI_1 ...`).
 * Resolves once it has ended (undefined when it did not start); it is killed after `timeoutMs`.
 */
export function runNotifyScript(prepare: () => PreparedScript, args: readonly string[], log: Logger, who: string, what: string, exec: ScriptExec = (...a) => scripts().runScript(...a), timeoutMs = NOTIFY_TIMEOUT_MS): Promise<void> | undefined {
  let prepared: PreparedScript;
  try {
    prepared = prepare();
  } catch (err) {
    // A script that does not exist was disabled at start with a warning, as keepalived disables it.
    if (isDisabledScript(err)) log.debug(`(${who}) ${what} not run (disabled): ${(err as Error).message}`);
    else log.error(`(${who}) ${what} not run: ${(err as Error).message}`);
    return undefined;
  }
  return exec(prepared, timeoutMs, args).then((o) => {
    if (o.code !== 0 || o.timedOut) log.warn(`(${who}) ${what}: ${o.timedOut ? 'timed out' : o.error ?? `exit ${o.code}`}${o.output !== '' ? `: ${o.output}` : ''}`);
    else log.debug(`(${who}) ${what}: ok`);
  });
}

/** A vrrp_script's command with the block's `user` line, unless the script keyword names its own. */
export function vrrpScriptRef(spec: ScriptSpec, blockUser: string | undefined): ScriptRef {
  return spec.user === undefined ? { ...spec, ...userFields(blockUser) } : spec;
}

/**
 * Every script the daemon would run for `config` (tracked vrrp_scripts, notify scripts of
 * instances and sync groups, MISC_CHECK, notify_up/down, quorum_up/down, notify FIFO readers,
 * startup_script and shutdown_script),
 * judged as the daemon judges it at start: an error at each script's position that must not
 * run, a warning at each that the daemon disables (as keepalived does), and one when scripts
 * run as root by default.
 * `tandemd -t`, the start and every reload share this verdict.
 */
export function scriptProblems(config: Config): Diagnostic[] {
  const prepare = scriptPreparer(config);
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  /** The first script that runs as root for want of any other user. */
  let asRoot: ScriptRef | undefined;
  const judge = (ref: ScriptRef): void => {
    const key = `${ref.pos.file}:${ref.pos.line}:${ref.pos.col}`;
    if (seen.has(key)) return;
    seen.add(key);
    try {
      const p = prepare(ref);
      if (p.uid === 0 && ref.user === undefined) asRoot ??= ref;
    } catch (err) {
      // The preparer's message starts with the position; the diagnostic carries it on its own.
      const message = (err as Error).message.replace(`${key}: `, '');
      if (isDisabledScript(err)) out.push({ severity: 'warning', code: 'CONF_ERR_SCRIPT', pos: ref.pos, message: `${message}; it is disabled, as keepalived disables it` });
      else out.push({ severity: 'error', code: 'CONF_ERR_SCRIPT', pos: ref.pos, message });
    }
  };
  const scripts = new Map(config.vrrpScripts.map((s) => [s.name, s]));
  const tracking = [...config.vrrpInstances.map((i) => i.tracking), ...config.syncGroups.map((g) => g.tracking)];
  for (const t of tracking) {
    for (const ref of t.trackScript) {
      const s = scripts.get(ref.name);
      if (s !== undefined) judge(vrrpScriptRef(s.script, s.user));
    }
    for (const spec of Object.values(t.notify)) if (spec !== undefined) judge(spec);
  }
  // Indexed loops (as runnable.ts): every real server of the file, at each read.
  const servers = config.virtualServers;
  for (let v = 0; v < servers.length; v++) {
    const vs = servers[v]!;
    if (vs.quorumUp !== undefined) judge(vs.quorumUp);
    if (vs.quorumDown !== undefined) judge(vs.quorumDown);
    for (let i = 0; i < vs.realServers.length; i++) {
      const rs = vs.realServers[i]!;
      if (rs.notifyUp !== undefined) judge(rs.notifyUp);
      if (rs.notifyDown !== undefined) judge(rs.notifyDown);
      for (let k = 0; k < rs.checkers.length; k++) {
        const c = rs.checkers[k]!;
        if (c.kind === 'MISC_CHECK') judge({ command: c.path, ...userFields(c.user), pos: c.pos });
      }
    }
  }
  for (const fifo of Object.values(config.globalDefs.notifyFifos)) if (fifo?.script !== undefined) judge(fifo.script);
  for (const s of [config.globalDefs.startupScript, config.globalDefs.shutdownScript]) if (s !== undefined) judge(s);
  if (asRoot !== undefined && config.globalDefs.scriptUser === undefined) {
    out.push({
      severity: 'warning',
      code: 'CONF_ERR_SCRIPT',
      pos: asRoot.pos,
      message: 'scripts without a user of their own run as root (no script_user, no keepalived_script user), as keepalived runs them; keepalived calls this a SECURITY VIOLATION: set script_user (and enable_script_security)',
    });
  }
  return out;
}
