import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diff, load, type Config } from '../src/index.js';

function config(text: string): Config {
  const p = join(mkdtempSync(join(tmpdir(), 'tandem-diff-')), 'k.conf');
  writeFileSync(p, text);
  const r = load(p);
  if (r.config === undefined) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.config;
}

const inst = (name: string, vrid: number, body: string, vips: string[]): string =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n${body}  virtual_ipaddress {\n${vips.map((v) => `    ${v}\n`).join('')}  }\n}\n`;

test('the same file moved around (comments, blank lines) is no difference at all', (t) => {
  const a = config(inst('VI_1', 1, '', ['192.0.2.1/24']));
  const b = config('# a comment\n\n' + inst('VI_1', 1, '  priority 100\n', ['192.0.2.1/24']));
  const d = diff(a, b);
  t.deepEqual(d.instancesChanged, []);
  t.deepEqual(d.instancesUnchanged, ['VI_1']);
  t.deepEqual(d.globals, []);
});

test('instances added, removed and changed, with the changed fields and address sets', (t) => {
  const a = config(inst('VI_1', 1, '', ['192.0.2.1/24', '192.0.2.2/24']) + inst('VI_2', 2, '', ['192.0.2.9']));
  const b = config(
    'global_defs {\n  vrrp_garp_master_refresh 10\n}\n' +
      inst('VI_1', 1, '  priority 120\n', ['192.0.2.1/24', '192.0.2.3/24']) +
      inst('VI_3', 3, '', ['192.0.2.10']),
  );
  const d = diff(a, b);
  t.deepEqual(d.globals, ['vrrpGarpMasterRefresh']);
  t.deepEqual(d.instancesAdded.map((i) => i.name), ['VI_3']);
  t.deepEqual(d.instancesRemoved.map((i) => i.name), ['VI_2']);
  t.is(d.instancesChanged.length, 1);
  const c = d.instancesChanged[0]!;
  t.deepEqual([...c.fields].sort(), ['priority', 'virtualIpaddress']);
  t.deepEqual(c.addressesAdded.map((v) => v.address), ['192.0.2.3']);
  t.deepEqual(c.addressesRemoved.map((v) => v.address), ['192.0.2.2']);
});

test('an address whose options change is removed and added again', (t) => {
  const d = diff(config(inst('VI_1', 1, '', ['192.0.2.1/24'])), config(inst('VI_1', 1, '', ['192.0.2.1/24 label eth0:x'])));
  const c = d.instancesChanged[0]!;
  t.deepEqual(c.addressesAdded.map((v) => v.label), ['eth0:x']);
  t.deepEqual(c.addressesRemoved.map((v) => v.label), [undefined]);
});
