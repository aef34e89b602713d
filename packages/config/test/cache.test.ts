import test from 'ava';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockCache, formatDiagnostic, load, type LoadResult } from '../src/index.js';

// A reload with a BlockCache reads again only the blocks whose text or place changed. Whatever
// the edit, the result must be exactly a fresh read's: the same diagnostics and the same model,
// positions included.

const dir = mkdtempSync(join(tmpdir(), 'tandem-cache-'));
let n = 0;
const place = (): string => {
  const d = join(dir, String(n++));
  mkdirSync(d);
  return d;
};

const server = (i: number, weight = 1): string =>
  `virtual_server 192.0.2.${i} 80 {\n    lb_algo wrr\n    real_server 10.0.${i}.1 80 {\n        weight ${weight}\n        TCP_CHECK { connect_timeout 3 }\n    }\n}\n`;
const base = (): string[] => [
  '$W=2\n',
  server(1),
  server(2),
  // Made by a definition: read again every time, so a changed $W reaches it.
  'virtual_server 192.0.2.3 80 {\n    real_server 10.0.3.1 80 {\n        weight $W\n    }\n}\n',
  'include extra.conf\n',
  server(4),
  '@lb-b virtual_server 192.0.2.5 80 { real_server 10.0.5.1 80 { weight 1 } }\n',
];

const seen = (r: LoadResult): string => JSON.stringify({ d: r.diagnostics.map((d) => `${d.code} ${formatDiagnostic(d)}`), m: r.model ?? null });

test('one weight changed among many blocks: the others are the same objects, the changed one is read again', (t) => {
  const d = place();
  const file = join(d, 'k.conf');
  writeFileSync(join(d, 'extra.conf'), server(9));
  writeFileSync(file, base().join(''));
  const cache = new BlockCache();
  const a = load(file, { fingerprints: true, cache, configId: 'lb-a' }).config!;
  const edited = base();
  edited[2] = server(2, 8);
  writeFileSync(file, edited.join(''));
  const b = load(file, { fingerprints: true, cache, configId: 'lb-a' });
  t.is(seen(b), seen(load(file, { configId: 'lb-a' })));
  const byName = (name: string, c = b.config!): unknown => c.virtualServers.find((v) => v.name === name);
  t.is(byName('192.0.2.1:80/UDP'), byName('192.0.2.1:80/UDP', a));
  t.is(byName('192.0.2.9:80/UDP'), byName('192.0.2.9:80/UDP', a), 'blocks of included files are kept too');
  t.not(byName('192.0.2.2:80/UDP'), byName('192.0.2.2:80/UDP', a));
  t.not(byName('192.0.2.3:80/UDP'), byName('192.0.2.3:80/UDP', a), 'a block a definition made is read again');
  t.is(b.config!.virtualServers.find((v) => v.name === '192.0.2.2:80/UDP')!.realServers[0]!.weight, 8);
});

test('a read with errors leaves the cache as the last good read left it', (t) => {
  const d = place();
  const file = join(d, 'k.conf');
  writeFileSync(join(d, 'extra.conf'), server(9));
  writeFileSync(file, base().join(''));
  const cache = new BlockCache();
  const a = load(file, { fingerprints: true, cache }).config!;
  writeFileSync(file, `${base().join('')}bogus_keyword 1\n`);
  t.is(load(file, { fingerprints: true, cache }).config, undefined);
  writeFileSync(file, base().join(''));
  t.is(load(file, { fingerprints: true, cache }).config!.virtualServers[0], a.virtualServers[0]);
});

test('property: after any edit, a read with the cache equals a fresh read', (t) => {
  const edits = fc.array(
    fc.record({
      block: fc.nat(6),
      what: fc.constantFrom('weight', 'insert-line', 'delete-line', 'def', 'brace', 'quote', 'comment', 'same'),
      at: fc.nat(200),
    }),
    { minLength: 1, maxLength: 3 },
  );
  let good = 0;
  fc.assert(
    fc.property(edits, fc.constantFrom('lb-a', 'lb-b'), (list, configId) => {
      const d = place();
      const file = join(d, 'k.conf');
      writeFileSync(join(d, 'extra.conf'), server(9));
      const blocks = base();
      writeFileSync(file, blocks.join(''));
      const cache = new BlockCache();
      load(file, { fingerprints: true, cache, configId });
      for (const e of list) {
        const b = blocks[e.block % blocks.length]!;
        const i = e.at % (b.length + 1);
        blocks[e.block % blocks.length] =
          e.what === 'weight' ? b.replace(/weight \d+/, `weight ${1 + (e.at % 9)}`)
          : e.what === 'insert-line' ? `${b.slice(0, b.indexOf('\n', i) + 1)}    # new line\n${b.slice(b.indexOf('\n', i) + 1)}`
          : e.what === 'delete-line' ? b.split('\n').filter((_l, k) => k !== e.at % 5).join('\n')
          : e.what === 'def' ? `$W=${e.at}\n${b}`
          : e.what === 'brace' ? `${b.slice(0, i)}}${b.slice(i)}`
          : e.what === 'quote' ? `${b.slice(0, i)}"${b.slice(i)}`
          : e.what === 'comment' ? `${b.slice(0, i)}#${b.slice(i)}`
          : b;
        writeFileSync(file, blocks.join(''));
        const cached = load(file, { fingerprints: true, cache, configId });
        const fresh = load(file, { configId });
        if (fresh.config !== undefined) good++;
        if (seen(cached) !== seen(fresh)) throw new Error(`differs after ${JSON.stringify(e)}:\n${blocks.join('')}`);
      }
    }),
    { numRuns: 150 },
  );
  // Valid files after most edits, and invalid ones after the others: both kinds were compared.
  t.true(good > 50, `${good} valid`);
});

test('corrections that read across blocks (a virtual_server given twice, a dropped tracking reference) leave the cached blocks as they were read', (t) => {
  const d = place();
  const file = join(d, 'k.conf');
  const dup = 'virtual_server 192.0.2.1 80 {\n    lb_algo wrr\n    real_server 10.0.1.2 80 {\n        weight 1\n    }\n}\n';
  const instance = 'vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 1\n    track_script {\n        chk\n    }\n    virtual_ipaddress {\n        192.0.2.9\n    }\n}\n';
  const script = 'vrrp_script chk {\n    script /bin/true\n}\n';
  const cache = new BlockCache();
  writeFileSync(file, server(1) + dup + instance);
  const merged = load(file, { fingerprints: true, cache });
  t.deepEqual(merged.config!.virtualServers[0]!.realServers.map((r) => r.address), ['10.0.1.1', '10.0.1.2']);
  t.deepEqual(merged.config!.vrrpInstances[0]!.tracking.trackScript, []);
  // The second block goes and the script comes: the cached first block holds its own real server only, the instance tracks chk.
  writeFileSync(file, script + server(1) + instance);
  const after = load(file, { fingerprints: true, cache });
  t.is(seen(after), seen(load(file)));
  t.deepEqual(after.config!.virtualServers[0]!.realServers.map((r) => r.address), ['10.0.1.1']);
  t.deepEqual(after.config!.vrrpInstances[0]!.tracking.trackScript.map((r) => r.name), ['chk']);
});
