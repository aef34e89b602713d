// The host's face of the real-kernel suite: boots Debian's kernel in qemu once, runs every
// guest test there (guest-runner.ts), and turns each guest result into one test here.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureHostTools, ensureKernel, runInGuest } from '../lib/vm.js';
import type { KernelResult } from './harness.js';
import { kernelTests } from './suite.js';

const repo = join(__dirname, '..', '..', '..');
let results = new Map<string, KernelResult>();
let broken: string | undefined;

test.before(async () => {
  try {
    ensureHostTools();
    const kernel = ensureKernel();
    const run = await runInGuest(kernel, {
      // TANDEM_KERNEL_ONLY=word runs only the guest tests whose names contain it.
      command: `node test/dist/kernel/guest-runner.js /run/share/results.json ${process.env.TANDEM_KERNEL_ONLY !== undefined ? JSON.stringify(process.env.TANDEM_KERNEL_ONLY) : ''}`,
      cwd: repo,
      timeoutMs: 20 * 60_000,
    });
    try {
      const file = join(run.share, 'results.json');
      if (existsSync(file)) results = new Map((JSON.parse(readFileSync(file, 'utf8')) as KernelResult[]).map((r) => [r.name, r]));
      if (run.exitCode !== 0) broken = `the guest runner did not finish (exit ${String(run.exitCode)}):\n${run.output.slice(-3000)}\n--- console ---\n${run.console.slice(-3000)}`;
    } finally {
      run.cleanup();
    }
  } catch (err) {
    broken = err instanceof Error ? err.message : String(err);
  }
});

for (const k of kernelTests) {
  test(`kernel: ${k.name}`, (t) => {
    const r = results.get(k.name);
    if (r === undefined && process.env.TANDEM_KERNEL_ONLY !== undefined && !k.name.includes(process.env.TANDEM_KERNEL_ONLY)) {
      t.pass('not selected by TANDEM_KERNEL_ONLY');
      return;
    }
    if (r === undefined) {
      t.fail(broken ?? 'the guest produced no result for this test');
      return;
    }
    t.log(`${r.ms} ms in the guest`);
    if (!r.ok) {
      for (const line of r.log) t.log(line);
      t.fail(r.error);
    } else {
      // Measured figures (one-line notes) are worth seeing on success too; listings are not.
      for (const line of r.log) if (!line.includes('\n')) t.log(line);
      t.pass();
    }
  });
}
