import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffVirtualServers, formatDiagnostic, load, type Config } from '@tandem/config';
import { describeOperation, serviceId, type IpvsClient, type Operation, type OperationResult, type TableService } from '@tandem/ipvs';
import { LvsService } from '../src/lvs-service.js';
import { summarizeOperations } from '../src/ipvs-summary.js';
import { linesLogger } from './test-log.js';

// A reload re-plans only the virtual servers whose blocks changed (or whose group or
// track_file did), and IPVS sees only the entries that differ. The kernel here is an
// in-memory table that applies what it is sent: this tests the planning, the kernel path
// is tested in the guest (test/kernel/daemon.ktest.ts).

class TableInMemory {
  readonly sent: Operation[] = [];
  private readonly services = new Map<string, TableService>();

  table(): Promise<TableService[]> {
    return Promise.resolve([...this.services.values()].map((t) => ({ service: t.service, destinations: [...t.destinations] })));
  }

  apply(ops: readonly Operation[]): Promise<OperationResult[]> {
    for (const op of ops) {
      this.sent.push(op);
      const id = serviceId('key' in op ? op.key : op.service.key);
      const t = this.services.get(id);
      if (op.op === 'add-service' || op.op === 'update-service') this.services.set(id, { service: op.service, destinations: t?.destinations ?? [] });
      else if (op.op === 'delete-service') this.services.delete(id);
      else if (t !== undefined) {
        const rest = t.destinations.filter((d) => d.address !== op.destination.address || d.port !== op.destination.port);
        this.services.set(id, { service: t.service, destinations: op.op === 'delete-destination' ? rest : [...rest, op.destination] });
      }
    }
    return Promise.resolve(ops.map((operation) => ({ operation })));
  }

  flush(): Promise<void> {
    this.services.clear();
    return Promise.resolve();
  }

