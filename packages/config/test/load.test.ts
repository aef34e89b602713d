import test from 'ava';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic, load, type ConfigErrorCode, type VrrpInstance } from '../src/index.js';

function files(map: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-conf-'));
  for (const [name, text] of Object.entries(map)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const minimal = `
global_defs {
   router_id lb1   # a comment
   vrrp_garp_master_refresh 60 ! another comment style
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    nopreempt
    authentication {
        auth_type PASS
        auth_pass "s3cret"
    }
    virtual_ipaddress {
        192.0.2.100/24 dev eth0 label eth0:vip
        192.0.2.101
    }
    unicast_src_ip 192.0.2.10
    unicast_peer {
        192.0.2.20
    }
}
`;

test('a typical VRRP config loads into the model with keepalived defaults', (t) => {
  const dir = files({ 'keepalived.conf': minimal });
  const r = load(join(dir, 'keepalived.conf'));
  t.deepEqual(r.errors, []);
  const c = r.config!;
  t.is(c.globalDefs.routerId, 'lb1');
  t.is(c.globalDefs.vrrpGarpMasterRefresh, 60);
  t.is(c.globalDefs.vrrpGarpMasterDelay, 5);
  const i = c.vrrpInstances[0]!;
  t.like(i, { name: 'VI_1', state: 'BACKUP', interface: 'eth0', virtualRouterId: 51, priority: 150, advertInt: 1, version: 2, family: 4, nopreempt: true, accept: true });
  t.deepEqual(i.authentication?.password, 's3cret');
  t.like(i.virtualIpaddress[0], { address: '192.0.2.100', prefix: 24, dev: 'eth0', label: 'eth0:vip' });
  t.like(i.virtualIpaddress[1], { address: '192.0.2.101', prefix: 32 });
  t.deepEqual(i.unicastPeer, ['192.0.2.20']);
  t.is(i.virtualIpaddress[0]!.pos.line, 18);
});

test('one-line blocks, a brace on the next line, and includes relative to the including file', (t) => {
  const dir = files({
    'main.conf': 'include conf.d/*.conf\n',
    'conf.d/a.conf': 'vrrp_instance A\n{\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress { 192.0.2.1/32 }\n}\n',
    'conf.d/b.conf': 'vrrp_instance B { \n interface eth1\n virtual_router_id 1\n include ../vips/b.inc\n}\n',
    'vips/b.inc': 'virtual_ipaddress {\n fd00::1/64\n}\n',
  });
  const r = load(join(dir, 'main.conf'));
  t.deepEqual(r.errors.map(formatDiagnostic), []);
  t.deepEqual(r.config!.vrrpInstances.map((i) => [i.name, i.family, i.version]), [['A', 4, 2], ['B', 6, 3]]);
});

test('an include whose pattern matches nothing in an existing directory reads nothing, with a warning (keepalived says nothing); a missing file or directory is refused', (t) => {
  const dir = files({ 'main.conf': `include conf.d/*.conf\n${instance('')}`, 'conf.d/README': 'not a config\n' });
  const r = load(join(dir, 'main.conf'));
  t.deepEqual(r.errors.map(formatDiagnostic), []);
  t.true(r.warnings.some((w) => /include conf\.d\/\*\.conf: no file matches/.test(w.message)));
  t.is(r.config?.vrrpInstances.length, 1);
  const missingDir = files({ 'main.conf': `include nothere.d/*.conf\n${instance('')}` });
  t.true(load(join(missingDir, 'main.conf')).errors.some((e) => e.code === 'CONF_ERR_INCLUDE'));
});

test("an extra '}' at the top level is ignored with a warning, as keepalived ignores it; one that closes a block early leaves its statements at the top level, refused there", (t) => {
  const r = load(join(files({ 'k.conf': instance('') + '}\n' }), 'k.conf'));
  t.deepEqual(r.errors.map(formatDiagnostic), []);
  t.true(r.warnings.some((w) => w.pos.line === 8 && w.pos.col === 1 && /extra '}' with no block open: ignored/.test(w.message)));
  const early = load(join(files({ 'k.conf': 'vrrp_instance VI_1 {\n  interface eth0\n}\n  virtual_router_id 51\n}\n' }), 'k.conf'));
  t.is(early.config, undefined);
  t.true(early.errors.some((e) => e.pos.line === 4 && e.code === 'CONF_ERR_UNKNOWN_KEYWORD'));
});

test('an include cycle is refused, not followed forever', (t) => {
  const dir = files({ 'a.conf': 'include b.conf\n', 'b.conf': 'include a.conf\n' });
  const r = load(join(dir, 'a.conf'));
  t.true(r.errors.some((e) => e.code === 'CONF_ERR_INCLUDE' && e.message.includes('cycle')));
});

const instance = (body: string): string => `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n${body}}\n`;

const errorCases: Array<[string, string, ConfigErrorCode, number, number, RegExp]> = [
  ['a missing closing brace', 'vrrp_instance VI_1 {\n  interface eth0\n', 'CONF_ERR_SYNTAX', 1, 20, /never closed/],
  ['an unterminated quote', instance('  authentication {\n    auth_type PASS\n    auth_pass "abc\n  }\n'), 'CONF_ERR_SYNTAX', 9, 15, /unterminated/],
  ['a missing include file', 'include nothere.conf\n', 'CONF_ERR_INCLUDE', 1, 9, /no such file/],
  ['a misspelt keyword', instance('  priorty 100\n'), 'CONF_ERR_UNKNOWN_KEYWORD', 7, 3, /did you mean 'priority'/],
  ['extra words after a value', instance('  virtual_router_id 51 priority 120\n'), 'CONF_ERR_ARITY', 7, 24, /unexpected 'priority'/],
  ['a VRID out of range', instance('  virtual_router_id 256\n'), 'CONF_ERR_VALUE', 7, 21, /1-255/],
  ['a priority of 0', instance('  priority 0\n'), 'CONF_ERR_VALUE', 7, 12, /1-255/],
  ['two addresses on one line', 'vrrp_instance V {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n 192.0.2.1/24 192.0.2.2/24\n }\n}\n', 'CONF_ERR_ARITY', 5, 15, /one address per line/],
  ['a missing virtual_router_id', 'vrrp_instance V {\n interface eth0\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n', 'CONF_ERR_MISSING', 1, 1, /needs virtual_router_id/],
  ['one VRID twice on one interface', instance('') + instance('').replace('VI_1', 'VI_2'), 'CONF_ERR_CONFLICT', 8, 1, /already used on eth0/],
  ['a bad boolean', instance('  accept maybe\n'), 'CONF_ERR_VALUE', 7, 10, /on\|off\|true\|false\|yes\|no/],
  ['an unknown top-level block', 'vrrp_instanse VI_1 {\n}\n', 'CONF_ERR_UNKNOWN_KEYWORD', 1, 1, /did you mean 'vrrp_instance'/],
];

for (const [what, text, code, line, col, message] of errorCases) {
  test(`refuses ${what} with its position`, (t) => {
    const dir = files({ 'k.conf': text });
    const r = load(join(dir, 'k.conf'));
    t.is(r.config, undefined);
    const e = r.errors.find((x) => x.code === code);
    if (e === undefined) return t.fail(`no ${code} among ${r.errors.map(formatDiagnostic).join(' | ')}`);
    t.is(e.pos.file, join(dir, 'k.conf'));
    t.is(`${e.pos.line}:${e.pos.col}`, `${line}:${col}`);
    t.regex(e.message, message);
    t.regex(formatDiagnostic(e), new RegExp(`^${join(dir, 'k.conf').replace(/[.]/g, '\\.')}:${line}:${col}: `));
  });
}

test('no_accept and accept off both turn Accept_Mode off; accept is the default', (t) => {
  for (const [body, accept] of [['', true], ['  no_accept\n', false], ['  accept off\n', false], ['  no_accept\n  accept\n', true]] as const) {
    const dir = files({ 'k.conf': instance(body) });
    t.is(load(join(dir, 'k.conf')).config?.vrrpInstances[0]?.accept, accept, body);
  }
});

test('email settings are read without a word', (t) => {
  const dir = files({ 'k.conf': 'global_defs {\n  notification_email {\n    ops@example.com\n  }\n  smtp_server 127.0.0.1\n}\n' + instance('') });
  const r = load(join(dir, 'k.conf'));
  t.deepEqual(r.errors, []);
  t.deepEqual(r.warnings, []);
  t.deepEqual(r.config?.globalDefs.smtp.to, ['ops@example.com']);
});

test('a missing file is an error, not a crash', (t) => {
  const r = load('/nonexistent/keepalived.conf');
  t.is(r.errors[0]?.code, 'CONF_ERR_IO');
});

test('state MASTER with nopreempt, or with preempt off, is a warning at the keyword that turned preemption off, which is cleared', (t) => {
  for (const [line, kw] of [['nopreempt', 'nopreempt'], ['preempt off', 'preempt']] as const) {
    const r = load(join(files({ 'k.conf': `vrrp_instance VI_1 {\n    state MASTER\n    interface eth0\n    virtual_router_id 51\n    ${line}\n    priority 150\n    virtual_ipaddress {\n        192.0.2.16\n    }\n}\n` }), 'k.conf'));
    t.deepEqual(r.errors, [], kw);
    t.deepEqual(r.warnings.map((w) => `${w.pos.line}:${w.pos.col} ${w.message}`), ['5:5 nopreempt does not work with state MASTER: off, as keepalived clears it; use state BACKUP on every node'], kw);
    t.false(r.config!.vrrpInstances[0]!.nopreempt, kw);
  }
});

/** keepalived's corrections of an instance (vrrp.c): [what, body, line:col of the warning, its message, the corrected model]. */
const instanceCorrections: Array<[string, string, string, RegExp, (i: VrrpInstance) => unknown, unknown]> = [
  ['a fractional VRRPv2 interval: rounded', '  advert_int 1.5\n', '7:14', /VRRPv2 advert_int 1.5 is not whole seconds: 2 s/, (i) => i.advertInt, 2],
  ['a VRRPv2 interval below 1: 1 s', '  advert_int 0.3\n', '7:14', /VRRPv2 advert_int 0.3 is not whole seconds: 1 s/, (i) => i.advertInt, 1],
  ['a VRRPv3 interval finer than 0.01 s: rounded', '  version 3\n  advert_int 0.057\n', '8:14', /VRRPv3 advert_int 0.057 is not in steps of 0.01 s: 0.06 s/, (i) => i.advertInt, 0.06],
  ['a VRRPv3 interval above 40.95 s: cut', '  version 3\n  advert_int 100\n', '8:14', /longer than VRRPv3 carries \(40.95 s\): 40.95 s/, (i) => i.advertInt, 40.95],
  ['authentication with VRRPv3: ignored', '  version 3\n  authentication {\n    auth_type PASS\n    auth_pass x\n  }\n', '8:3', /VRRPv3 has no authentication .*ignored/, (i) => i.authentication, undefined],
  ['authentication without a password: ignored', '  authentication {\n    auth_type PASS\n  }\n', '7:3', /auth_type PASS without auth_pass: no authentication/, (i) => i.authentication, undefined],
  ['nopreempt at priority 255: off', '  priority 255\n  nopreempt\n', '8:3', /nopreempt does not go with priority 255/, (i) => i.nopreempt, false],
  ['preempt_delay with state MASTER: off', '  state MASTER\n  priority 200\n  preempt_delay 5\n', '9:3', /preempt_delay does not work with state MASTER/, (i) => i.preemptDelay, 0],
  ['preempt_delay with nopreempt: off', '  nopreempt\n  preempt_delay 5\n', '8:3', /preempt_delay does not go with nopreempt/, (i) => [i.nopreempt, i.preemptDelay], [true, 0]],
  ['an unknown state: BACKUP', '  state SLAVE\n  priority 120\n', '7:9', /unknown state 'SLAVE': BACKUP, as keepalived defaults it/, (i) => i.state, 'BACKUP'],
  ['a lower-case state: BACKUP', '  state master\n  priority 120\n', '7:9', /unknown state 'master': BACKUP/, (i) => i.state, 'BACKUP'],
  ['state MASTER without priority: the address owner', '  state MASTER\n', '7:3', /state MASTER without priority: priority 255/, (i) => i.priority, 255],
  ['an address of the other family: ignored', '  virtual_ipaddress {\n    fd00::1\n  }\n', '8:5', /fd00::1 is not of the instance's family \(its first address is IPv4\); ignored/, (i) => i.virtualIpaddress.map((v) => v.address), ['192.0.2.100']],
];
for (const [what, body, at, message, got, want] of instanceCorrections) {
  test(`keepalived's correction of ${what}, with a warning at its place`, (t) => {
    const r = load(join(files({ 'k.conf': instance(body) }), 'k.conf'));
    t.deepEqual(r.errors.map((e) => e.message), []);
    const w = r.warnings.find((x) => message.test(x.message));
    if (w === undefined) return t.fail(r.warnings.map((x) => `${x.pos.line}:${x.pos.col} ${x.message}`).join(' | '));
    t.is(`${w.pos.line}:${w.pos.col}`, at);
    t.deepEqual(got(r.config!.vrrpInstances[0]!), want);
  });
}

test('a file with UTF-8 in it reads as UTF-8 (an ASCII one takes a faster path to the same text)', (t) => {
  const dir = files({ 'k.conf': '# größe: äöü\nglobal_defs {\n  router_id "rôuter-ü"\n  notification_email_from naïve\n  bogus_ключ 1\n}\n' });
  const r = load(join(dir, 'k.conf'));
  t.deepEqual(r.errors.map((e) => `${e.pos.line}:${e.pos.col} ${e.message.split(';')[0]}`), ["5:3 unknown keyword 'bogus_ключ' in global_defs"]);
  t.is(r.model?.globalDefs.routerId, 'rôuter-ü');
});
