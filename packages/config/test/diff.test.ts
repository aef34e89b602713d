import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockFingerprint, diff, diffVirtualServers, load, type Config } from '../src/index.js';

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

function withFingerprints(text: string): Config {
  const p = join(mkdtempSync(join(tmpdir(), 'tandem-fp-')), 'k.conf');
  writeFileSync(p, text);
  const r = load(p, { fingerprints: true });
  if (r.config === undefined) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.config;
}

const server = (weight: string, extra = ''): string => `virtual_server 192.0.2.1 80 {\n  protocol TCP\n  lb_algo rr\n  real_server 10.0.0.1 80 {\n    weight ${weight}\n${extra}  }\n}\n`;

test('a block keeps its fingerprint when it moves; one changed word, or quoting it, changes it', (t) => {
  const fp = (c: Config): string | undefined => blockFingerprint(c.virtualServers[0]!);
  const a = fp(withFingerprints(server('1')));
  t.not(a, undefined);
  t.is(fp(withFingerprints(`# moved\n\n${server('1')}`)), a);
  t.not(fp(withFingerprints(server('2'))), a);
  t.not(fp(withFingerprints(server('"1"'))), a);
  t.not(fp(withFingerprints(server('1', '    inhibit_on_failure\n'))), a);
  t.is(fp(config(server('1'))), undefined, 'only when asked for: tandemd -t does not pay for them');
  // Made by a definition: a hash of its words, the same whatever the definition's spelling.
  const made = (def: string): string | undefined => fp(withFingerprints(`$B=${def}\n$B\n`));
  const h = made('virtual_server 192.0.2.1 80 { real_server 10.0.0.1 80 { weight 1 } }');
  t.regex(h ?? '', /^[0-9a-f]{16}$/);
  t.is(made('virtual_server  192.0.2.1 80 {  real_server 10.0.0.1 80 { weight 1 }  }'), h);
  t.not(made('virtual_server 192.0.2.1 80 { real_server 10.0.0.1 80 { weight 2 } }'), h);
});

test('blanks or comments changed inside a block: another fingerprint, but the same model, so unchanged', (t) => {
  const a = withFingerprints(server('1'));
  const b = withFingerprints(server('1').replace(/\n/g, '  # note\n'));
  t.not(blockFingerprint(b.virtualServers[0]!), blockFingerprint(a.virtualServers[0]!));
  t.deepEqual(diffVirtualServers(a, b).unchanged.length, 1);
});

test('virtual servers are matched by name: changed by model, unchanged also when only positions or spelling differ', (t) => {
  const two = (w: string, w2 = '1'): string => server(w) + server(w2).replace('192.0.2.1 80', '192.0.2.2 80');
  const a = withFingerprints(two('1'));
  const d = diff(a, withFingerprints(`\n${two('3')}`)).virtualServers;
  t.deepEqual(d.changed.map((p) => [p.before.realServers[0]!.weight, p.after.realServers[0]!.weight]), [[1, 3]]);
  t.deepEqual(d.unchanged.map((p) => p.after.name), ['192.0.2.2:80/TCP']);
  // `lb_kind NAT` is the default: another fingerprint, the same model, so unchanged.
  const same = diffVirtualServers(a, withFingerprints(two('1').replace('lb_algo rr', 'lb_algo rr\n  lb_kind NAT')));
  t.deepEqual([same.changed.length, same.unchanged.length], [0, 2]);
  const swapped = diffVirtualServers(a, withFingerprints(two('1').split('}\n}\n').reverse().filter((x) => x !== '').map((x) => `${x}}\n}\n`).join('')));
  t.deepEqual([swapped.reordered, swapped.changed.length, swapped.unchanged.length], [true, 0, 2]);
  t.false(diffVirtualServers(a, a).reordered);
  const moved = diffVirtualServers(a, withFingerprints(server('1')));
  t.deepEqual([moved.removed.map((v) => v.name), moved.added.length], [['192.0.2.2:80/TCP'], 0]);
});

test('an instance whose block is unchanged is unchanged, unless global_defs changed the defaults it takes', (t) => {
  const a = withFingerprints(inst('VI_1', 1, '', ['192.0.2.1/24']));
  t.deepEqual(diff(a, withFingerprints(`\n\n${inst('VI_1', 1, '', ['192.0.2.1/24'])}`)).instancesUnchanged, ['VI_1']);
  const d = diff(a, withFingerprints(`global_defs {\n  vrrp_version 3\n}\n${inst('VI_1', 1, '', ['192.0.2.1/24'])}`));
  t.deepEqual(d.globals, ['vrrpVersion']);
  t.deepEqual(d.instancesChanged.map((c) => [c.name, c.fields]), [['VI_1', ['version']]]);
});

test('an optional block dropped from an instance is a change (auth_hmac removed, added, or its key changed)', (t) => {
  const hmac = (key: string): string => `  auth_hmac {\n    key 1 hex:${key.repeat(32)}\n    active_key 1\n  }\n`;
  const signed = config(inst('VI_1', 1, hmac('ab'), ['192.0.2.1/24']));
  const plain = config(inst('VI_1', 1, '', ['192.0.2.1/24']));
  t.deepEqual(diff(signed, plain).instancesChanged.map((c) => c.fields), [['authHmac']]);
  t.deepEqual(diff(plain, signed).instancesChanged.map((c) => c.fields), [['authHmac']]);
  t.deepEqual(diff(signed, config(inst('VI_1', 1, hmac('cd'), ['192.0.2.1/24']))).instancesChanged.map((c) => c.fields), [['authHmac']]);
});
