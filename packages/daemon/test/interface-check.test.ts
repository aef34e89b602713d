import test from 'ava';
import { hostInterfaceNames, missingInterfaces } from '../src/interface-check.js';
import { configFrom } from './fake-host.js';

const instance = (iface: string, vip: string): string => `vrrp_instance VI_1 {\n    interface ${iface}\n    virtual_router_id 51\n    priority 100\n    virtual_ipaddress {\n        ${vip}\n    }\n}\n`;

test('an instance interface or a VIP dev the host lacks is an error at its place; the ones it has are not', (t) => {
  const host = new Set(['lo', 'eth0']);
  t.deepEqual(missingInterfaces(configFrom(instance('eth0', '192.0.2.1/24')), host), []);
  const own = missingInterfaces(configFrom(instance('eth9', '192.0.2.1/24')), host);
  t.deepEqual(
    own.map((d) => [d.severity, d.pos.line, d.message]),
    [['error', 1, 'interface eth9 of vrrp_instance VI_1 does not exist on this host (with dynamic_interfaces the instance would wait for it in FAULT)']],
  );
  const dev = missingInterfaces(configFrom(instance('eth0', '192.0.2.1/24 dev eth7')), host);
  t.deepEqual(
    dev.map((d) => [d.pos.line, d.message.split(' (')[0]]),
    [[6, 'interface eth7 of vrrp_instance VI_1 does not exist on this host']],
  );
});

test('with dynamic_interfaces, a net_namespace, or no list of interfaces, nothing is checked', (t) => {
  const host = new Set(['lo']);
  t.deepEqual(missingInterfaces(configFrom(`global_defs {\n    dynamic_interfaces\n}\n${instance('eth9', '192.0.2.1/24')}`), host), []);
  t.deepEqual(missingInterfaces(configFrom(`global_defs {\n    net_namespace blue\n}\n${instance('eth9', '192.0.2.1/24')}`), host), []);
  t.deepEqual(missingInterfaces(configFrom(instance('eth9', '192.0.2.1/24')), undefined), []);
});

test("the host's interfaces are read from this namespace: the loopback is always there", (t) => {
  t.true(hostInterfaceNames()?.has('lo'));
});
