import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, formatDiagnostic, type Config, type RealServer } from '@tandem/config';
import { desiredForVirtualServer, groupEntryAddresses, nextQuorum, serviceKeys } from '../src/ipvs-table.js';
import { assignFwmarks, fwmarkOf, nftablesIpvsRemoval, nftablesIpvsScript } from '../src/ipvs-fwmarks.js';

function model(text: string): Config {
  const p = join(mkdtempSync(join(tmpdir(), 'tandem-table-')), 'k.conf');
  writeFileSync(p, text);
  const r = load(p);
  if (r.config === undefined) throw new Error(r.errors.map(formatDiagnostic).join('\n'));
  return r.config;
}

const web = model(`virtual_server 192.0.2.100 80 {
    lb_algo sh
    sh-port
    lb_kind DR
    persistence_timeout 300
    persistence_granularity 255.255.255.0
    protocol TCP
    quorum 4
    hysteresis 1
    sorry_server 198.51.100.250 8080
    real_server 198.51.100.11 80 {
        weight 3
        inhibit_on_failure
    }
    real_server 198.51.100.12 80 {
        weight 2
        lb_kind TUN type gue port 6080 csum
        uthreshold 100
        lthreshold 10
    }
}
`);
const vs = web.virtualServers[0]!;
const up = (): { up: boolean } => ({ up: true });
const only = (address: string) => (rs: RealServer) => ({ up: rs.address === address });

test('a virtual server becomes its IPVS service: scheduler, its flags, persistence and granularity', (t) => {
  const [table] = desiredForVirtualServer(vs, [], up, true);
  t.deepEqual(table!.service, { key: { family: 'inet', protocol: 'tcp', address: '192.0.2.100', port: 80 }, scheduler: 'sh', flags: 0x1 | 0x10, timeout: 300, netmask: 24 });
});

test('real servers carry their weight, forwarding (per real server when set) and thresholds', (t) => {
  const [table] = desiredForVirtualServer(vs, [], up, true);
  t.deepEqual(table!.destinations, [
    { address: '198.51.100.11', port: 80, forward: 'droute', weight: 3, upperThreshold: 0, lowerThreshold: 0 },
    { address: '198.51.100.12', port: 80, forward: 'tunnel', weight: 2, upperThreshold: 100, lowerThreshold: 10, tunnel: { type: 'gue', port: 6080, checksum: 'csum' } },
  ]);
});

test('a down real server leaves the table, or stays at weight 0 under inhibit_on_failure', (t) => {
  const [table] = desiredForVirtualServer(vs, [], only('198.51.100.12'), true);
  t.deepEqual(
    table!.destinations.map((d) => [d.address, d.weight]),
    [['198.51.100.11', 0], ['198.51.100.12', 2]],
  );
  const [none] = desiredForVirtualServer(vs, [], only('198.51.100.11'), true);
  t.deepEqual(
    none!.destinations.map((d) => [d.address, d.weight]),
    [['198.51.100.11', 3]],
  );
});

test('with the quorum lost the sorry server takes the traffic and the live servers leave (inhibited ones at weight 0)', (t) => {
  const [table] = desiredForVirtualServer(vs, [], up, false);
  t.deepEqual(
    table!.destinations.map((d) => [d.address, d.port, d.weight]),
    [['198.51.100.11', 80, 0], ['198.51.100.250', 80, 1]],
    'a DR sorry server takes the service\'s port, as keepalived resets it',
  );
});

test('quorum is lost below quorum - hysteresis and regained only at quorum + hysteresis', (t) => {
  t.true(nextQuorum(vs, true, 3), '3 >= 4 - 1 holds it');
  t.false(nextQuorum(vs, true, 2));
  t.false(nextQuorum(vs, false, 4), '4 < 4 + 1 does not regain it');
  t.true(nextQuorum(vs, false, 5));
  t.false(nextQuorum({ ...vs, quorum: 1, hysteresis: 0 }, true, 0), 'no live weight at all loses it');
});

test('a virtual_server_group stands for every address of its ranges and its fwmarks; fwmark services take the real servers\' family', (t) => {
  const c = model(`virtual_server_group G {
    192.0.2.1-3 80
    2001:db8::10 443
    fwmark 7
}
virtual_server group G {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.51.100.11 80 {
    }
}
virtual_server fwmark 9 {
    lb_algo rr
    lb_kind DR
    real_server 2001:db8:1::11 {
    }
}
`);
  t.deepEqual(serviceKeys(c.virtualServers[0]!, c.virtualServerGroups), [
    { family: 'inet', protocol: 'tcp', address: '192.0.2.1', port: 80 },
    { family: 'inet', protocol: 'tcp', address: '192.0.2.2', port: 80 },
    { family: 'inet', protocol: 'tcp', address: '192.0.2.3', port: 80 },
    { family: 'inet6', protocol: 'tcp', address: '2001:db8::10', port: 443 },
    { family: 'inet', fwmark: 7 },
  ]);
  t.deepEqual(serviceKeys(c.virtualServers[1]!, c.virtualServerGroups), [{ family: 'inet6', fwmark: 9 }]);
  t.is(groupEntryAddresses({ kind: 'address', address: '10.0.0.0', family: 4, prefix: 30, pos: { file: '', line: 1, col: 1 } }).length, 4);
});

