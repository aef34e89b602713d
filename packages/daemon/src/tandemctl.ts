import { parseArgs } from 'node:util';
import { DEFAULT_SOCKET } from './cli.js';
import { requestControl, type ControlCommand } from './control.js';

const USAGE = `Usage: tandemctl [--socket PATH] status|dump|stats|reload [--json]`;

interface StatusData {
  syncDaemon?: { interface: string; syncId: number; instance: string | null; running: string[]; error?: string } | null;
  instances: Array<{ name: string; state: string; priority: number; effectivePriority: number; vips: string[]; interface: string; vrid: number; master?: string }>;
  virtualServers?: Array<{ name: string; programmed?: boolean; error?: string; quorum?: string; reals: Array<{ address: string; port: number | null; up: boolean; weight: number; lastCheck: string | null; reason: string }> }>;
  bfd?: Array<{ name: string; state: string; remote: string; local: string | null; txIntervalMs: number; rxIntervalMs: number; detectTimeMs: number; diag: string; error?: string }>;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

/** Plain-text tables of `status`: instances, then real servers when there are virtual servers. */
export function formatStatus(data: StatusData): string {
  const rows = [['INSTANCE', 'STATE', 'PRIO', 'EFFECTIVE', 'IF', 'VRID', 'MASTER', 'VIPS']];
  for (const i of data.instances) {
    rows.push([i.name, i.state, String(i.priority), String(i.effectivePriority), i.interface, String(i.vrid), i.master ?? '-', i.vips.join(' ')]);
  }
  const out = [table(rows)];
  const vs = data.virtualServers ?? [];
  if (vs.length > 0) {
    const reals = [['VIRTUAL SERVER', 'REAL SERVER', 'STATE', 'WEIGHT', 'LAST CHECK', 'REASON']];
    for (const v of vs) {
      for (const r of v.reals) {
        const host = r.address.includes(':') ? `[${r.address}]` : r.address;
        reals.push([v.name, r.port === null ? host : `${host}:${r.port}`, r.up ? 'UP' : 'DOWN', String(r.weight), r.lastCheck ?? '-', r.reason]);
      }
    }
    out.push(table(reals));
    const services = [['VIRTUAL SERVER', 'IPVS', 'QUORUM']];
    for (const v of vs) services.push([v.name, v.programmed === true ? 'programmed' : `not programmed: ${v.error ?? 'unknown'}`, v.quorum ?? '-']);
    out.push(table(services));
  }
  const bfd = data.bfd ?? [];
  if (bfd.length > 0) {
    const rows = [['BFD SESSION', 'STATE', 'REMOTE', 'LOCAL', 'TX', 'RX', 'DETECT', 'DIAG']];
    for (const b of bfd) rows.push([b.name, b.state, b.remote, b.local ?? '-', `${b.txIntervalMs} ms`, `${b.rxIntervalMs} ms`, `${b.detectTimeMs} ms`, b.error ?? b.diag]);
    out.push(table(rows));
  }
  const sd = data.syncDaemon;
  if (sd !== undefined && sd !== null) {
    const roles = sd.running.length === 0 ? 'not running' : sd.running.join(' + ');
    out.push(`SYNC DAEMON  ${roles} on ${sd.interface}, sync id ${sd.syncId}${sd.instance !== null ? `, following ${sd.instance}` : ''}${sd.error !== undefined ? ` (last error: ${sd.error})` : ''}`);
  }
  return out.join('\n\n');
}

/** Entry point of `tandemctl`. */
export async function main(argv: readonly string[]): Promise<void> {
  let values: { socket?: string; json?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: { socket: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    }));
  } catch (err) {
    process.stderr.write(`tandemctl: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const cmd = positionals[0];
  if (values.help || cmd === undefined || !['status', 'dump', 'stats', 'reload'].includes(cmd)) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const socket = values.socket ?? DEFAULT_SOCKET;
  try {
    const reply = await requestControl(socket, cmd as ControlCommand);
    if (!reply.ok) {
      process.stderr.write(`tandemctl: ${reply.error}\n`);
      process.exit(1);
    }
    if (values.json || cmd !== 'status') process.stdout.write(`${JSON.stringify(reply.data, null, values.json ? undefined : 2)}\n`);
    else process.stdout.write(`${formatStatus(reply.data as StatusData)}\n`);
  } catch (err) {
    process.stderr.write(`tandemctl: cannot reach tandemd at ${socket}: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
