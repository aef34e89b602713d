// What the checker side tells as it stops and as a reload takes services away, as keepalived
// 2.2.7's ipwrapper.c does (clear_services, clear_service_vs, clear_service_rs,
// clear_diff_services): the `Shutting down service` / `Removing service` lines before IPVS lets
// go, then realServerStateChange for each real server that was up and in IPVS and
// virtualServerQuorumStateChange for each virtual server (shutdown(3) at the stop), omega or
// not. The kernel is an in-memory table that records what it is sent, in one timeline with the
// log lines and the traps; the traps are checked down to their varbinds (snmp-check-traps.ts).
import test from 'ava';
import { describeOperation, type IpvsClient, type Operation, type OperationResult } from '@tandem/ipvs';
import { LvsService } from '../src/lvs-service.js';
import { checkerTrapVarbinds, type CheckerTrap } from '../src/snmp-check-traps.js';
import type { Logger } from '../src/logger.js';
import { configFrom } from './fake-host.js';

/** An IPVS that applies nothing and writes each operation into the timeline. */
class RecordingIpvs {
  constructor(private readonly events: string[]) {}
  table(): Promise<[]> {
    return Promise.resolve([]);
  }
  apply(ops: readonly Operation[]): Promise<OperationResult[]> {
    for (const op of ops) this.events.push(`ipvs: ${describeOperation(op)}`);
    return Promise.resolve(ops.map((operation) => ({ operation })));
  }
  flush(): Promise<void> {
    this.events.push('ipvs: flush');
    return Promise.resolve();
  }
}

/** A trap in words: `rs ADDRESS up|down UP/TOTAL` or `quorum VS STATUS UP/TOTAL`. */
const said = (t: CheckerTrap): string =>
  t.kind === 'realServer' ? `trap: rs ${t.rs.address} ${t.up ? 'up' : 'down'} ${t.realUp}/${t.realTotal}` : `trap: quorum ${t.vs.name} ${t.status} ${t.realUp}/${t.realTotal}`;

const file = (globals: string, omega = ''): string => `global_defs {
  router_id lb1
${globals}}
bfd_instance b1 {
    neighbor_ip 198.51.100.11
    checker
}
bfd_instance b2 {
    neighbor_ip 198.51.100.12
    checker
}
virtual_server 192.0.2.100 80 {
    protocol TCP
${omega}    real_server 198.51.100.11 80 {
        BFD_CHECK {
            name b1
        }
    }
    real_server 198.51.100.12 80 {
        inhibit_on_failure
        BFD_CHECK {
            name b2
        }
    }
    real_server 198.51.100.13 80 {
    }
}
virtual_server fwmark 7 {
    protocol UDP
    real_server 198.51.100.21 53 {
    }
}
`;

async function started(text: string, ipvs = true): Promise<{ lvs: LvsService; events: string[]; traps: CheckerTrap[] }> {
  const events: string[] = [];
  const traps: CheckerTrap[] = [];
  const keep = (level: string) => (m: string): void => {
    if (/Shutting down|Removing|no longer exist/.test(m)) events.push(`${level}: ${m}`);
  };
  const log: Logger = { error: keep('error'), warn: keep('warn'), info: keep('info'), debug: () => undefined, child: () => log };
  const lvs = new LvsService(log);
  lvs.onCheckerTrap = (t) => {
    traps.push(t);
    events.push(said(t));
  };
  const config = configFrom(text);
  if (ipvs) await lvs.start(config, new RecordingIpvs(events) as unknown as IpvsClient);
  else await lvs.start(config, undefined, 'no IPVS in this test');
  events.length = 0;
  return { lvs, events, traps };
}

