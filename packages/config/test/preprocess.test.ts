import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatDiagnostic, load } from '../src/index.js';

function loadText(text: string, configId = 'lb-a') {
  const p = join(mkdtempSync(join(tmpdir(), 'tandem-pre-')), 'k.conf');
  writeFileSync(p, text);
  return { r: load(p, { configId }), path: p };
}

const body = (extra: string): string => `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n${extra}}\n`;

test('@ID and @^ID lines follow the config id; one file serves both nodes', (t) => {
  const text = '@lb-a $PRIO=150\n@lb-b $PRIO=100\n' + body('  priority $PRIO\n  @^lb-a nopreempt\n  virtual_ipaddress {\n    192.0.2.1\n  }\n');
  const a = loadText(text, 'lb-a').r.config!.vrrpInstances[0]!;
  const b = loadText(text, 'lb-b').r.config!.vrrpInstances[0]!;
  t.like(a, { priority: 150, nopreempt: false });
  t.like(b, { priority: 100, nopreempt: true });
});

test('$NAME and ${NAME} are substituted; comments after a definition are not part of it', (t) => {
  const { r } = loadText('$NET=192.0.2   # the lab\n$VRID=51\n' + body('').replace('virtual_router_id 51', 'virtual_router_id $VRID').replace('}\n', '  virtual_ipaddress {\n    ${NET}.7/24\n  }\n}\n'));
  t.deepEqual(r.errors.map(formatDiagnostic), []);
  t.like(r.config!.vrrpInstances[0], { virtualRouterId: 51 });
  t.like(r.config!.vrrpInstances[0]!.virtualIpaddress[0], { address: '192.0.2.7', prefix: 24 });
});

test('a multi-line definition expands to whole blocks, with conditionals and definitions inside', (t) => {
  const text = `$INSTANCE= \\
vrrp_instance VI_\${NUM} { \\
    interface eth0 \\
    virtual_router_id \${NUM} \\
    @lb-a priority 130 \\
    @lb-b priority 120 \\
    virtual_ipaddress { \\
        192.0.2.\${NUM}/24 \\
    } \\
}

$NUM=1
$INSTANCE
$NUM=2
$INSTANCE
`;
  const { r } = loadText(text);
  t.deepEqual(r.errors.map(formatDiagnostic), []);
  t.deepEqual(r.config!.vrrpInstances.map((i) => [i.name, i.virtualRouterId, i.priority, i.virtualIpaddress[0]!.address]), [
    ['VI_1', 1, 130, '192.0.2.1'],
    ['VI_2', 2, 130, '192.0.2.2'],
  ]);
});

test('~SEQ, ~SEQx and ~LST repeat the rest of the line', (t) => {
  const { r } = loadText(
    body('  virtual_ipaddress {\n    ~SEQ(N, 1, 2, 5) 192.0.2.${N}/24\n  }\n  virtual_ipaddress_excluded {\n    ~SEQx(H, 0x9, 0xb) fd00::${H}/64\n    ~LST(L, 7, 8) 198.51.100.${L}\n  }\n'),
  );
  t.deepEqual(r.errors.map(formatDiagnostic), []);
  const i = r.config!.vrrpInstances[0]!;
  t.deepEqual(i.virtualIpaddress.map((v) => v.address), ['192.0.2.1', '192.0.2.3', '192.0.2.5']);
  t.deepEqual(i.virtualIpaddressExcluded.map((v) => v.address), ['fd00::9', 'fd00::a', 'fd00::b', '198.51.100.7', '198.51.100.8']);
});

test('built-in definitions: ${_PWD}, ${_INSTANCE}, ${_HASH} inside quotes', (t) => {
  const { r, path } = loadText(
    'global_defs {\n  router_id ${_INSTANCE}\n}\n' +
      body('  authentication {\n    auth_type PASS\n    auth_pass "a${_HASH}b"\n  }\n  virtual_ipaddress {\n    192.0.2.1\n  }\n'),
    'node-7',
  );
  t.deepEqual(r.errors.map(formatDiagnostic), []);
  t.is(r.config!.globalDefs.routerId, 'node-7');
  t.is(r.config!.vrrpInstances[0]!.authentication!.password, 'a#b');
  void dirname(path);
});

test('an undefined name outside quotes is an error at its line; a reserved name is refused', (t) => {
  const { r, path } = loadText(body('  priority $PRIO\n  virtual_ipaddress {\n    192.0.2.1\n  }\n'));
  t.deepEqual(r.errors.map(formatDiagnostic), [`${path}:4:1: $PRIO is not defined`]);
  const reserved = loadText('$_X=1\n').r;
  t.regex(reserved.errors[0]!.message, /reserved/);
});

test('a malformed or endless ~SEQ is an error, not a hang', (t) => {
  t.regex(loadText('~SEQ(N, 1, 0, 5) x\n').r.errors[0]!.message, /never ends/);
  t.regex(loadText('~SEQ(1N, 5) x\n').r.errors[0]!.message, /not a variable name/);
  t.regex(loadText('~SEQ(N, a, 5) x\n').r.errors[0]!.message, /must be integers/);
});

test('a definition that expands into itself is stopped', (t) => {
  const { r } = loadText('$A=$A x\n$A\n');
  t.true(r.errors.length > 0);
});

test('columns stay exact on indented lines and after an @ID prefix', (t) => {
  const { r, path } = loadText(body('    @lb-a priorty 100\n  virtual_ipaddress {\n    192.0.2.1\n  }\n'));
  t.deepEqual(r.errors.map(formatDiagnostic), [`${path}:4:11: unknown keyword 'priorty' in vrrp_instance; did you mean 'priority'?`]);
});
