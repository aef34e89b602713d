import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes, formatCount, formatDiagnostic, load, MAX_DIAGNOSTICS, READ_LIMITS } from '../src/index.js';

// Each bound of READ_LIMITS with the input that crosses it, made here at test time: the
// error's code and position, and that nothing past the bound was read or generated.

function files(map: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-limits-'));
  for (const [name, text] of Object.entries(map)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const at = (r: ReturnType<typeof load>, code = 'CONF_ERR_LIMIT'): string[] => r.errors.filter((e) => e.code === code).map((e) => `${e.pos.line}:${e.pos.col} ${e.message}`);

test('a line of 1,022 characters is read; 1,023 is an error at the first character past the bound', (t) => {
  t.is(READ_LIMITS.lineLength, 1022);
  const ok = `# ${'x'.repeat(1020)}\n`;
  const dir = files({ 'ok.conf': ok, 'long.conf': `global_defs {\n  router_id ${'y'.repeat(1023 - 12)}\n}\n` });
  t.deepEqual(load(join(dir, 'ok.conf')).errors, []);
  const r = load(join(dir, 'long.conf'));
  t.deepEqual(at(r), ['2:1023 line is longer than 1022 characters']);
});

test('a file without a newline is one line: refused at its bound, not cut into tokens', (t) => {
  const dir = files({ 'main.conf': 'include blob.inc\n', 'blob.inc': 'a'.repeat(1024 * 1024) });
  const r = load(join(dir, 'main.conf'));
  t.deepEqual(r.errors.map((e) => [e.code, e.pos.file, e.pos.line, e.pos.col]), [['CONF_ERR_LIMIT', join(dir, 'blob.inc'), 1, 1023]]);
});

test('a word or quoted string is bounded by its line, also when substitution makes it', (t) => {
  const long = 'z'.repeat(600);
  const dir = files({ 'q.conf': `global_defs {\n  router_id "${'q'.repeat(1100)}"\n}\n`, 's.conf': `$W=${long}\nglobal_defs {\n  router_id $W\n  notification_email_from \${W}\${W}\n}\n` });
  t.deepEqual(at(load(join(dir, 'q.conf'))), ['2:1023 line is longer than 1022 characters']);
  t.deepEqual(at(load(join(dir, 's.conf'))), ['4:1 after substitution a line has 1224 characters, more than 1022']);
});

test('a file larger than 16 MiB is refused by its size before it is read', (t) => {
  const dir = files({ 'main.conf': 'global_defs {\n}\ninclude big.inc\n' });
  // A sparse file: only stat sees its size, and nothing past the bound is ever read.
  writeFileSync(join(dir, 'big.inc'), '');
  truncateSync(join(dir, 'big.inc'), READ_LIMITS.fileBytes + 1);
  const r = load(join(dir, 'main.conf'));
  t.deepEqual(at(r), [`3:9 ${join(dir, 'big.inc')} has ${READ_LIMITS.fileBytes + 1} bytes, more than the 16 MiB a file may have; not read`]);
  writeFileSync(join(dir, 'top.conf'), '');
  truncateSync(join(dir, 'top.conf'), READ_LIMITS.fileBytes + 1);
  t.deepEqual(load(join(dir, 'top.conf')).errors.map(formatDiagnostic), [`${join(dir, 'top.conf')}:1:1: ${join(dir, 'top.conf')} has ${READ_LIMITS.fileBytes + 1} bytes, more than the 16 MiB a file may have; not read`]);
});

test('the file and its includes together stay within 32 MiB', (t) => {
  const dir = files({ 'main.conf': 'include part*.inc\n' });
  const each = 12 * 1024 * 1024;
  for (const n of [1, 2, 3]) writeFileSync(join(dir, `part${n}.inc`), `${'#'.repeat(1000)}\n`.repeat(each / 1001));
  const r = load(join(dir, 'main.conf'));
  t.deepEqual(at(r), [`1:9 ${join(dir, 'part3.inc')} would take the configuration past 32 MiB with its includes; not read`]);
});

test('includes that fan out (each file including the next twice) stop after 10,000 reads', (t) => {
  const map: Record<string, string> = { 'f20.conf': 'global_defs {\n}\n' };
  for (let k = 0; k < 20; k++) map[`f${k}.conf`] = `include f${k + 1}.conf\ninclude f${k + 1}.conf\n`;
  const dir = files(map);
  const r = load(join(dir, 'f0.conf'));
  const limit = r.errors.filter((e) => e.code === 'CONF_ERR_LIMIT');
  t.is(limit.length, 1);
  t.regex(limit[0]!.message, /^more than 10000 files read \(counting each include of a file\)/);
});

test('includes nested deeper than 32 are refused at the include that goes one deeper', (t) => {
  const map: Record<string, string> = { 'n40.conf': 'global_defs {\n}\n' };
  for (let k = 0; k < 40; k++) map[`n${k}.conf`] = `include n${k + 1}.conf\n`;
  const dir = files(map);
  t.deepEqual(load(join(dir, 'n0.conf')).errors.map(formatDiagnostic), [`${join(dir, 'n31.conf')}:1:9: includes nested deeper than 32`]);
});

test('one ~SEQ of more than 100,000 steps is refused before it runs', (t) => {
  const dir = files({ 'k.conf': 'global_defs {\n}\n~SEQ(A, 1, 100002) router_id x\n' });
  t.deepEqual(load(join(dir, 'k.conf')).errors.map((e) => `${e.code} ${e.pos.line}:${e.pos.col} ${e.message}`), ['CONF_ERR_SYNTAX 3:1 ~SEQ(A, 1, 100002) never ends or repeats too often']);
});

test('a sequence inside a sequence stops at the generated-lines bound, with one error at its line', (t) => {
  const dir = files({ 'k.conf': 'global_defs {\n}\n~SEQ(A, 1, 100000) ~SEQ(B, 1, 100000) @nobody router_id x\n' });
  const r = load(join(dir, 'k.conf'), { configId: 'lb' });
  t.deepEqual(at(r), [`3:1 ~SEQ, ~LST and definitions make more than ${READ_LIMITS.generatedLines} lines`]);
});

test('a multi-line definition substituted into a text past 1 MiB is refused before the text is built', (t) => {
  const lines = Array.from({ length: 2000 }, (_v, i) => `router_id r${i}${'w'.repeat(600)} \\`);
  const dir = files({ 'k.conf': `$BIG= \\\n${lines.join('\n')}\n# end\n$BIG\n` });
  const r = load(join(dir, 'k.conf'));
  t.deepEqual(at(r), [`2003:1 substituting $BIG makes the text longer than ${READ_LIMITS.expansionLength} characters`]);
});

test('an include that names a FIFO, a device or a directory is refused before reading; a FIFO never blocks', (t) => {
  const dir = files({ 'sub/a.conf': 'global_defs {\n}\n', 'fifo.conf': 'include pipe\n', 'dev.conf': 'include /dev/zero\n', 'dir.conf': 'include sub\n', 'glob.conf': 'include s*\n' });
  execFileSync('mkfifo', [join(dir, 'pipe')]);
  t.deepEqual(load(join(dir, 'fifo.conf')).errors.map(formatDiagnostic), [`${join(dir, 'fifo.conf')}:1:9: cannot read ${join(dir, 'pipe')}: a FIFO, not a regular file`]);
  t.deepEqual(load(join(dir, 'dev.conf')).errors.map((e) => `${e.code} ${e.pos.line}:${e.pos.col} ${e.message}`), ['CONF_ERR_INCLUDE 1:9 cannot read /dev/zero: a character device, not a regular file']);
  t.deepEqual(load(join(dir, 'dir.conf')).errors.map((e) => e.message), [`cannot read ${join(dir, 'sub')}: a directory, not a regular file`]);
  t.deepEqual(load(join(dir, 'glob.conf')).errors.map((e) => e.message), [`cannot read ${join(dir, 'sub')}: a directory, not a regular file`]);
  const top = load(join(dir, 'pipe'));
  t.deepEqual(top.errors.map((e) => `${e.code} ${formatDiagnostic(e)}`), [`CONF_ERR_IO ${join(dir, 'pipe')}:1:1: cannot read ${join(dir, 'pipe')}: a FIFO, not a regular file`]);
});

test('a glob is glob(3)\'s: ** is * within one directory, not a walk of the tree', (t) => {
  const dir = files({ 'main.conf': 'include conf.d/**.conf\n', 'conf.d/a.conf': 'global_defs {\n  router_id a\n}\n', 'conf.d/deep/b.conf': 'global_defs {\n  router_id b\n}\n' });
  const r = load(join(dir, 'main.conf'));
  t.deepEqual(r.errors, []);
  t.is(r.config!.globalDefs.routerId, 'a');
});

test(`a file of stray braces reports ${MAX_DIAGNOSTICS} of them and says the rest are not`, (t) => {
  const dir = files({ 'k.conf': `${'}'.repeat(1000)}\n`.repeat(30) });
  const r = load(join(dir, 'k.conf'));
  t.is(r.diagnostics.length, MAX_DIAGNOSTICS + 1);
  t.deepEqual(r.diagnostics.at(-1), { severity: 'error', code: 'CONF_ERR_LIMIT', pos: { file: join(dir, 'k.conf'), line: 2, col: 1 }, message: `more than ${MAX_DIAGNOSTICS} problems; the rest are not reported` });
});

test('counts and sizes are written with their thousands grouped, as en-US writes them', (t) => {
  for (const n of [0, 7, 999, 1000, 10_000, 123_456, 1_000_000, 16 * 1024 * 1024 + 1, -1234]) t.is(formatCount(n), n.toLocaleString('en-US'));
  t.is(formatBytes(16 * 1024 * 1024), '16 MiB');
  t.is(formatBytes(1022), '1,022 bytes');
});
