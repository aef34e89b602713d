import test from 'ava';
import { loadText } from './load-text.js';

const instance = (lines: readonly string[]): string => ['vrrp_instance V6 {', '  interface eth0', '  virtual_router_id 6', ...lines.map((l) => `  ${l}`), '}', ''].join('\n');
const vips = ['virtual_ipaddress {', '  2001:db8::1', '}'];

test("version 2 before an IPv6 instance's addresses runs keepalived's VRRPv2 over IPv6, with a warning", (t) => {
  const { r, errors, warnings } = loadText(instance(['version 2', ...vips]));
  t.deepEqual(errors, []);
  t.is(r.config?.vrrpInstances[0]?.version, 2);
  t.true(warnings.some((w) => w.startsWith(':4:11: warning: VRRPv2 over IPv6')), warnings.join('\n'));
});

test('version 2 after the addresses set the family is ignored: v3, as keepalived ignores it', (t) => {
  const { r, errors, warnings } = loadText(instance([...vips, 'version 2']));
  t.deepEqual(errors, []);
  t.is(r.config?.vrrpInstances[0]?.version, 3);
  t.true(warnings.some((w) => w.startsWith(':7:11: warning: version 2 in an IPv6 instance whose family is already set')), warnings.join('\n'));
});

test('version 2 over IPv6 in strict mode becomes v3; the global vrrp_version never applies to IPv6', (t) => {
  t.is(loadText(instance(['version 2', 'strict_mode', ...vips])).r.config?.vrrpInstances[0]?.version, 3);
  t.is(loadText(`global_defs {\n  vrrp_version 2\n}\n${instance(vips)}`).r.config?.vrrpInstances[0]?.version, 3);
});

test('VRRPv2 over IPv6 carries no password: auth_type PASS is refused, AH ignored as keepalived ignores it', (t) => {
  const auth = (type: string): string[] => ['authentication {', `  auth_type ${type}`, '  auth_pass secret', '}'];
  t.true(loadText(instance(['version 2', ...auth('PASS'), ...vips])).errors.some((e) => e.includes('auth_type PASS with VRRPv2 over IPv6')));
  const ah = loadText(instance(['version 2', ...auth('AH'), ...vips]));
  t.deepEqual(ah.errors, []);
  t.is(ah.r.config?.vrrpInstances[0]?.authentication, undefined);
});

test('unicast_src_ip and unicast_peer with a /PREFIX: the address, with a warning, as keepalived cuts it off', (t) => {
  const { r, errors, warnings } = loadText(['vrrp_instance V {', '  interface eth0', '  virtual_router_id 6', '  unicast_src_ip 192.168.0.92/24', '  unicast_peer {', '    192.168.0.91/24', '  }', '  virtual_ipaddress {', '    192.168.0.100', '  }', '}', ''].join('\n'));
  t.deepEqual(errors, []);
  t.like(r.config?.vrrpInstances[0], { unicastSrcIp: '192.168.0.92', unicastPeer: ['192.168.0.91'] });
  t.is(warnings.filter((w) => w.includes("'/24' is ignored")).length, 2);
});

test('nopreempt and enable_script_security take a BOOL; another word after them is ignored with a warning and the flag set, as keepalived reads no word there', (t) => {
  const one = loadText(['global_defs {', '  enable_script_security 1', '}', 'vrrp_instance V {', '  interface eth0', '  virtual_router_id 6', '  nopreempt 1', '  virtual_ipaddress {', '    192.0.2.1', '  }', '}', ''].join('\n'));
  t.deepEqual(one.errors, []);
  t.true(one.r.config?.vrrpInstances[0]?.nopreempt);
  t.true(one.r.config?.globalDefs.scriptSecurityAsked);
  t.is(one.warnings.filter((w) => /'1' after (nopreempt|enable_script_security) is ignored/.test(w)).length, 2);
  t.false(loadText(instance(['nopreempt off', 'virtual_ipaddress {', '  192.0.2.1', '}'])).r.config?.vrrpInstances[0]?.nopreempt);
});
