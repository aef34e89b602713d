import type { ScriptSpec } from '@tandem/config';
import { startScript, type PreparedScript, type RunningScript } from '@tandem/healthcheck';
import type { Logger } from './logger.js';

/** Starts a prepared script (healthcheck's startScript; tests may watch it). */
export type ScriptStarter = (script: PreparedScript) => RunningScript;

/**
 * After the timeout, keepalived 2.2.7 (core/main.c, handle_child_timeout) signals the script's
 * process group: SIGTERM, 2 s later SIGKILL, 2 s later SIGKILL again, and gives up 10 s after that.
 */
const AFTER_TIMEOUT: ReadonlyArray<{ readonly signal: NodeJS.Signals | undefined; readonly waitMs: number }> = [
  { signal: 'SIGTERM', waitMs: 2000 },
  { signal: 'SIGKILL', waitMs: 2000 },
  { signal: 'SIGKILL', waitMs: 10_000 },
  { signal: undefined, waitMs: 0 },
];

/** How a startup or shutdown script ended. */
export type StartStopOutcome =
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'signalled'; readonly signal: NodeJS.Signals; readonly timedOut: boolean }
  | { readonly kind: 'abandoned' }
  | { readonly kind: 'not-run'; readonly why: string };

/**
 * keepalived's `startup_script` / `shutdown_script`: runs the script (as its user, in its own
 * process group) and resolves once it has ended, whatever its status: keepalived starts (or
 * finishes stopping) after the script either way, logging a non-zero status. At `timeoutS` the
 * group is signalled as keepalived does it (AFTER_TIMEOUT); a script that survives even that is
 * abandoned, and tandemd goes on.
 */
export async function runStartStopScript(kind: 'startup' | 'shutdown', spec: ScriptSpec, timeoutS: number, prepare: (s: ScriptSpec) => PreparedScript, log: Logger, start: ScriptStarter = startScript): Promise<StartStopOutcome> {
  let prepared: PreparedScript;
  try {
    prepared = prepare(spec);
  } catch (err) {
    log.error(`${kind} script not run: ${(err as Error).message}`);
    return { kind: 'not-run', why: (err as Error).message };
  }
  log.info(`running ${kind} script ${prepared.text}`);
  const running = start(prepared);
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const abandoned = new Promise<'abandoned'>((resolve) => {
    const escalate = (step: number): void => {
      const next = AFTER_TIMEOUT[step]!;
      if (next.signal === undefined) return resolve('abandoned');
      if (step === 0) log.warn(`${kind} script timed out after ${timeoutS} s: sending its process group ${next.signal}`);
      else log.warn(`${kind} script still running: sending its process group ${next.signal}`);
      running.kill(next.signal);
      timer = setTimeout(() => escalate(step + 1), next.waitMs);
    };
    timer = setTimeout(() => {
      timedOut = true;
      escalate(0);
    }, timeoutS * 1000);
  });
  const ended = await Promise.race([running.done, abandoned]);
  clearTimeout(timer);
  if (ended === 'abandoned') {
    log.error(`${kind} script failed to terminate after SIGKILL: going on without it`);
    return { kind: 'abandoned' };
  }
  if (ended.error !== undefined) {
    log.error(`${kind} script could not run: ${ended.error}`);
    return { kind: 'not-run', why: ended.error };
  }
  const output = ended.output !== '' ? `: ${ended.output}` : '';
  if (ended.code !== null) {
    // keepalived logs "<kind> script failed, status N" and goes on all the same.
    if (ended.code !== 0) log.warn(`${kind} script failed, status ${ended.code}${output}`);
    else log.info(`${kind} script succeeded${output}`);
    return { kind: 'exited', code: ended.code };
  }
  const signal = ended.signal ?? 'SIGKILL';
  // keepalived: a script our SIGTERM ended may have left children behind; they get SIGKILL.
  if (timedOut && signal === 'SIGTERM') running.kill('SIGKILL');
  log.warn(`${kind} script ended by ${signal}${timedOut ? ' after its timeout' : ''}${output}`);
  return { kind: 'signalled', signal, timedOut };
}