const grouped = (globals: string): Config =>
  model(`global_defs {
${globals}
}
virtual_server_group web {
    192.0.2.10-12 80
    2001:db8::10 80
    198.51.100.0/30 443
}
virtual_server_group dns {
    192.0.2.53 53
}
virtual_server_group marked {
    fwmark 7
}
virtual_server group web {
    lb_algo rr
    lb_kind DR
    persistence_timeout 60
    protocol TCP
    real_server 203.0.113.1 80 {
    }
}
virtual_server group dns {
    lb_kind DR
    protocol UDP
    real_server 203.0.113.2 53 {
    }
}
virtual_server group dns {
    lb_kind DR
    protocol TCP
    real_server 203.0.113.2 53 {
    }
}
virtual_server group marked {
    lb_kind DR
    protocol TCP
    real_server 203.0.113.3 80 {
    }
}
`);

test('nftables_ipvs: a group without fwmark entries is one fwmark service per family and protocol, marks given in the file order from start_fwmark', (t) => {
  const c = grouped('    nftables_ipvs\n    nftables_ipvs_start_fwmark 2000');
  const marks = assignFwmarks(c)!;
  t.deepEqual([...marks.marks], [['web|TCP', 2000], ['dns|UDP', 2001], ['dns|TCP', 2002]]);
  t.is(marks.next, 2003);
  const [web, dnsUdp, , marked] = c.virtualServers;
  t.deepEqual(serviceKeys(web!, c.virtualServerGroups, fwmarkOf(web!, marks)), [{ family: 'inet', fwmark: 2000 }, { family: 'inet6', fwmark: 2000 }]);
  t.deepEqual(serviceKeys(dnsUdp!, c.virtualServerGroups, fwmarkOf(dnsUdp!, marks)), [{ family: 'inet', fwmark: 2001 }]);
  // A group with a fwmark entry keeps its services (keepalived: list_empty(&vsg->vfwmark)).
  t.is(fwmarkOf(marked!, marks), undefined);
  const table = desiredForVirtualServer(web!, c.virtualServerGroups, () => ({ up: true }), true, 2000);
  t.deepEqual(table.map((s) => [s.service.key, s.service.timeout, s.service.netmask, s.destinations.map((d) => d.address)]), [
    [{ family: 'inet', fwmark: 2000 }, 60, 32, ['203.0.113.1']],
    [{ family: 'inet6', fwmark: 2000 }, 60, 128, ['203.0.113.1']],
  ]);
  // Without nftables_ipvs, nothing is marked.
  t.is(assignFwmarks(grouped('')), undefined);
});

test('nftables_ipvs: a reload keeps the marks of the groups still there and gives new ones the next marks, never one given before', (t) => {
  const first = assignFwmarks(grouped('    nftables_ipvs'))!;
  const fewer = model(`global_defs {\n    nftables_ipvs\n}\nvirtual_server_group dns {\n    192.0.2.53 53\n}\nvirtual_server group dns {\n    protocol TCP\n    real_server 203.0.113.2 53 {\n    }\n}\nvirtual_server group dns {\n    protocol SCTP\n    real_server 203.0.113.2 53 {\n    }\n}\n`);
  const again = assignFwmarks(fewer, first)!;
  t.deepEqual([...again.marks], [['dns|TCP', 1002], ['dns|SCTP', 1003]]);
  t.is(again.next, 1004);
});

test("nftables_ipvs: the nft script replaces keepalived's tables ip/ip6 TABLE: chain in at the priority, one interval map per protocol, the mark-setting rule", (t) => {
  const c = grouped('    nftables_ipvs lb\n    nftables_ipvs_priority -3');
  const script = nftablesIpvsScript(c.globalDefs.nftablesIpvs!, c, assignFwmarks(c));
  t.is(
    script,
    [
      'add table ip lb',
      'delete table ip lb',
      'table ip lb {',
      '  map tcp_map { type ipv4_addr . inet_service : mark; flags interval; elements = { 192.0.2.10-192.0.2.12 . 80 : 1000, 198.51.100.0-198.51.100.3 . 443 : 1000, 192.0.2.53 . 53 : 1002 } }',
      '  map udp_map { type ipv4_addr . inet_service : mark; flags interval; elements = { 192.0.2.53 . 53 : 1001 } }',
      '  chain in {',
      '    type filter hook input priority -3; policy accept;',
      '    meta l4proto tcp meta mark set ip daddr . tcp dport map @tcp_map return',
      '    meta l4proto udp meta mark set ip daddr . udp dport map @udp_map return',
      '  }',
      '}',
      'add table ip6 lb',
      'delete table ip6 lb',
      'table ip6 lb {',
      '  map tcp_map { type ipv6_addr . inet_service : mark; flags interval; elements = { 2001:db8::10 . 80 : 1000 } }',
      '  chain in {',
      '    type filter hook input priority -3; policy accept;',
      '    meta l4proto tcp meta mark set ip6 daddr . tcp dport map @tcp_map return',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const counted = grouped('    nftables_ipvs\n    nftables_counters');
  const lines = nftablesIpvsScript(counted.globalDefs.nftablesIpvs!, counted, assignFwmarks(counted)).split('\n');
  t.is(lines[3], '  map tcp_map { type ipv4_addr . inet_service : mark; flags interval; counter; elements = { 192.0.2.10-192.0.2.12 . 80 : 1000, 198.51.100.0-198.51.100.3 . 443 : 1000, 192.0.2.53 . 53 : 1002 } }');
  t.is(lines[7], '    meta l4proto tcp meta mark set ip daddr . tcp dport map @tcp_map counter return');
  t.is(nftablesIpvsRemoval('lb'), 'add table ip lb\ndelete table ip lb\nadd table ip6 lb\ndelete table ip6 lb\n');
});