  /** What was sent since the last call, in words. */
  take(): string[] {
    return this.sent.splice(0).map(describeOperation);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tandem-lvs-reload-'));
let n = 0;
function model(text: string): Config {
  const p = join(dir, `k${n++}.conf`);
  writeFileSync(p, text);
  const r = load(p, { fingerprints: true });
  if (r.config === undefined) throw new Error(r.errors.map(formatDiagnostic).join('\n'));
  return r.config;
}

const vs = (i: number, weights: readonly number[] = [1, 1, 1]): string =>
  `virtual_server 192.0.2.${i} 80 {\n    protocol TCP\n    lb_algo wrr\n${weights.map((w, r) => `    real_server 10.0.${i}.${r + 1} 80 {\n        weight ${w}\n    }\n`).join('')}}\n`;
const many = (k: number, tweak?: (i: number) => string | undefined): string => Array.from({ length: k }, (_v, i) => tweak?.(i + 1) ?? vs(i + 1)).join('');

async function started(config: Config): Promise<{ lvs: LvsService; kernel: TableInMemory; lines: string[] }> {
  const kernel = new TableInMemory();
  const lines: string[] = [];
  const lvs = new LvsService(linesLogger(lines, true));
  await lvs.start(config, kernel as unknown as IpvsClient);
  return { lvs, kernel, lines };
}

test('one changed weight among 50 virtual servers: one IPVS operation, one summary line', async (t) => {
  const a = model(many(50));
  const { lvs, kernel, lines } = await started(a);
  try {
    t.is(kernel.take().length, 50 + 150);
    t.true(lines.some((l) => /^info: IPVS: 50 services, 150 destinations added in \d+ ms$/.test(l)), lines.join('\n'));
    const b = model(many(50, (i) => (i === 17 ? vs(17, [1, 5, 1]) : undefined)));
    const d = diffVirtualServers(a, b);
    t.deepEqual([d.changed.map((p) => p.after.name), d.unchanged.length, d.added.length, d.removed.length], [['192.0.2.17:80/TCP'], 49, 0, 0]);
    lines.length = 0;
    await lvs.reload(b, undefined, d);
    t.deepEqual(kernel.take(), ['update destination TCP 192.0.2.17:80 -> 10.0.17.2:80 masq weight 5']);
    t.deepEqual(lines.filter((l) => l.includes('IPVS')).map((l) => l.replace(/\d+ ms$/, 'N ms')), ['debug: (192.0.2.17:80/TCP) IPVS: update destination TCP 192.0.2.17:80 -> 10.0.17.2:80 masq weight 5', 'info: IPVS: 1 destination updated in N ms']);
    t.deepEqual(lvs.status().find((v) => v.name === '192.0.2.17:80/TCP')!.reals.map((r) => r.weight), [1, 5, 1]);
  } finally {
    await lvs.stop();
  }
});

test('blocks that only moved (lines inserted above them) change nothing; the status follows the new file', async (t) => {
  const a = model(many(5));
  const { lvs, kernel } = await started(a);
  try {
    kernel.take();
    const b = model(`# a new comment\n\n${many(5)}`);
    const d = diffVirtualServers(a, b);
    t.is(d.unchanged.length, 5);
    await lvs.reload(b, undefined, d);
    t.deepEqual(kernel.take(), []);
    t.is(lvs.status().length, 5);
  } finally {
    await lvs.stop();
  }
});

test('a changed virtual_server_group re-plans the virtual server that uses it, though its own block is the same', async (t) => {
  const svc = 'virtual_server group web {\n    protocol TCP\n    lb_algo rr\n    real_server 10.9.0.1 80 {\n    }\n}\n';
  const a = model(`virtual_server_group web {\n    192.0.2.50 80\n}\n${svc}${many(3)}`);
  const { lvs, kernel } = await started(a);
  try {
    kernel.take();
    const b = model(`virtual_server_group web {\n    192.0.2.50 80\n    192.0.2.51 80\n}\n${svc}${many(3)}`);
    const d = diffVirtualServers(a, b);
    t.deepEqual([d.changed.length, d.groupsChanged], [0, ['web']]);
    await lvs.reload(b, undefined, d);
    t.deepEqual(kernel.take(), ['add service TCP 192.0.2.51:80 rr', 'add destination TCP 192.0.2.51:80 -> 10.9.0.1:80 masq weight 1']);
  } finally {
    await lvs.stop();
  }
});

test('virtual servers added and removed by a reload are added to and removed from IPVS', async (t) => {
  const a = model(many(3));
  const { lvs, kernel } = await started(a);
  try {
    kernel.take();
    const b = model(vs(1) + vs(3) + vs(4, [2]));
    await lvs.reload(b, undefined, diffVirtualServers(a, b));
    t.deepEqual(kernel.take().sort(), ['add destination TCP 192.0.2.4:80 -> 10.0.4.1:80 masq weight 2', 'add service TCP 192.0.2.4:80 wrr', 'delete service TCP 192.0.2.2:80'].sort());
    t.deepEqual(lvs.status().map((v) => v.name), ['192.0.2.1:80/TCP', '192.0.2.3:80/TCP', '192.0.2.4:80/TCP']);
  } finally {
    await lvs.stop();
  }
});

test('summaries name each kind of change once, with thousands separated', (t) => {
  const key = { protocol: 'tcp', address: '192.0.2.1', port: 80, family: 'inet' } as const;
  const dest = { address: '10.0.0.1', port: 80, forward: 'masq', weight: 1, upperThreshold: 0, lowerThreshold: 0 } as const;
  const ops: Operation[] = [
    ...Array.from({ length: 1000 }, (): Operation => ({ op: 'add-service', service: { key, scheduler: 'rr', flags: 0, timeout: 0, netmask: 32 } })),
    ...Array.from({ length: 10000 }, (): Operation => ({ op: 'add-destination', key, destination: dest })),
    { op: 'update-destination', key, destination: dest },
    { op: 'delete-service', key },
  ];
  t.is(summarizeOperations(ops), '1,000 services, 10,000 destinations added; 1 destination updated; 1 service removed');
});

test('rs_init_notifies: at start the real servers put up are notified as if they had come up (not one starting down under alpha); a reload notifies nothing; without it nothing at start', async (t) => {
  const text = (on: boolean): string =>
    `global_defs {\n    rs_init_notifies${on ? '' : ' off'}\n}\nvirtual_server 192.0.2.1 80 {\n    protocol TCP\n    real_server 10.0.1.1 80 {\n        weight 1\n    }\n    real_server 10.0.1.2 8080 {\n        weight 1\n    }\n    real_server 10.0.1.3 80 {\n        alpha\n        TCP_CHECK {\n            connect_timeout 1\n        }\n    }\n}\n`;
  for (const on of [true, false]) {
    const lines: string[] = [];
    const lvs = new LvsService(linesLogger([], true));
    lvs.onNotifyLine = (l) => lines.push(l);
    const config = model(text(on));
    await lvs.start(config, new TableInMemory() as unknown as IpvsClient);
    try {
      t.deepEqual(lines, on ? ['RS [10.0.1.1]:tcp:80 [192.0.2.1]:tcp:80 UP', 'RS [10.0.1.2]:tcp:8080 [192.0.2.1]:tcp:80 UP'] : []);
      lines.length = 0;
      const again = model(`${text(on)}\n`);
      await lvs.reload(again, undefined, diffVirtualServers(config, again));
      t.deepEqual(lines, []);
    } finally {
      await lvs.stop();
    }
  }
});

test('an SNMP SET of a real server\'s weight: one IPVS update, the status\'s weights; kept through a reload that re-plans its virtual server, as keepalived\'s clear_diff_rs', async (t) => {
  const a = model(many(3));
  const { lvs, kernel, lines } = await started(a);
  const settled = async (): Promise<string[]> => {
    for (let i = 0; i < 100 && kernel.sent.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    return kernel.take();
  };
  try {
    kernel.take();
    t.true(lvs.setWeight('192.0.2.2:80/TCP', 1, 9));
    t.false(lvs.setWeight('192.0.2.2:80/TCP', 3, 9), 'no fourth real server');
    t.deepEqual(await settled(), ['update destination TCP 192.0.2.2:80 -> 10.0.2.2:80 masq weight 9']);
    t.true(lines.includes('info: Changing weight from 1 to 9 for active service 10.0.2.2:80 of VS 192.0.2.2:80/TCP'), lines.join('\n'));
    const reals = lvs.status().find((v) => v.name === '192.0.2.2:80/TCP')!.reals;
    t.deepEqual(reals.map((r) => [r.weight, r.effectiveWeight]), [[1, 1], [9, 9], [1, 1]]);
    // A reload that changes another real server of the same virtual server.
    const b = model(many(3, (i) => (i === 2 ? vs(2, [4, 1, 1]) : undefined)));
    await lvs.reload(b, undefined, diffVirtualServers(a, b));
    t.deepEqual(kernel.take(), ['update destination TCP 192.0.2.2:80 -> 10.0.2.1:80 masq weight 4'], 'the SNMP weight stays, the file\'s change applies');
    t.deepEqual(lvs.status().find((v) => v.name === '192.0.2.2:80/TCP')!.reals.map((r) => r.weight), [4, 9, 1]);
  } finally {
    await lvs.stop();
  }
});

test('a reload that takes real servers away tells each that was up down (FIFO line, notify_down) and a virtual server it takes away loses its quorum (quorum_down), as keepalived\'s clear_diff_services; one that was down is not told', async (t) => {
  const said = join(dir, 'said.log');
  const script = (what: string): string => `"/bin/sh -c 'echo ${what} >> ${said}'"`;
  const real = (address: string, extra = ''): string => `    real_server ${address} 80 {\n        notify_down ${script(`down-${address}`)}\n${extra}    }\n`;
  const service = (address: string, reals: string): string => `virtual_server ${address} 80 {\n    protocol TCP\n    quorum_down ${script(`quorum_down-${address}`)}\n${reals}}\n`;
  // 10.0.1.3's FILE_CHECK reads a file saying it is down.
  const file = join(dir, 'down.state');
  writeFileSync(file, '-1\n');
  const track = `track_file down {\n    file ${file}\n    weight 0\n}\n`;
  const head = `global_defs {\n    script_user root\n}\n${track}`;
  const before = model(head + service('192.0.2.1', real('10.0.1.1') + real('10.0.1.2') + real('10.0.1.3', '        FILE_CHECK {\n            track_file down\n        }\n')) + service('192.0.2.2', real('10.0.2.1')));
  const after = model(head + service('192.0.2.1', real('10.0.1.1')));
  const { lvs } = await started(before);
  const lines: string[] = [];
  lvs.onNotifyLine = (l) => lines.push(l);
  try {
    for (let i = 0; i < 100 && lvs.status()[0]?.reals[2]?.up !== false; i++) await new Promise((r) => setTimeout(r, 10));
    t.false(lvs.status()[0]?.reals[2]?.up, '10.0.1.3 down by its file');
    // Its notify_down of then, before the reload.
    for (let i = 0; i < 200 && !(existsSync(said) && readFileSync(said, 'utf8').includes('down-10.0.1.3')); i++) await new Promise((r) => setTimeout(r, 10));
    writeFileSync(said, '');
    lines.length = 0;
    await lvs.reload(after, undefined, diffVirtualServers(before, after));
    t.deepEqual(lines, ['RS [10.0.1.2]:tcp:80 [192.0.2.1]:tcp:80 DOWN', 'RS [10.0.2.1]:tcp:80 [192.0.2.2]:tcp:80 DOWN', 'VS [192.0.2.2]:tcp:80 DOWN']);
    for (let i = 0; i < 200 && (!existsSync(said) || readFileSync(said, 'utf8').trim().split('\n').length < 3); i++) await new Promise((r) => setTimeout(r, 10));
    t.deepEqual(readFileSync(said, 'utf8').trim().split('\n').sort(), ['down-10.0.1.2', 'down-10.0.2.1', 'quorum_down-192.0.2.2']);
  } finally {
    await lvs.stop();
  }
});
