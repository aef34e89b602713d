import test from 'ava';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic, load, realServerPort, servicePersistence, type ConfigErrorCode, type VirtualServer } from '../src/index.js';

function loadText(text: string) {
  const p = join(mkdtempSync(join(tmpdir(), 'tandem-lvs-')), 'k.conf');
  writeFileSync(p, text);
  const r = load(p);
  return { r, real: r.errors, path: p };
}

const nat = `virtual_server 192.0.2.100 80 {
    delay_loop 6
    lb_algo wrr
    lb_kind NAT
    persistence_timeout
    protocol TCP
    sorry_server 198.51.100.200 8080
    quorum 2
    hysteresis 1
    real_server 198.51.100.11 80 {
        weight 3
        inhibit_on_failure
        HTTP_GET {
            url {
                path /health
                digest 640205B7B0FC66C1EA91C463FAC6334D
                status_code 200 301-302
            }
            connect_timeout 3
            nb_get_retry 2
            delay_before_retry 1
        }
    }
    real_server 198.51.100.12 80 {
        TCP_CHECK {
            connect_port 8080
        }
        MISC_CHECK {
            misc_path "/usr/local/bin/check.sh 198.51.100.12"
            misc_dynamic
        }
    }
}
`;

test('a NAT virtual server with HTTP_GET, TCP_CHECK and MISC_CHECK real servers is modelled with keepalived defaults', (t) => {
  const { r, real } = loadText(nat);
  t.deepEqual(real.map(formatDiagnostic), []);
  const vs = r.model!.virtualServers[0]!;
  t.like(vs, { name: '192.0.2.100:80/TCP', protocol: 'TCP', lbAlgo: 'wrr', forwarding: { kind: 'NAT' }, persistenceTimeout: 360, delayLoop: 6, quorum: 2, hysteresis: 1 });
  t.like(vs.sorryServer, { address: '198.51.100.200', port: 8080 });
  const [a, b] = vs.realServers;
  t.like(a, { address: '198.51.100.11', port: 80, weight: 3, inhibitOnFailure: true });
  t.like(a!.checkers[0], { kind: 'HTTP_GET', options: { connectTimeout: 3, retry: 2, delayBeforeRetry: 1 } });
  const http = a!.checkers[0]!;
  if (http.kind !== 'HTTP_GET') return t.fail();
  t.like(http.urls[0], { path: '/health', digest: '640205b7b0fc66c1ea91c463fac6334d', statusCodes: [[200, 200], [301, 302]] });
  t.like(b, { weight: 1 });
  t.deepEqual(b!.checkers.map((c) => c.kind), ['TCP_CHECK', 'MISC_CHECK']);
  t.like(b!.checkers[1], { path: '/usr/local/bin/check.sh 198.51.100.12', dynamic: true });
});

test('fwmark and group virtual servers, ranges, prefixes and tunnels', (t) => {
  const { r, real } = loadText(`virtual_server_group WEB {
    192.0.2.1-10 80
    fd00::2-9 443
    198.51.100.0/29 8080
    fwmark 7
}
virtual_server group WEB {
    protocol TCP
    lb_kind TUN type gue port 6080 csum
    real_server 203.0.113.5 {
        TCP_CHECK {
        }
    }
}
virtual_server fwmark 9 {
    lb_algo sh
    sh-port
    lb_kind DR
    real_server 203.0.113.6 {
        PING_CHECK {
        }
    }
}
`);
  t.deepEqual(real.map(formatDiagnostic), []);
  const g = r.model!.virtualServerGroups[0]!;
  t.like(g.entries[0], { kind: 'address', address: '192.0.2.1', last: '192.0.2.10', port: 80 });
  t.like(g.entries[1], { kind: 'address', address: 'fd00::2', last: 'fd00::9', port: 443 });
  t.like(g.entries[2], { kind: 'address', prefix: 29 });
  t.like(g.entries[3], { kind: 'fwmark', mark: 7 });
  const [grp, fw] = r.model!.virtualServers;
  t.like(grp, { name: 'group WEB/TCP', forwarding: { kind: 'TUN', tunnel: { type: 'gue', port: 6080, checksum: 'csum' } } });
  t.like(fw, { name: 'fwmark 9', lbAlgo: 'sh', schedulerFlags: ['sh-port'], forwarding: { kind: 'DR' } });
});

