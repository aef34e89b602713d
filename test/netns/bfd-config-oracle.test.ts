// keepalived 2.2.7 (Debian's) as the oracle of the BFD duplicate rule: each pair of
// bfd_instances in @tandem/config's table is refused by `keepalived -t` (its find_bfd_by_addr:
// "has duplicate ... address, ignoring instance") exactly when the table says so, and tandem's
// reading of the same file agrees.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '@tandem/config';
import { BFD_DUPLICATES } from '@tandem/config/dist/test/bfd-cases.js';
import { run } from '../lib/sh.js';

test('bfd_instance duplicates: keepalived 2.2.7 -t and tandem refuse the same pairs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tP-bfd-oracle-'));
  try {
    for (const [i, [what, text, duplicate]] of BFD_DUPLICATES.entries()) {
      const file = join(dir, `${i}.conf`);
      writeFileSync(file, `global_defs {\n  router_id tP\n}\n${text}`);
      const out = await run('keepalived', ['-t', '-f', file, '-l'], { allowFail: true, withStderr: true });
      t.is(/BFD instance two has duplicate/.test(out), duplicate, `keepalived on ${what}: ${out}`);
      const errors = load(file, { configId: 'tP' }).diagnostics.filter((d) => d.severity === 'error');
      t.is(errors.some((d) => /bfd_instance two: bfd_instance one/.test(d.message)), duplicate, `tandem on ${what}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
