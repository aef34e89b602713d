// Runs the real-kernel suite inside the guest, one test at a time, writing the results after
// each so that a hang still reports what finished. Usage: node guest-runner.js RESULTS [NAME...]
import { writeFileSync } from 'node:fs';
import { type KernelResult, takeLog } from './harness.js';
import { kernelTests } from './suite.js';

async function main(): Promise<void> {
  const [out = '/run/share/results.json', ...only] = process.argv.slice(2);
  const results: KernelResult[] = [];
  for (const t of kernelTests) {
    if (only.length > 0 && !only.some((o) => t.name.includes(o))) continue;
    const start = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        t.run(),
        new Promise((_r, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${t.timeoutMs} ms`)), t.timeoutMs);
        }),
      ]);
      results.push({ name: t.name, ok: true, ms: Date.now() - start, log: takeLog() });
    } catch (err) {
      results.push({ name: t.name, ok: false, ms: Date.now() - start, error: err instanceof Error ? (err.stack ?? err.message) : String(err), log: takeLog() });
    } finally {
      clearTimeout(timer);
    }
    console.log(`${results.at(-1)?.ok === true ? 'ok  ' : 'FAIL'} ${t.name} (${Date.now() - start} ms)`);
    writeFileSync(out, JSON.stringify(results, null, 1));
  }
  process.exit(0);
}

void main();
