import test from 'ava';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, formatDiagnostic } from '@tandem/config';
import { LvsService } from '../src/lvs-service.js';
import { until } from './until.js';
import { linesLogger } from './test-log.js';

const lines: string[] = [];
const log = linesLogger(lines);

test('FILE_CHECK: a real file takes a real server down at -254 and changes its weight with dynamic', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-filecheck-'));
  const file = join(dir, 'rs1.weight');
  writeFileSync(file, '0\n');
  const conf = join(dir, 'k.conf');
  writeFileSync(
    conf,
    `track_file rs1 {
    file ${file}
    weight 1
}
virtual_server 192.0.2.100 80 {
    lb_algo rr
    real_server 198.51.100.11 80 {
        weight 10
        FILE_CHECK {
            track_file rs1
            weight 2
            dynamic
        }
    }
}
`,
  );
  const r = load(conf);
  if (r.config === undefined) throw new Error(r.errors.map(formatDiagnostic).join('\n'));
  const lvs = new LvsService(log);
  await lvs.start(r.config, undefined, 'no IPVS in this test');
  const real = () => lvs.status()[0]!.reals[0]!;
  try {
    t.like(real(), { up: true, weight: 10 });
    writeFileSync(file, '3\n');
    await until('weight 10 + 3 x 2', () => real().weight === 16);
    // Replaced by rename, as scripts do: still seen.
    writeFileSync(join(dir, 'tmp'), '-127\n');
    renameSync(join(dir, 'tmp'), file);
    await until('down at -127 x 2 = -254', () => !real().up);
    t.like(real(), { up: false, weight: 0, reason: 'file rs1 holds -127' });
    writeFileSync(file, '-1\n');
    await until('up again', () => real().up);
    t.is(real().weight, 8);
    t.true(lines.some((l) => l.includes('real server 198.51.100.11:80 DOWN: file rs1 holds -127')));
  } finally {
    await lvs.stop();
  }
});