const vs = (body: string, head = '192.0.2.100 80'): string => `virtual_server ${head} {\n${body}}\n`;
const errorCases: Array<[string, string, ConfigErrorCode, number, number, RegExp]> = [
  ['an unknown scheduler', vs('  lb_algo roundrobin\n'), 'CONF_ERR_VALUE', 2, 11, /must be one of rr, wrr/],
  ['a GUE tunnel without a port', vs('  lb_kind TUN type gue\n'), 'CONF_ERR_MISSING', 2, 3, /GUE tunnel needs port/],
  ['a bad status code', vs('  real_server 198.51.100.1 80 {\n    HTTP_GET {\n      url {\n        path /\n        status_code 2xx\n      }\n    }\n  }\n'), 'CONF_ERR_VALUE', 6, 21, /status_code must be/],
  ['a bad digest', vs('  real_server 198.51.100.1 80 {\n    HTTP_GET {\n      url {\n        path /\n        digest abc\n      }\n    }\n  }\n'), 'CONF_ERR_VALUE', 6, 16, /32 hex digits/],
  ['a url without a path', vs('  real_server 198.51.100.1 80 {\n    HTTP_GET {\n      url {\n        digest 640205b7b0fc66c1ea91c463fac6334d\n      }\n    }\n  }\n'), 'CONF_ERR_MISSING', 4, 7, /url needs path/],
  ['an IPv6 real server behind an IPv4 NAT service', vs('  real_server fd00::1 80 {\n  }\n'), 'CONF_ERR_CONFLICT', 2, 3, /address family/],
  ['a missing group', vs('  real_server 198.51.100.1 80 {\n  }\n', 'group NOPE'), 'CONF_ERR_REFERENCE', 1, 1, /no virtual_server_group of that name/],
  ['a misspelt checker keyword', vs('  real_server 198.51.100.1 80 {\n    TCP_CHECK {\n      conect_timeout 3\n    }\n  }\n'), 'CONF_ERR_UNKNOWN_KEYWORD', 4, 7, /did you mean 'connect_timeout'/],
  ['a FILE_CHECK naming no track_file', vs('  real_server 198.51.100.1 80 {\n    FILE_CHECK {\n      track_file nosuch\n    }\n  }\n'), 'CONF_ERR_REFERENCE', 3, 5, /no track_file nosuch/],
];
for (const [what, text, code, line, col, message] of errorCases) {
  test(`refuses ${what} with its position`, (t) => {
    const { r, path } = loadText(text);
    const e = r.errors.find((x) => x.code === code && message.test(x.message));
    if (e === undefined) return t.fail(r.errors.map(formatDiagnostic).join(' | '));
    t.is(formatDiagnostic(e).slice(0, path.length + `:${line}:${col}:`.length), `${path}:${line}:${col}:`);
  });
}

test('lvs_flush, lvs_flush_on_stop, lvs_timeouts and lvs_sync_daemon become global settings', (t) => {
  const { r } = loadText(`global_defs {
    lvs_flush
    lvs_flush_on_stop VS
    lvs_timeouts tcp 900 tcpfin 30 udp 60
    lvs_sync_daemon eth1 VI_1 id 7 maxlen 1400 port 8850 ttl 2 group 239.1.1.1
}
vrrp_instance VI_1 {
    interface eth1
    virtual_router_id 7
    priority 100
    virtual_ipaddress {
        192.0.2.100
    }
}
`);
  t.deepEqual(r.errors, []);
  const g = r.config!.globalDefs;
  t.true(g.lvsFlush);
  t.is(g.lvsFlushOnStop, 'vs');
  t.deepEqual(g.lvsTimeouts, { tcp: 900, tcpFin: 30, udp: 60 });
  t.like(g.lvsSyncDaemon, { interface: 'eth1', instance: 'VI_1', syncId: 7, maxlen: 1400, port: 8850, ttl: 2, group: '239.1.1.1' });
});