test('stop: IPVS lets go, each real server is logged "Shutting down service", then a trap for each one that was up and one shutdown(3) quorum trap per virtual server, without omega', async (t) => {
  const { lvs, events, traps } = await started(file(''));
  lvs.bfdEvent('b2', false);
  events.length = 0;
  traps.length = 0;
  await lvs.stop();
  t.deepEqual(events, [
    // The services go last first (planChanges: the kernel's trash then suits a restart).
    'ipvs: delete service FWM 7',
    'ipvs: delete service TCP 192.0.2.100:80',
    'info: Shutting down service [198.51.100.11]:tcp:80 from VS [192.0.2.100]:tcp:80',
    'info: Shutting down (inhibited) service [198.51.100.12]:tcp:80 from VS [192.0.2.100]:tcp:80',
    'info: Shutting down service [198.51.100.13]:tcp:80 from VS [192.0.2.100]:tcp:80',
    'info: Shutting down service [198.51.100.21]:udp:53 from VS FWM 7',
    // keepalived takes its real servers down one by one: each trap counts the ones still up.
    'trap: rs 198.51.100.11 down 1/3',
    'trap: rs 198.51.100.13 down 0/3',
    'trap: quorum 192.0.2.100:80/TCP shutdown 0/3',
    'trap: rs 198.51.100.21 down 0/1',
    'trap: quorum fwmark 7 shutdown 0/1',
  ]);
  t.is(traps.length, 5);
});

test('stop: the traps are keepalived\'s check_snmp_rs_trap varbinds, column OIDs without a row index, in its order', (t) => {
  const config = configFrom(file(''));
  const [web, mark] = config.virtualServers as [NonNullable<(typeof config.virtualServers)[0]>, NonNullable<(typeof config.virtualServers)[0]>];
  const words = (trap: CheckerTrap): string[] => {
    const { oid, varbinds } = checkerTrapVarbinds(trap, 'lb1');
    return [oid.join('.'), ...varbinds.map((v) => `${v.oid.join('.')} ${v.type} ${Buffer.isBuffer(v.value) ? [...v.value].join('.') : String(v.value)}`)];
  };
  const C = '1.3.6.1.4.1.9586.100.5.3';
  t.deepEqual(words({ kind: 'realServer', vs: web, rs: web.realServers[0]!, up: false, realUp: 1, realTotal: 3 }), [
    `${C}.5.0.1`,
    `${C}.4.1.3 Integer 1`,
    `${C}.4.1.4 OctetString 198.51.100.11`,
    `${C}.4.1.5 Gauge32 80`,
    `${C}.4.1.6 Integer 2`,
    `${C}.3.1.2 Integer 2`,
    `${C}.3.1.5 Integer 1`,
    `${C}.3.1.6 OctetString 192.0.2.100`,
    `${C}.3.1.7 Gauge32 80`,
    `${C}.3.1.8 Integer 1`,
    `${C}.3.1.21 Gauge32 1`,
    `${C}.3.1.20 Gauge32 3`,
    '1.3.6.1.4.1.9586.100.5.1.2.0 OctetString lb1',
  ]);
  // A fwmark service: its mark instead of an address; UDP is false(2) in keepalived's TruthValue(TCP).
  t.deepEqual(words({ kind: 'quorum', vs: mark, status: 'shutdown', realUp: 0, realTotal: 1 }), [
    `${C}.5.0.2`,
    `${C}.3.1.2 Integer 1`,
    `${C}.3.1.4 Gauge32 7`,
    `${C}.3.1.8 Integer 2`,
    `${C}.3.1.23 Integer 3`,
    `${C}.3.1.22 Gauge32 1`,
    `${C}.3.1.21 Gauge32 0`,
    `${C}.3.1.20 Gauge32 1`,
    '1.3.6.1.4.1.9586.100.5.1.2.0 OctetString lb1',
  ]);
});

