import type { ProcessSettings } from './model.js';
import { single, type Handler } from './section.js';
import { arity, intValue } from './values.js';

// keepalived's per-process keywords of global_defs (global_parser.c): `bfd_*` for its BFD child,
// `vrrp_*` for its VRRP child; tandem applies them to the BFD side and the VRRP side.

/** The process as keepalived starts it: no real-time priority, nice 0, all CPUs. */
export function defaultProcessSettings(): ProcessSettings {
  return { noSwap: false };
}

/** Where global_defs keeps each process's settings. */
export interface ProcessSettingsOf {
  bfdProcess: ProcessSettings;
  vrrpProcess: ProcessSettings;
}

/**
 * `PREFIX_rt_priority`, `PREFIX_priority`, `PREFIX_rlimit_rttime` (and the deprecated
 * `_rlimit_rtime`), `PREFIX_process_name`, `PREFIX_cpu_affinity` and `PREFIX_no_swap`.
 */
export function processKeywords<D extends ProcessSettingsOf>(prefix: 'bfd' | 'vrrp'): Record<string, Handler<D>> {
  const field = prefix === 'bfd' ? 'bfdProcess' : 'vrrpProcess';
  const set = <S extends keyof ProcessSettings>(d: D, key: S, value: ProcessSettings[S]): void => void (d[field] = { ...d[field], [key]: value });
  const rttime: Handler<D> = (n, d, diags) => {
    if (n.keyword.text === `${prefix}_rlimit_rtime`) diags.warning('CONF_ERR_VALUE', n.keyword.pos, `${prefix}_rlimit_rtime is deprecated (keepalived too); write '${prefix}_rlimit_rttime'`);
    single<D, number>((tok, what, dg) => intValue(tok, 1, 0xffffffff, what, dg), (dd, v) => set(dd, 'rlimitRttimeUs', Math.max(2, v)))(n, d, diags);
  };
  return {
    [`${prefix}_rt_priority`]: single<D, number>((tok, what, diags) => intValue(tok, 1, 99, what, diags), (d, v) => set(d, 'rtPriority', v)),
    [`${prefix}_priority`]: single<D, number>((tok, what, diags) => intValue(tok, -20, 19, what, diags), (d, v) => set(d, 'priority', v)),
    [`${prefix}_rlimit_rttime`]: rttime,
    [`${prefix}_rlimit_rtime`]: rttime,
    [`${prefix}_process_name`]: (n, d, diags) => {
      if (!arity(n, 1, 1, diags)) return;
      const name = n.args[0]!;
      // The kernel's TASK_COMM_LEN; keepalived truncates with a configuration error.
      if (name.text.length > 15) diags.error('CONF_ERR_VALUE', name.pos, `${prefix}_process_name '${name.text}' is longer than 15 characters`);
      else set(d, 'processName', name.text);
    },
    [`${prefix}_cpu_affinity`]: (n, d, diags) => {
      if (!arity(n, 1, 1024, diags)) return;
      const cpus = n.args.map((a) => intValue(a, 0, 1023, 'cpu id', diags));
      if (cpus.every((c): c is number => c !== undefined)) set(d, 'cpuAffinity', cpus);
    },
    [`${prefix}_no_swap`]: (n, d, diags) => {
      if (arity(n, 0, 0, diags)) set(d, 'noSwap', true);
    },
  };
}

/** The `PREFIX_*` lines of global_defs that differ from keepalived's defaults. */
export function printProcessSettings(prefix: 'bfd' | 'vrrp', p: ProcessSettings): string[] {
  const out: string[] = [];
  if (p.rtPriority !== undefined) out.push(`${prefix}_rt_priority ${p.rtPriority}`);
  if (p.priority !== undefined) out.push(`${prefix}_priority ${p.priority}`);
  if (p.rlimitRttimeUs !== undefined) out.push(`${prefix}_rlimit_rttime ${p.rlimitRttimeUs}`);
  if (p.processName !== undefined) out.push(`${prefix}_process_name ${p.processName}`);
  if (p.cpuAffinity !== undefined) out.push(`${prefix}_cpu_affinity ${p.cpuAffinity.join(' ')}`);
  if (p.noSwap) out.push(`${prefix}_no_swap`);
  return out;
}
