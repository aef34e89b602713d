import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic, load, type LoadResult } from '../src/index.js';

const dirs: string[] = [];
process.on('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * Loads `text` from a file of its own (removed when the test process ends), with the errors and
 * warnings as `LINE:COL: message` lines, the file's path taken off.
 */
export function loadText(text: string, configId = 'host1'): { r: LoadResult; path: string; errors: string[]; warnings: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-config-test-'));
  dirs.push(dir);
  const path = join(dir, 'keepalived.conf');
  writeFileSync(path, text);
  const r = load(path, { configId });
  const said = (severity: 'error' | 'warning'): string[] => r.diagnostics.filter((d) => d.severity === severity).map((d) => formatDiagnostic(d)).map((l) => (l.startsWith(path) ? l.slice(path.length) : l));
  return { r, path, errors: said('error'), warnings: said('warning') };
}