test('stop with omega: the same traps and lines; without IPVS (the namespace tests) too', async (t) => {
  const withOmega = await started(file('', '    omega\n'));
  await withOmega.lvs.stop();
  const noIpvs = await started(file(''), false);
  await noIpvs.lvs.stop();
  const traps = (e: string[]): string[] => e.filter((l) => l.startsWith('trap'));
  t.deepEqual(traps(withOmega.events), ['trap: rs 198.51.100.11 down 2/3', 'trap: rs 198.51.100.12 down 1/3', 'trap: rs 198.51.100.13 down 0/3', 'trap: quorum 192.0.2.100:80/TCP shutdown 0/3', 'trap: rs 198.51.100.21 down 0/1', 'trap: quorum fwmark 7 shutdown 0/1']);
  t.deepEqual(traps(noIpvs.events), traps(withOmega.events));
  t.is(noIpvs.events.filter((l) => l.includes('Shutting down service')).length, 4);
});

test('stop with lvs_flush_on_stop: no real server lines or traps, a quorum trap per virtual server counting the servers up; --dont-release-ipvs: nothing at all', async (t) => {
  const flushed = await started(file('  lvs_flush_on_stop\n'));
  await flushed.lvs.stop();
  t.deepEqual(flushed.events, ['ipvs: flush', 'trap: quorum 192.0.2.100:80/TCP shutdown 3/3', 'trap: quorum fwmark 7 shutdown 1/1']);
  const kept = await started(file(''));
  await kept.lvs.stop(false);
  t.deepEqual(kept.events, []);
});

test('reload: a real server taken away is logged "no longer exist" and "Removing service" before IPVS lets go and trapped down after, counted in the old file; a removed virtual server loses its quorum (notMet)', async (t) => {
  const { lvs, events } = await started(file(''));
  const without13 = file('').replace('    real_server 198.51.100.13 80 {\n    }\n', '');
  const b = configFrom(without13.slice(0, without13.indexOf('virtual_server fwmark 7')));
  await lvs.reload(b);
  t.deepEqual(events, [
    'info: service [198.51.100.13]:tcp:80 no longer exist',
    'info: Removing service [198.51.100.13]:tcp:80 from VS [192.0.2.100]:tcp:80',
    'info: Removing Virtual Server FWM 7',
    'info: Removing service [198.51.100.21]:udp:53 from VS FWM 7',
    'ipvs: delete service FWM 7',
    'ipvs: delete destination TCP 192.0.2.100:80 -> 198.51.100.13:80',
    'trap: rs 198.51.100.13 down 2/3',
    'trap: rs 198.51.100.21 down 0/1',
    'trap: quorum fwmark 7 notMet 0/1',
  ]);
  await lvs.stop();
});

test('reload: a virtual server that stays and loses its quorum with the real servers taken away says so after them (keepalived\'s update_vs_notifies of the old one), counted in the old file; one that keeps it says nothing', async (t) => {
  const quorum = (n: number): string => file('', `    quorum ${n}\n`);
  const drop13 = (text: string): string => text.replace('    real_server 198.51.100.13 80 {\n    }\n', '');
  // 198.51.100.12 is down (its BFD session): 11 and 13 hold a quorum of 2 until 13 goes.
  const lost = await started(quorum(2));
  lost.lvs.bfdEvent('b2', false);
  lost.events.length = 0;
  await lost.lvs.reload(configFrom(drop13(quorum(2))));
  t.deepEqual(
    lost.events.filter((e) => e.startsWith('trap:')),
    ['trap: rs 198.51.100.13 down 1/3', 'trap: quorum 192.0.2.100:80/TCP notMet 1/3'],
  );
  t.is(lost.lvs.status().find((v) => v.name === '192.0.2.100:80/TCP')?.quorum, 'down');
  await lost.lvs.stop();
  const kept = await started(quorum(1));
  kept.lvs.bfdEvent('b2', false);
  kept.events.length = 0;
  await kept.lvs.reload(configFrom(drop13(quorum(1))));
  t.deepEqual(
    kept.events.filter((e) => e.startsWith('trap:')),
    ['trap: rs 198.51.100.13 down 1/3'],
  );
  await kept.lvs.stop();
});
