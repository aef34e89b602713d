import test from 'ava';
import { addressVmacs, freeVmacName } from '../src/vrrp/address-vmacs.js';
import { configFrom } from './fake-host.js';

const instance = (lines: string): ReturnType<typeof configFrom>['vrrpInstances'][number] =>
  configFrom(`vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n${lines}}\n`).vrrpInstances[0]!;

test('freeVmacName: PREFIX.VRID, then PREFIX1.VRID, 2, ...; IPv6 tries 6 first, then 1-5, 7; a long prefix is cut to fit 15 characters (keepalived\'s create_vmac_name)', (t) => {
  const takenOf = (names: string[]) => (n: string): boolean => names.includes(n);
  t.is(freeVmacName('vrrp', 51, 4, takenOf([])), 'vrrp.51');
  t.is(freeVmacName('vrrp', 51, 4, takenOf(['vrrp.51', 'vrrp1.51'])), 'vrrp2.51');
  t.is(freeVmacName('vrrp', 51, 6, takenOf(['vrrp.51'])), 'vrrp6.51');
  t.is(freeVmacName('vrrp', 51, 6, takenOf(['vrrp.51', 'vrrp6.51', 'vrrp1.51', 'vrrp2.51', 'vrrp3.51', 'vrrp4.51', 'vrrp5.51'])), 'vrrp7.51');
  t.is(freeVmacName('averyverylongprefix', 251, 4, takenOf([])), 'averyverylo.251');
  t.is(freeVmacName('averyverylongprefix', 251, 4, takenOf(['averyverylo.251'])), 'averyveryl1.251');
});

test('use_vmac_addr: addresses on other interfaces or of the other family go on one virtual MAC per interface and family; the instance\'s own stay; none without the keyword', (t) => {
  const i = instance('  use_vmac_addr\n  virtual_ipaddress {\n    192.0.2.1/24\n    198.51.100.1/24 dev eth1\n    198.51.100.2/24 dev eth1\n  }\n  virtual_ipaddress_excluded {\n    2001:db8::1/64\n    2001:db8:1::1/64 dev eth1\n  }\n');
  const plan = addressVmacs(i, 'vrrp', () => false);
  t.deepEqual(plan.vmacs, [
    { name: 'vrrp.51', base: 'eth1', family: 4 },
    { name: 'vrrp6.51', base: 'eth0', family: 6 },
    { name: 'vrrp1.51', base: 'eth1', family: 6 },
  ]);
  t.deepEqual([...plan.devOf], [
    ['198.51.100.1/24 eth1', 'vrrp.51'],
    ['198.51.100.2/24 eth1', 'vrrp.51'],
    ['2001:db8::1/64 ', 'vrrp6.51'],
    ['2001:db8:1::1/64 eth1', 'vrrp1.51'],
  ]);
  // With use_vmac the instance's own interface name is taken; its own addresses are its business.
  const withVmac = addressVmacs(instance('  use_vmac\n  use_vmac_addr\n  virtual_ipaddress {\n    192.0.2.1/24\n    198.51.100.1/24 dev eth1\n  }\n'), 'vrrp', () => false);
  t.deepEqual(withVmac.vmacs, [{ name: 'vrrp1.51', base: 'eth1', family: 4 }]);
  t.deepEqual(addressVmacs(instance('  virtual_ipaddress {\n    198.51.100.1/24 dev eth1\n  }\n'), 'vrrp', () => false).vmacs, []);
});
