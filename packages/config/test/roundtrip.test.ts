import test from 'ava';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic, load, printConfig, sameValue, type Config, type VirtualAddress, type VirtualServer, type VrrpInstance } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-rt-'));
const pos = { file: 'generated', line: 1, col: 1 };
const v4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((p) => p.join('.'));
const v6 = fc.array(fc.integer({ min: 1, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);

function vipArb(family: 4 | 6): fc.Arbitrary<VirtualAddress> {
  return fc.record(
    {
      address: family === 4 ? v4 : v6,
      prefix: fc.integer({ min: 1, max: family === 4 ? 32 : 128 }),
      dev: word,
      label: word.map((w) => `eth0:${w}`),
      scope: fc.constantFrom('global' as const, 'site' as const, 'link' as const, 'host' as const),
      broadcast: family === 4 ? v4 : fc.constant(undefined),
    },
    { requiredKeys: ['address', 'prefix'] },
  ).map((v) => ({ ...v, family, pos }) as VirtualAddress);
}

const anyInstanceArb = (name: string, vrid: number): fc.Arbitrary<VrrpInstance> =>
  fc.constantFrom<4 | 6>(4, 6).chain((family) =>
    fc.constantFrom<2 | 3>(2, 3).chain((v) => {
      const version: 2 | 3 = family === 6 ? 3 : v;
      return fc.record({
        name: fc.constant(name),
        pos: fc.constant(pos),
        state: fc.constantFrom('MASTER' as const, 'BACKUP' as const, undefined),
        interface: fc.constantFrom('eth0', 'eth1', 'bond0.7'),
        virtualRouterId: fc.constant(vrid),
        priority: fc.integer({ min: 1, max: 255 }),
        advertInt: version === 2 ? fc.integer({ min: 1, max: 255 }) : fc.integer({ min: 1, max: 4095 }).map((k) => k / 100),
        version: fc.constant(version),
        family: fc.constant(family),
        nopreempt: fc.boolean(),
        preemptDelay: fc.integer({ min: 0, max: 1000 }),
        accept: fc.boolean(),
        authentication: version === 2 ? fc.option(fc.stringMatching(/^[A-Za-z0-9]{1,8}$/).map((p) => ({ type: 'PASS' as const, password: p, pos })), { nil: undefined }) : fc.constant(undefined),
        virtualIpaddress: fc.array(vipArb(family), { minLength: 1, maxLength: 4 }),
        virtualIpaddressExcluded: fc.array(vipArb(family === 4 ? 6 : 4), { maxLength: 2 }),
        unicastSrcIp: fc.option(family === 4 ? v4 : v6, { nil: undefined }),
        unicastPeer: fc.array(family === 4 ? v4 : v6, { maxLength: 3 }),
        downTimerAdverts: fc.integer({ min: 1, max: 100 }),
        higherPrioSendAdvert: fc.boolean(),
        strict: fc.constant(false),
        lowerPrioNoAdvert: fc.boolean(),
        skipCheckAdvAddr: fc.boolean(),
        checkUnicastSrc: fc.boolean(),
        unicastTtl: fc.constant(255),
        unicastFaultNoPeer: fc.boolean(),
        promoteSecondaries: fc.boolean(),
        mcastGroup: family === 4 ? fc.constantFrom('224.0.0.18', '239.1.2.3') : fc.constantFrom('ff02::12', 'ff05::1:3'),
        tracking: fc.record({
          trackScript: fc.subarray(['chk_a', 'chk_b']).chain((names) =>
            fc.tuple(...names.map((name) => fc.option(fc.integer({ min: -253, max: 253 }), { nil: undefined }).map((w) => ({ name, ...(w !== undefined ? { weight: w } : {}), reverse: false, pos }))))),
          trackInterface: fc.constant([]),
          trackFile: fc.constant([]),
          trackProcess: fc.subarray(['haproxy', 'sshd']).map((names) => names.map((name) => ({ name, reverse: false, pos }))),
          // Weight 0: a member of the generated sync group may not have a weighted track_bfd.
          trackBfd: fc.subarray(['bfd_a', 'bfd_b']).map((names) => names.map((name) => ({ name, weight: 0, reverse: false, pos }))),
          notify: fc.record({ master: fc.constant({ command: '/usr/local/bin/notify.sh MASTER', user: 'nobody', pos }) }, { requiredKeys: [] }),
        }),
        dontTrackPrimary: fc.boolean(),
        bfdTakeover: fc.subarray(['bfd_a']).map((names) => names.map((name) => ({ name, pos, masterAddresses: [family === 4 ? '192.0.2.250' : 'fe80::2'] }))),
        virtualRoutes: fc.constant(
          family === 4
            ? [
                { type: 'unicast' as const, destination: '198.51.100.0', prefix: 24, family: 4 as const, via: '192.0.2.254', table: 100, onlink: false, pos },
                {
                  type: 'unicast' as const,
                  destination: '203.0.113.0',
                  prefix: 24,
                  family: 4 as const,
                  onlink: true,
                  nexthops: [
                    { via: '192.0.2.1', dev: 'eth1', weight: 3, onlink: true },
                    { via: '192.0.2.2', onlink: false },
                  ],
                  pos,
                },
              ]
            : [{ type: 'blackhole' as const, destination: '2001:db8:9::', prefix: 48, family: 6 as const, onlink: false, pos }],
        ),
        virtualRules: fc.constant(family === 4 ? [{ family: 4 as const, from: { address: '192.0.2.0', prefix: 24 }, table: 100, preference: 100, invert: false, pos }] : []),
        garp: fc.record(
          { masterDelay: fc.integer({ min: 0, max: 100 }), masterRepeat: fc.integer({ min: 1, max: 255 }), masterRefresh: fc.integer({ min: 0, max: 600 }), masterRefreshRepeat: fc.integer({ min: 1, max: 9 }), lowerPrioRepeat: fc.integer({ min: 0, max: 9 }), lowerPrioDelay: fc.integer({ min: 0, max: 60 }) },
          { requiredKeys: [] },
        ),
      }).chain(withHmac);
    }),
  );

/** keepalived 2.4's auth_hmac, on some of the instances without legacy authentication. */
const hmacArb: fc.Arbitrary<NonNullable<VrrpInstance['authHmac']>> = fc
  .record({
    ids: fc.uniqueArray(fc.integer({ min: 1, max: 255 }), { minLength: 1, maxLength: 3 }),
    lengths: fc.array(fc.integer({ min: 32, max: 64 }), { minLength: 3, maxLength: 3 }),
    mode: fc.constantFrom('enforce' as const, 'permissive' as const, 'receive-only' as const),
    antiReplay: fc.constantFrom('time' as const, 'monotonic' as const),
    timeWindow: fc.integer({ min: 1, max: 300 }),
  })
  .map(({ ids, lengths, mode, antiReplay, timeWindow }) => ({
    keys: ids.map((id, i) => ({ id, keyHex: Buffer.alloc(lengths[i]!, id).toString('hex') })),
    activeKey: ids[0]!,
    mode,
    antiReplay,
    timeWindow: antiReplay === 'time' ? timeWindow : 0,
    pos,
  }));

function withHmac(i: VrrpInstance): fc.Arbitrary<VrrpInstance> {
  if (i.authentication !== undefined) return fc.constant(i);
  return fc.option(hmacArb, { nil: undefined }).map((h) => (h === undefined ? i : { ...i, authHmac: h }));
}

/** An instance as keepalived holds it once read: preemption settings that cannot work together corrected (vrrp.c). */
const instanceArb = (name: string, vrid: number): fc.Arbitrary<VrrpInstance> =>
  anyInstanceArb(name, vrid).map((i) => {
    const nopreempt = i.nopreempt && i.priority !== 255 && i.state !== 'MASTER';
    return { ...i, nopreempt, preemptDelay: i.state === 'MASTER' || nopreempt ? 0 : i.preemptDelay };
  });

const vsArb = (port: number): fc.Arbitrary<VirtualServer> =>
  fc
    .record({
      address: v4,
      lbAlgo: fc.constantFrom('rr' as const, 'wrr' as const, 'wlc' as const, 'sh' as const, 'mh' as const),
      forwarding: fc.constantFrom({ kind: 'NAT' as const }, { kind: 'DR' as const }, { kind: 'TUN' as const, tunnel: { type: 'gue' as const, port: 6080, checksum: 'csum' as const } }),
      protocol: fc.constantFrom('TCP' as const, 'SCTP' as const),
      delayLoop: fc.integer({ min: 1, max: 600 }),
      quorum: fc.integer({ min: 1, max: 10 }),
      hysteresis: fc.nat(3),
      // keepalived ignores a virtual server without real servers, and lowers a quorum above their weight.
      reals: fc.uniqueArray(v4, { minLength: 1, maxLength: 3 }),
      checker: fc.constantFrom('TCP_CHECK' as const, 'HTTP_GET' as const, 'DNS_CHECK' as const),
    })
    .map((r) => ({
      name: `${r.address}:${port}/${r.protocol}`,
      key: { kind: 'address', address: r.address, family: 4, port },
      pos,
      protocol: r.protocol,
      lbAlgo: r.lbAlgo,
      forwarding: r.forwarding,
      schedulerFlags: [],
      ops: false,
      delayLoop: r.delayLoop,
      quorum: Math.min(r.quorum, r.reals.length),
      hysteresis: Math.min(r.hysteresis, Math.min(r.quorum, r.reals.length) - 1),
      sorryServerInhibit: false,
      inhibitOnFailure: false,
      alpha: false,
      omega: false,
      options: { delayLoop: r.delayLoop, alpha: false },
      realServers: r.reals.map((a) => ({
        address: a,
        family: 4 as const,
        port,
        pos,
        weight: 1,
        options: {},
        checkers: [
          r.checker === 'HTTP_GET'
            ? { kind: 'HTTP_GET' as const, pos, options: { connectTimeout: 3 }, urls: [{ path: '/health', statusCodes: [[200, 299] as const], pos }] }
            : r.checker === 'DNS_CHECK'
              ? { kind: 'DNS_CHECK' as const, pos, options: {}, type: 'A' as const, name: 'example.org' }
              : { kind: 'TCP_CHECK' as const, pos, options: { connectPort: port } },
        ],
      })),
    }));

/** Two sessions every generated instance may name (VRRP hears of both). */
const bfdArb = fc.tuple(
  ...(['bfd_a', 'bfd_b'] as const).map((name, i) =>
    fc.record(
      {
        name: fc.constant(name),
        pos: fc.constant(pos),
        neighborIp: fc.constant(`198.51.100.${i + 1}`),
        family: fc.constant(4 as const),
        sourceIp: fc.constant('198.51.100.200'),
        minRxUs: fc.integer({ min: 1000, max: 9_999_999 }),
        minTxUs: fc.integer({ min: 1, max: 300 }).map((ms) => ms * 1000),
        idleTxUs: fc.integer({ min: 1000, max: 5000 }).map((ms) => ms * 1000),
        multiplier: fc.integer({ min: 1, max: 255 }),
        passive: fc.boolean(),
        ttl: fc.integer({ min: 200, max: 255 }),
        multihop: fc.boolean(),
        maxHops: fc.integer({ min: 0, max: 200 }),
        weight: fc.integer({ min: -253, max: 253 }),
        weightReverse: fc.boolean(),
        vrrp: fc.constant(true),
        checker: fc.boolean(),
      },
      { requiredKeys: ['name', 'pos', 'neighborIp', 'family', 'minRxUs', 'minTxUs', 'idleTxUs', 'multiplier', 'passive', 'ttl', 'multihop', 'maxHops', 'weight', 'weightReverse', 'vrrp', 'checker'] },
    ),
  ),
);

const configArb: fc.Arbitrary<Config> = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }))
  .chain(([n, m]) =>
    fc.record({
      instances: fc.tuple(...Array.from({ length: n }, (_, i) => instanceArb(`VI_${i}`, i + 1))),
      servers: fc.tuple(...Array.from({ length: m }, (_, i) => vsArb(80 + i))),
      routerId: fc.option(word, { nil: undefined }),
      refresh: fc.integer({ min: 0, max: 100 }),
      bfd: bfdArb,
    }),
  )
  .map(({ instances, servers, routerId, refresh, bfd }) => ({
    file: 'generated',
    globalDefs: {
      routerId,
      vrrpVersion: 2,
      vrrpGarpMasterDelay: 5,
      vrrpGarpMasterRepeat: 5,
      vrrpGarpMasterRefresh: refresh,
      vrrpGarpMasterRefreshRepeat: 1,
      vrrpGarpLowerPrioRepeat: undefined,
      vrrpGarpLowerPrioDelay: refresh > 90 ? 3 : 0,
      vrrpDownTimerAdverts: 3,
      vrrpHigherPrioSendAdvert: undefined,
      vrrpStrict: false,
      vrrpSkipCheckAdvAddr: false,
      vrrpCheckUnicastSrc: false,
      vrrpStartupDelay: refresh > 80 ? 2.5 : 0,
      vrrpMcastGroup4: '224.0.0.18',
      vrrpMcastGroup6: 'ff02::12',
      vrrpGarpInterval: refresh > 60 ? 0.05 : 0,
      vrrpGnaInterval: refresh > 70 ? 1.5 : 0,
      vrrpLowerPrioNoAdvert: undefined,
      scriptUser: routerId === undefined ? undefined : { user: 'nobody', group: 'nogroup' },
      enableScriptSecurity: true,
      scriptSecurityAsked: refresh > 3,
      lvsFlush: refresh > 0,
      lvsFlushOnStop: refresh > 1 ? 'vs' : 'no',
      lvsTimeouts: refresh > 2 ? { tcp: 900, udp: 60 } : undefined,
      lvsSyncDaemon: instances[0] !== undefined && refresh > 0 ? { interface: 'eth0', instance: instances[0].name, syncId: refresh, pos } : undefined,
      vrrpFirewall:
        refresh % 4 === 0
          ? { kind: 'none' as const }
          : refresh % 4 === 1
            ? { kind: 'nftables' as const, table: 'tandem_no_accept', priority: 0, counters: false, from: 'default' as const }
            : refresh % 4 === 2
              ? { kind: 'nftables' as const, table: 'ka_filter', priority: -5, counters: true, from: 'nftables' as const }
              : { kind: 'nftables' as const, table: 'keepalived', priority: -1, counters: false, from: 'vrrp_iptables' as const },
      notifyFifos: refresh > 50 ? { vrrp: { path: '/run/tandem.fifo', user: 'nobody', pos, script: { command: '/usr/local/bin/read-fifo', pos } } } : {},
      bfdProcess: refresh > 40 ? { rtPriority: 10, priority: -5, rlimitRttimeUs: 20_000, processName: 'tandem_bfd', cpuAffinity: [0], noSwap: false } : { noSwap: false },
      vrrpProcess: refresh > 60 ? { rtPriority: 20, rlimitRttimeUs: 50_000, processName: 'tandem_vrrp', cpuAffinity: [1], noSwap: false } : refresh > 30 ? { priority: -15, noSwap: false } : { noSwap: false },
      ...(refresh > 45 ? { startupScript: { command: '/usr/local/bin/start-up --now', user: 'nobody', pos }, shutdownScript: { command: '/usr/local/bin/shut-down', pos } } : {}),
      startupScriptTimeout: refresh > 55 ? 30 : 10,
      shutdownScriptTimeout: refresh > 65 ? 1000 : 10,
      smtp:
        refresh > 20
          ? {
              to: ['ops@example.com', 'noc@example.org'],
              from: 'lb@example.com',
              server: { host: refresh > 75 ? '2001:db8::25' : refresh > 60 ? 'mail.example.com' : '192.0.2.25', port: refresh > 85 ? 2525 : 25, pos },
              connectTimeout: refresh > 35 ? 5 : 30,
              heloName: 'lb1.example.com',
              alert: true,
              ...(refresh > 50 ? { alertVrrp: false, alertChecker: true } : {}),
              noEmailFaults: refresh > 90,
              noCheckerEmails: refresh > 95,
            }
          : { to: [], connectTimeout: 30, noEmailFaults: false, noCheckerEmails: false },
    },
    bfdInstances: bfd,
    vrrpInstances: instances,
    staticAddresses: refresh > 10 ? [{ address: '192.0.2.250', prefix: 24, family: 4 as const, dev: 'eth0', pos, ...(refresh > 75 ? { trackGroup: 'TG' } : {}) }] : [],
    staticRoutes: refresh > 20 ? [{ type: 'unicast' as const, destination: '0.0.0.0', prefix: 0, family: 4 as const, via: '192.0.2.1', dev: 'eth0', metric: 10, onlink: false, pos, ...(refresh > 85 ? { trackGroup: 'TG' } : {}) }] : [],
    staticRules: refresh > 30 ? [{ family: 6 as const, to: { address: '2001:db8::', prefix: 32 }, table: 254, preference: 7, invert: true, pos, ...(refresh > 95 ? { iif: 'eth0', trackGroup: 'TG' } : {}) }] : [],
    ...(refresh > 75 ? { trackGroups: [{ name: 'TG', pos, group: instances.map((i) => i.name) }] } : {}),
    virtualServerGroups: [],
    virtualServers: servers,
    vrrpScripts: ['chk_a', 'chk_b'].map((name, i) => ({
      name,
      pos,
      script: { command: `/usr/local/bin/${name} --quick`, pos },
      interval: i + 1,
      weight: -20 * i,
      reverse: false,
      rise: 2,
      fall: 3,
      initFail: i === 1,
      ...(i === 0 ? { timeout: 1.5 } : {}),
    })),
    trackFiles: [],
    trackProcesses: [
      { name: 'haproxy', pos, process: 'haproxy', params: [], paramMatch: 'none' as const, fullCommand: false, weight: -20 + (refresh % 5), reverse: refresh % 2 === 0, quorum: 1, quorumMax: Number.MAX_SAFE_INTEGER, terminateDelay: 0, forkDelay: 0 },
      { name: 'sshd', pos, process: '/usr/sbin/sshd', params: ['-D', '-f', '/etc/ssh/sshd config'], paramMatch: 'partial' as const, fullCommand: true, weight: 0, reverse: false, quorum: 2, quorumMax: 4, terminateDelay: 0.5, forkDelay: 1.25 },
    ],
    syncGroups: instances.length > 1 ? [{ name: 'SG', pos, group: instances.map((i) => i.name), syncGroupTrackingWeight: false, tracking: { trackScript: [], trackInterface: [], trackFile: [], trackProcess: [], trackBfd: [], notify: {} } }] : [],
  }));

test('property: a generated model printed as keepalived.conf loads back into the same model', (t) => {
  let n = 0;
  fc.assert(
    fc.property(configArb, (model) => {
      const path = join(dir, `c${n++}.conf`);
      const text = printConfig(model);
      writeFileSync(path, text);
      const r = load(path);
      // What tandem cannot run yet is refused as CONF_ERR_UNSUPPORTED; the model must still round-trip.
      const errors = r.errors.filter((e) => e.code !== 'CONF_ERR_UNSUPPORTED');
      if (errors.length > 0 || r.model === undefined) throw new Error(`${errors.map(formatDiagnostic).join('\n')}\n---\n${text}`);
      const back = { ...r.model, file: 'generated' };
      if (!sameValue(back, model)) throw new Error(`differs:\n${JSON.stringify(back)}\n${JSON.stringify(model)}\n---\n${text}`);
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