test('lvs_sync_daemon naming a missing instance is cleared with a warning (keepalived runs no sync daemon then); a bad option is refused at its position', (t) => {
  const { r, path } = loadText(`global_defs {
    lvs_sync_daemon eth1 inst VI_2
    lvs_timeouts tcp
}
vrrp_instance VI_1 {
    interface eth1
    virtual_router_id 7
    priority 100
    virtual_ipaddress {
        192.0.2.100
    }
}
`);
  t.deepEqual(r.errors.map(formatDiagnostic), [`${path}:3:5: lvs_timeouts takes pairs: [tcp SECS] [tcpfin SECS] [udp SECS]`]);
  const missing = loadText(`global_defs {\n    lvs_sync_daemon eth1 inst VI_2\n}\nvrrp_instance VI_1 {\n    interface eth1\n    virtual_router_id 7\n    priority 100\n    virtual_ipaddress {\n        192.0.2.100\n    }\n}\n`);
  t.deepEqual(missing.real, []);
  t.deepEqual(missing.r.warnings.map(formatDiagnostic), [`${missing.path}:2:5: warning: lvs_sync_daemon: no vrrp_instance VI_2; did you mean 'VI_1'?; no sync daemon runs, as keepalived clears it`]);
  t.is(missing.r.config?.globalDefs.lvsSyncDaemon, undefined);
  const bad = loadText(`global_defs {\n    lvs_sync_daemon eth1 id 300 speed 9\n}\n`);
  t.deepEqual(bad.real.map(formatDiagnostic), [`${bad.path}:2:29: lvs_sync_daemon id must be 0-255, got 300`]);
});

const rs = (address: string, port = '', body = ''): string => `  real_server ${address}${port !== '' ? ` ${port}` : ''} {\n${body}  }\n`;
const corrections: Array<[string, string, number, number, RegExp, (vs: VirtualServer | undefined) => unknown, unknown]> = [
  ['no protocol: UDP', vs(rs('198.51.100.1', '80')), 1, 1, /no protocol set, so it is UDP/, (v) => v?.protocol, 'UDP'],
  ['port 0 without persistence: persistent for 360 s', vs(`  protocol TCP\n${rs('198.51.100.1')}`, '192.0.2.100'), 1, 1, /only valid for a persistent service, so persistence_timeout is 360 s/, (v) => v?.persistenceTimeout, 360],
  ['a real server twice: the second removed', vs(`  protocol TCP\n${rs('198.51.100.1', '80', '    weight 2\n')}${rs('198.51.100.1', '80')}`), 6, 3, /appears twice .* the second is removed/, (v) => v?.realServers.map((r) => r.weight), [2]],
  ['ops on a TCP service: reset', vs(`  protocol TCP\n  ops\n${rs('198.51.100.1', '80')}`), 1, 1, /ops \(one-packet scheduling\) is for UDP services; ignored/, (v) => v?.ops, false],
  ['a quorum above the total weight: lowered, and the hysteresis below it', vs(`  protocol TCP\n  quorum 10\n  hysteresis 5\n${rs('198.51.100.1', '80', '    weight 3\n')}`), 1, 1, /quorum 10 exceeds the real servers' total weight 3; lowered to 3/, (v) => [v?.quorum, v?.hysteresis], [3, 2]],
  ['a DR real server on another port: IPVS gets the service\'s', vs(`  protocol TCP\n  lb_kind DR\n${rs('198.51.100.1', '8080')}`), 4, 3, /port 8080 is not the virtual server's \(80\).*IPVS gets 80/, (v) => realServerPort(v!.realServers[0]!, v!.forwarding, 80, 'address'), 80],
  ['a DR real server of a fwmark service with a port: IPVS gets none', vs(`  lb_kind DR\n${rs('198.51.100.1', '80')}`, 'fwmark 3'), 3, 3, /has port 80, which a DR server cannot use/, (v) => realServerPort(v!.realServers[0]!, v!.forwarding, undefined, 'fwmark'), 0],
  ['a protocol for a fwmark service: ignored', vs(`  protocol TCP\n${rs('198.51.100.1')}`, 'fwmark 3'), 1, 1, /protocol TCP is ignored for a fwmark service/, (v) => v?.key.kind, 'fwmark'],
  ['ha_suspend with a fwmark: cleared', vs(`  ha_suspend\n${rs('198.51.100.1')}`, 'fwmark 3'), 1, 1, /ha_suspend cannot be used with a fwmark .*ignored/, (v) => v?.haSuspend, undefined],
  ['sh-port with another scheduler: ignored', vs(`  protocol TCP\n  lb_algo rr\n  sh-port\n${rs('198.51.100.1', '80')}`), 4, 3, /sh-port applies only to the sh scheduler \(this one is rr\)/, (v) => v?.schedulerFlags, []],
  ['mh-port before lb_algo mh: ignored', vs(`  protocol TCP\n  mh-port\n  lb_algo mh\n${rs('198.51.100.1', '80')}`), 3, 3, /mh-port applies only to the mh scheduler, which must be set before it/, (v) => v?.schedulerFlags, []],
  ['sorry_server_inhibit before sorry_server: ignored', vs(`  protocol TCP\n  sorry_server_inhibit\n  sorry_server 198.51.100.9 80\n${rs('198.51.100.1', '80')}`), 3, 3, /sorry_server_inhibit before \(or without\) sorry_server; ignored/, (v) => v?.sorryServerInhibit, false],
  ['a virtual server defined twice: one service, the second block\'s new real servers join it', `${vs(`  protocol TCP\n  lb_algo rr\n${rs('198.51.100.1', '80')}`)}${vs(`  protocol TCP\n  lb_algo wlc\n${rs('198.51.100.1', '80', '    weight 5\n')}${rs('198.51.100.2', '80')}`)}`, 7, 1, /is defined twice \(first at line 1\): .*first block's settings; its real servers the first lacks \(198.51.100.2 80\) join/, (v) => [v?.lbAlgo, v?.realServers.map((r) => `${r.address} ${r.weight}`)], ['rr', ['198.51.100.1 1', '198.51.100.2 1']]],
  ['no real servers: the virtual server is ignored', vs('  protocol TCP\n  sorry_server 198.51.100.9 80\n'), 1, 1, /has no real servers; ignored, as keepalived ignores it \(a sorry_server alone is not enough\)/, (v) => v, undefined],
];
for (const [what, text, line, col, message, got, want] of corrections) {
  test(`keepalived's correction of ${what}, with a warning at its position`, (t) => {
    const { r, path } = loadText(text);
    t.deepEqual(r.errors.map(formatDiagnostic), []);
    const w = r.warnings.find((x) => message.test(x.message));
    if (w === undefined) return t.fail(r.warnings.map(formatDiagnostic).join(' | '));
    t.is(formatDiagnostic(w).slice(0, path.length + `:${line}:${col}:`.length), `${path}:${line}:${col}:`);
    t.deepEqual(got(r.config?.virtualServers[0]), want);
  });
}

test('real servers repeated in a short list and in a long one: the first of each address and port stays, each repeat warned of at its line', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.constantFrom('', '80', '8080')), { minLength: 1, maxLength: 40 }), (list) => {
      const { r } = loadText(vs(`  protocol TCP\n  persistence_timeout 60\n${list.map(([a, p]) => rs(`198.51.100.${a}`, p)).join('')}`));
      const firsts = list.filter(([a, p], i) => list.findIndex(([b, q]) => b === a && q === p) === i);
      const repeats = r.warnings.filter((w) => /appears twice/.test(w.message)).map((w) => w.pos.line);
      const lines = list.flatMap((x, i) => (firsts.includes(x) ? [] : [4 + 2 * i]));
      return JSON.stringify(r.config?.virtualServers[0]?.realServers.map((x) => `${x.address} ${x.port ?? ''}`)) === JSON.stringify(firsts.map(([a, p]) => `198.51.100.${a} ${p}`)) && JSON.stringify(repeats) === JSON.stringify(lines);
    }),
    { numRuns: 60 },
  );
  t.pass();
});

