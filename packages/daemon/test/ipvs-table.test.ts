import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, formatDiagnostic, type Config, type RealServer } from '@tandem/config';
import { desiredForVirtualServer, groupEntryAddresses, nextQuorum, serviceKeys } from '../src/ipvs-table.js';

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
    [['198.51.100.11', 80, 0], ['198.51.100.250', 8080, 1]],
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
