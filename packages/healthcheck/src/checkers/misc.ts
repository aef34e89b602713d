import { runScript, type PreparedScript } from '../scripts.js';
import type { CheckFn } from '../result.js';

/** MISC_CHECK: a script decides; with misc_dynamic, exit codes 2-255 mean up with weight code - 2. */
export interface MiscCheckOptions {
  readonly script: PreparedScript;
  /** `misc_timeout`: the process group is killed after it. */
  readonly timeoutMs: number;
  readonly dynamic: boolean;
}

export function miscCheck(o: MiscCheckOptions): CheckFn {
  return async () => {
    const r = await runScript(o.script, o.timeoutMs);
    const tail = r.output !== '' ? `: ${r.output.split('\n')[0]}` : '';
    if (r.timedOut) return { ok: false, reason: `${o.script.text}: timed out after ${o.timeoutMs} ms` };
    if (r.code === null) return { ok: false, reason: `${o.script.text}: ${r.error ?? `killed by ${r.signal}`}` };
    if (r.code === 0) return { ok: true, reason: `${o.script.text}: exit 0${tail}` };
    if (o.dynamic && r.code >= 2) return { ok: true, reason: `${o.script.text}: exit ${r.code}, weight ${r.code - 2}${tail}`, weight: r.code - 2 };
    return { ok: false, reason: `${o.script.text}: exit ${r.code}${tail}` };
  };
}