test('a group\'s virtual server: UDP without a protocol when the group has addresses, persistent when one has no port, and a DR server on another port than an entry is warned of', (t) => {
  const { r } = loadText(`virtual_server_group G {
    192.0.2.1 80
    192.0.2.2
}
virtual_server_group M {
    fwmark 4
}
virtual_server group G {
    lb_kind DR
    real_server 198.51.100.1 8080 {
    }
}
virtual_server group M {
    real_server 198.51.100.1 {
    }
}
`);
  t.deepEqual(r.errors.map(formatDiagnostic), []);
  const said = r.warnings.map((w) => `${w.pos.line}: ${w.message}`);
  t.true(said.some((l) => /^8: .*no protocol set, so it is UDP/.test(l)), said.join(' | '));
  t.true(said.some((l) => /^8: .*has an address without a port.*persistence_timeout is 360 s/.test(l)), said.join(' | '));
  t.true(said.some((l) => /^10: real_server 198.51.100.1 port 8080 is not the port of G's entry at line 2 \(80\)/.test(l)), said.join(' | '));
  // A group of fwmarks only: no protocol to miss (keepalived says nothing either).
  t.false(said.some((l) => l.startsWith('13:')), said.join(' | '));
  const [g, m] = r.config!.virtualServers;
  t.is(servicePersistence(g!, r.config!.virtualServerGroups), 360);
  t.is(servicePersistence(m!, r.config!.virtualServerGroups), undefined);
});

test('keepalived\'s old forms: SMTP_CHECK host blocks become one check each; lvs_sync_daemon_interface becomes the global sync daemon', (t) => {
  const { r } = loadText(`vrrp_instance VI_1 {
    interface eth0
    lvs_sync_daemon_interface eth1
    virtual_router_id 51
    virtual_ipaddress {
        192.0.2.100
    }
}
virtual_server 192.0.2.100 25 {
    protocol TCP
    real_server 198.51.100.1 25 {
        SMTP_CHECK {
            connect_timeout 5
            host {
                connect_ip 198.51.100.2
            }
            host {
                connect_ip 198.51.100.3
                connect_port 2525
            }
        }
    }
}
`);
  t.deepEqual(r.errors, []);
  t.like(r.config!.globalDefs.lvsSyncDaemon, { interface: 'eth1', instance: 'VI_1' });
  // A second one: keepalived keeps the first it read and ignores the other.
  const two = loadText(['VI_1', 'VI_2'].map((n, k) => `vrrp_instance ${n} {\n    interface eth0\n    lvs_sync_daemon_interface eth${k + 1}\n    virtual_router_id ${51 + k}\n    virtual_ipaddress {\n        192.0.2.10${k}\n    }\n}\n`).join(''));
  t.deepEqual(two.real, []);
  t.like(two.r.config!.globalDefs.lvsSyncDaemon, { interface: 'eth1', instance: 'VI_1' });
  t.true(two.r.warnings.some((w) => /\(VI_2\) lvs_sync_daemon_interface eth2: the sync daemon is already set on eth1 \(line 3\); ignored/.test(w.message)), two.r.warnings.map((w) => w.message).join(' | '));
  t.deepEqual(
    r.config!.virtualServers[0]!.realServers[0]!.checkers.map((c) => c.options),
    [
      { connectTimeout: 5, connectIp: '198.51.100.2' },
      { connectTimeout: 5, connectIp: '198.51.100.3', connectPort: 2525 },
    ],
  );
  t.is(r.warnings.length, 3);
});

test('nftables_ipvs [TABLE]: keepalived_ipvs, priority -1 and first fwmark 1000 by default; nftables_ipvs_priority and _start_fwmark count only after it, as keepalived reads them', (t) => {
  const bare = loadText('global_defs {\n    nftables_ipvs\n}\n').r;
  t.deepEqual(bare.errors, []);
  t.deepEqual(bare.config!.globalDefs.nftablesIpvs, { table: 'keepalived_ipvs', priority: -1, startFwmark: 1000 });
  const set = loadText('global_defs {\n    nftables_ipvs lb\n    nftables_ipvs_priority -5\n    nftables_ipvs_start_fwmark 77\n}\n').r;
  t.deepEqual(set.config!.globalDefs.nftablesIpvs, { table: 'lb', priority: -5, startFwmark: 77 });
  // Before nftables_ipvs they are reset by it: ignored, with a warning.
  const early = loadText('global_defs {\n    nftables_ipvs_priority 5\n    nftables_ipvs\n    nftables_ipvs lb2\n}\n').r;
  t.deepEqual(early.config!.globalDefs.nftablesIpvs, { table: 'keepalived_ipvs', priority: -1, startFwmark: 1000 });
  t.deepEqual(early.warnings.map((w) => `${w.pos.line}: ${w.message.replace(/:.*$/, '')}`), ['2: nftables_ipvs_priority is ignored', '4: nftables_ipvs already given; this one is ignored (keepalived']);
  t.is(loadText('global_defs {\n}\n').r.config!.globalDefs.nftablesIpvs, undefined);
  t.regex(loadText('global_defs {\n    nftables_ipvs\n    nftables_ipvs_start_fwmark 0\n}\n').r.errors.map(formatDiagnostic).join(), /nftables_ipvs_start_fwmark/);
});

test('net_namespace_ipvs [NAME] at the top level: the namespace IPVS is programmed in; without a name the default one', (t) => {
  t.is(loadText('net_namespace_ipvs lb\n').r.config!.globalDefs.netNamespaceIpvs, 'lb');
  t.is(loadText('net_namespace_ipvs\n').r.config!.globalDefs.netNamespaceIpvs, '');
  t.is(loadText('global_defs {\n}\n').r.config!.globalDefs.netNamespaceIpvs, undefined);
  const twice = loadText('net_namespace_ipvs a\nnet_namespace_ipvs b\n').r;
  t.is(twice.config!.globalDefs.netNamespaceIpvs, 'a');
  t.regex(twice.warnings.map(formatDiagnostic).join(), /:2:1: warning: net_namespace_ipvs already given/);
  t.regex(loadText('net_namespace_ipvs a b\n').r.errors.map(formatDiagnostic).join(), /net_namespace_ipvs/);
});

test("a group virtual server's family: mixed IPv4/IPv6 groups only with every real server tunnelled, one-family groups only with their family; the others ignored with a warning (keepalived's link_vsg_to_vs)", (t) => {
  const group = (entries: string): string => `virtual_server_group G {\n${entries}}\n`;
  const vs = (body: string): string => `virtual_server group G {\n    lb_kind NAT\n    protocol TCP\n${body}}\n`;
  const mixed = group('    192.0.2.10 80\n    2001:db8::10 80\n');
  const tun = (address: string): string => `    real_server ${address} 80 {\n        lvs_method TUN\n    }\n`;
  const loaded = (text: string): { warnings: string[]; kept: number } => {
    const { r } = loadText(text);
    t.deepEqual(r.errors.map(formatDiagnostic), []);
    return { warnings: r.warnings.map((d) => d.message), kept: r.config!.virtualServers.length };
  };
  const nat = loaded(mixed + vs('    real_server 10.0.0.1 80 {\n    }\n'));
  t.regex(nat.warnings.join(), /has IPv4 and IPv6 addresses.*real_server 10\.0\.0\.1 makes it IPv4; ignored, as keepalived ignores it/);
  t.is(nat.kept, 0);
  t.is(loaded(mixed + vs(tun('10.0.0.1') + tun('2001:db8::1'))).kept, 1, 'every real server tunnelled: mixing is allowed');
  const fam = loaded(mixed + vs(`    ip_family inet6\n${tun('10.0.0.1')}`));
  t.regex(fam.warnings.join(), /ip_family makes it IPv6; ignored/);
  t.is(fam.kept, 0);
  const other = loaded(group('    2001:db8::10 80\n') + vs('    real_server 10.0.0.1 80 {\n    }\n'));
  t.regex(other.warnings.join(), /real_server 10\.0\.0\.1 is IPv4, virtual_server_group G's addresses are not; ignored/);
  t.is(other.kept, 0);
  t.is(loaded(group('    192.0.2.10 80\n    192.0.2.20-30 80\n') + vs('    real_server 10.0.0.1 80 {\n    }\n')).kept, 1);
});

test('a virtual server on an empty virtual_server_group is ignored with a warning, as keepalived removes the group and ignores it', (t) => {
  const { r } = loadText('virtual_server_group G {\n}\nvirtual_server group G {\n    protocol TCP\n    real_server 10.0.0.1 80 {\n    }\n}\n');
  t.deepEqual(r.errors.map(formatDiagnostic), []);
  t.regex(r.warnings.map((d) => d.message).join(), /virtual_server_group G has no entries; ignored, as keepalived ignores it/);
  t.is(r.config!.virtualServers.length, 0);
});

test("notify_up, notify_down, quorum_up and quorum_down take keepalived's SCRIPT [USER [GROUP]]", (t) => {
  const { r, real } = loadText(`virtual_server 192.0.2.100 80 {
    protocol TCP
    quorum_up "/usr/local/bin/vs.sh up" root
    real_server 198.51.100.11 80 {
        notify_up /usr/local/bin/rs.sh
        notify_down /usr/local/bin/rs.sh root root
        TCP_CHECK {
        }
    }
}
`);
  t.deepEqual(real, []);
  const vs = r.config!.virtualServers[0]!;
  t.like(vs.quorumUp, { command: '/usr/local/bin/vs.sh up', user: 'root' });
  t.is(vs.quorumUp?.group, undefined);
  t.like(vs.realServers[0]!.notifyDown, { command: '/usr/local/bin/rs.sh', user: 'root', group: 'root' });
  t.like(vs.realServers[0]!.notifyUp, { command: '/usr/local/bin/rs.sh' });
  t.is(vs.realServers[0]!.notifyUp?.user, undefined);
});

test('persistence_timeout 0 means no persistence, with a warning: keepalived calls 0 invalid and ignores it', (t) => {
  const { r, real } = loadText('virtual_server 192.0.2.100 80 {\n    protocol TCP\n    persistence_timeout 0\n    real_server 198.51.100.11 80 {\n    }\n}\n');
  t.deepEqual(real, []);
  t.is(r.config!.virtualServers[0]!.persistenceTimeout, undefined);
  t.true(r.warnings.some((w) => w.pos.line === 3 && /persistence_timeout 0: no persistence/.test(w.message)));
});
