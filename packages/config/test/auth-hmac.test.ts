import test from 'ava';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHexString } from '../src/auth-hmac.js';
import { load } from '../src/index.js';
import { loadText } from './load-text.js';

const KEY_HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const instance = (body: string, extra = ''): string =>
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  advert_int 1\n${extra}  auth_hmac {\n${body}\n  }\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n`;

test('auth_hmac: keys by id, active_key, mode, anti_replay, time_window', (t) => {
  const { r, errors } = loadText(instance(`    key 1 hex:${KEY_HEX}\n    key 2 ${'k'.repeat(40)}\n    active_key 2\n    mode permissive\n    anti_replay monotonic\n    time_window 7`));
  t.deepEqual(errors, []);
  const a = r.config!.vrrpInstances[0]!.authHmac!;
  t.deepEqual(a.keys, [
    { id: 1, keyHex: KEY_HEX },
    { id: 2, keyHex: Buffer.from('k'.repeat(40)).toString('hex') },
  ]);
  t.deepEqual([a.activeKey, a.mode, a.antiReplay, a.timeWindow], [2, 'permissive', 'monotonic', 7]);
});

test('auth_hmac defaults as keepalived: enforce, time, a window of three advert intervals (at least 5 s)', (t) => {
  const a = (adv: string): unknown => {
    const { r, errors } = loadText(instance(`    key 1 hex:${KEY_HEX}\n    active_key 1`).replace('advert_int 1', `advert_int ${adv}`));
    t.deepEqual(errors, []);
    const h = r.config!.vrrpInstances[0]!.authHmac!;
    return [h.mode, h.antiReplay, h.timeWindow];
  };
  t.deepEqual(a('1'), ['enforce', 'time', 5]);
  t.deepEqual(a('4'), ['enforce', 'time', 12]);
});

const refusals: Array<[string, string, string, RegExp]> = [
  ['no active_key', `    key 1 hex:${KEY_HEX}`, '', /auth_hmac needs active_key/],
  ['an undefined active_key', `    key 1 hex:${KEY_HEX}\n    active_key 3`, '', /active_key 3 is not a defined key/],
  ['a short key', `    key 1 hex:0011\n    active_key 1`, '', /key 1 is 2 bytes; keys are 32-64 bytes/],
  ['a long key', `    key 1 ${'x'.repeat(65)}\n    active_key 1`, '', /key 1 is 65 bytes/],
  ['bad hex', `    key 1 hex:${KEY_HEX.slice(0, -1)}zz\n    active_key 1`, '', /key 1 is 0 bytes/],
  ['a duplicate id', `    key 1 hex:${KEY_HEX}\n    key 1 hex:${KEY_HEX}\n    active_key 1`, '', /duplicate auth_hmac key id 1/],
  ['key id 0', `    key 0 hex:${KEY_HEX}\n    active_key 1`, '', /key id must be 1-255/],
  ['a window of 301 s', `    key 1 hex:${KEY_HEX}\n    active_key 1\n    time_window 301`, '', /time_window \(seconds\) must be 1-300/],
  ['another mode', `    key 1 hex:${KEY_HEX}\n    active_key 1\n    mode relaxed`, '', /mode/],
  ['another anti_replay', `    key 1 hex:${KEY_HEX}\n    active_key 1\n    anti_replay counter`, '', /anti_replay/],
];
for (const [what, body, extra, message] of refusals) {
  test(`auth_hmac refuses ${what} (keepalived skips the line, or runs unsigned)`, (t) => {
    const { errors } = loadText(instance(body, extra));
    t.true(errors.some((e) => message.test(e)), errors.join('\n'));
  });
}

test('auth_hmac corrected as keepalived corrects it, with a warning: legacy authentication beside it dropped; strict mode forces enforce', (t) => {
  const legacy = loadText(instance(`    key 1 hex:${KEY_HEX}\n    active_key 1`, '  authentication {\n    auth_type PASS\n    auth_pass secret\n  }\n'));
  t.deepEqual(legacy.errors, []);
  t.true(legacy.warnings.some((w) => /auth_hmac cannot be combined with authentication: the authentication block is dropped/.test(w)), legacy.warnings.join('\n'));
  t.is(legacy.r.config!.vrrpInstances[0]!.authentication, undefined);
  t.is(legacy.r.config!.vrrpInstances[0]!.authHmac!.activeKey, 1);
  const strict = loadText(instance(`    key 1 hex:${KEY_HEX}\n    active_key 1\n    mode permissive`, '  strict_mode\n  version 3\n  state BACKUP\n'));
  t.deepEqual(strict.errors, []);
  t.true(strict.warnings.some((w) => /strict mode .* requires auth_hmac mode enforce: enforce, not permissive/.test(w)), strict.warnings.join('\n'));
  t.is(strict.r.config!.vrrpInstances[0]!.authHmac!.mode, 'enforce');
});

test('key file: hex: or ASCII, a trailing newline dropped, relative to the file; group-readable warned', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-hmac-key-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'k1'), `hex:${KEY_HEX}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'k2'), `${'p'.repeat(33)}\r\n`, { mode: 0o644 });
  chmodSync(join(dir, 'k2'), 0o644);
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, instance(`    key 1 file:${join(dir, 'k1')}\n    key 2 file:k2\n    active_key 1`));
  const { r, errors, warnings } = loadText(instance(`    key 1 file:${join(dir, 'k1')}\n    key 2 file:${join(dir, 'k2')}\n    active_key 1`));
  t.deepEqual(errors, []);
  t.deepEqual(r.config!.vrrpInstances[0]!.authHmac!.keys.map((k) => k.keyHex), [KEY_HEX, Buffer.from('p'.repeat(33)).toString('hex')]);
  t.true(warnings.some((w) => /k2' is readable by group or others/.test(w)), warnings.join('\n'));
  // A relative path is taken from the including file's directory (keepalived reads each file from its own).
  const rel = load(conf);
  t.deepEqual(rel.errors, []);
  t.is(rel.config!.vrrpInstances[0]!.authHmac!.keys[1]!.keyHex, Buffer.from('p'.repeat(33)).toString('hex'));
  const missing = loadText(instance(`    key 1 file:/nonexistent/tR-key\n    active_key 1`));
  t.true(missing.errors.some((e) => /key file '\/nonexistent\/tR-key' cannot be opened/.test(e)));
});

test("keepalived's read_hex_str: pairs, spaces between octets, a lone digit is an octet", (t) => {
  t.deepEqual(readHexString('0a0B'), Buffer.from([0x0a, 0x0b]));
  t.deepEqual(readHexString(' 0a 0b\t'), Buffer.from([0x0a, 0x0b]));
  t.deepEqual(readHexString('abc'), Buffer.from([0xab, 0x0c]));
  t.deepEqual(readHexString('a b'), Buffer.from([0x0a, 0x0b]));
  t.is(readHexString('0g'), undefined);
  t.is(readHexString(''), undefined);
});
