import type { GlobalDefs, VrrpInstance } from '@tandem/config';
import type { ScriptCounters } from '@tandem/healthcheck';
import { serviceName, type KernelService } from '@tandem/ipvs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { InstanceHistory } from './instance-history.js';
import type { LoopDelay } from './loop-delay.js';
import type { VirtualServerStatus } from './lvs-service.js';
import type { SideStats, SideStatus } from './vrrp/protocol.js';
import { STATE_NUMBER } from './keepalived-dumps.js';

// Prometheus metrics (prom-client), served only when `--metrics-listen ADDR:PORT` is given.
// Figures are read when Prometheus scrapes: the VRRP side's status and counters over IPC, the
// real servers' verdicts, the kernel's IPVS counters; check latencies, reloads and
// transitions are recorded as they happen. docs/operations.md lists every name and label.

/** What one scrape reads. */
export interface MetricsSnapshot {
  readonly instances: readonly VrrpInstance[];
  readonly globals: GlobalDefs;
  readonly status: SideStatus | undefined;
  readonly stats: SideStats | undefined;
  readonly virtualServers: readonly VirtualServerStatus[];
  readonly ipvs: readonly KernelService[] | undefined;
  readonly supervisorLoop: LoopDelay;
  readonly supervisorScripts: ScriptCounters;
  readonly sideRestarts: number;
  readonly reloads: { readonly applied: number; readonly refused: number };
}

/** A check failure's reason, as a bounded label: the words of the reason vary, its kind does not. */
export function failureKind(reason: string): string {
  const kinds: ReadonlyArray<readonly [RegExp, string]> = [
    [/timed? ?out|ETIMEDOUT/i, 'timeout'],
    [/ECONNREFUSED|refused/i, 'refused'],
    [/ECONNRESET|reset/i, 'reset'],
    [/EHOSTUNREACH|ENETUNREACH|unreachable|no route/i, 'unreachable'],
    [/digest/i, 'digest'],
    [/status \d+|status_code/i, 'http-status'],
    [/regex/i, 'regex'],
    [/TLS|SSL|certificate|handshake/i, 'tls'],
    [/DNS|NXDOMAIN|SERVFAIL|resolve/i, 'dns'],
    [/exit \d+|killed by|signal/i, 'script'],
  ];
  return kinds.find(([re]) => re.test(reason))?.[1] ?? 'other';
}

/** `127.0.0.1:9650`, `[::1]:9650`, `:9650` (every address) → host and port; throws on anything else. */
export function parseListen(spec: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(spec);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port < 1 || port > 65535) throw new Error(`--metrics-listen ${spec}: expected ADDR:PORT, [IPv6]:PORT or :PORT`);
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}

// Not `instance`: Prometheus gives every scraped series its target's `instance` label.
const vrrpLabels = ['vrrp_instance', 'interface', 'vrid'] as const;
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * tandemd's metrics registry. `snapshot` is read once per scrape; the `observe*` methods are
 * called as things happen.
 */
export class Metrics {
  readonly registry = new Registry();
  private snap: MetricsSnapshot | undefined;
  private readonly checkDuration: Histogram<'virtual_server' | 'real_server' | 'checker'>;
  private readonly checkFailures: Counter<'virtual_server' | 'real_server' | 'checker' | 'reason'>;
  private readonly reloadDuration: Histogram<'result'>;

  constructor(
    private readonly snapshot: () => Promise<MetricsSnapshot>,
    private readonly history: InstanceHistory,
  ) {
    const r = [this.registry];
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, s: MetricsSnapshot) => void): void => {
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers: r,
        collect: (): void => {
          const g = this.registry.getSingleMetric(name) as Gauge<L>;
          g.reset();
          if (this.snap !== undefined) fill(g, this.snap);
        },
      });
    };
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (add: (labels: Partial<Record<L, string | number>>, v: number | bigint) => void, s: MetricsSnapshot) => void): void => {
      new Counter<L>({
        name,
        help,
        labelNames,
        registers: r,
        collect: (): void => {
          const c = this.registry.getSingleMetric(name) as Counter<L>;
          c.reset();
          if (this.snap !== undefined) fill((labels, v) => c.inc(labels, Number(v)), this.snap);
        },
      });
    };
    const perInstance = (s: MetricsSnapshot): Array<{ c: VrrpInstance; labels: Record<(typeof vrrpLabels)[number], string> }> =>
      s.status === undefined ? [] : s.instances.map((c) => ({ c, labels: { vrrp_instance: c.name, interface: c.vmac?.name ?? c.interface, vrid: String(c.virtualRouterId) } }));
    const live = (s: MetricsSnapshot, name: string) => s.status?.instances.find((i) => i.name === name);
    const stat = (s: MetricsSnapshot, name: string) => s.stats?.instances[name];

    gauge('tandem_up', 'Whether tandemd answers (1); keepalived exporters\' keepalived_up.', [], (g) => g.set(1));
    gauge('tandem_vrrp_state', 'VRRP state of the instance: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT (keepalived\'s numbers).', vrrpLabels, (g, s) => {
      for (const { c, labels } of perInstance(s)) g.set(labels, STATE_NUMBER[live(s, c.name)?.state ?? 'INIT']);
    });
    gauge('tandem_vrrp_address_state', 'VRRP state of the instance, once per virtual address it holds as master.', [...vrrpLabels, 'address'], (g, s) => {
      for (const { c, labels } of perInstance(s)) for (const v of c.virtualIpaddress) g.set({ ...labels, address: v.address }, STATE_NUMBER[live(s, c.name)?.state ?? 'INIT']);
    });
    gauge('tandem_vrrp_priority', 'Configured priority.', vrrpLabels, (g, s) => {
      for (const { c, labels } of perInstance(s)) g.set(labels, c.priority);
    });
    gauge('tandem_vrrp_effective_priority', 'Priority after tracked scripts, interfaces and files.', vrrpLabels, (g, s) => {
      for (const { c, labels } of perInstance(s)) g.set(labels, live(s, c.name)?.effectivePriority ?? c.priority);
    });
    gauge('tandem_vrrp_garp_delay_seconds', 'Delay of the second gratuitous ARP round after becoming master (garp_master_delay).', vrrpLabels, (g, s) => {
      for (const { c, labels } of perInstance(s)) g.set(labels, c.garp.masterDelay ?? s.globals.vrrpGarpMasterDelay);
    });
    gauge('tandem_vrrp_last_transition_timestamp_seconds', 'When the instance last changed state.', vrrpLabels, (g, s) => {
      for (const { c, labels } of perInstance(s)) g.set(labels, this.history.get(c.name).lastTransitionMs / 1000);
    });
    const fromStats = (name: string, help: string, read: (st: NonNullable<ReturnType<typeof stat>>) => number): void =>
      counter(name, help, vrrpLabels, (add, s) => {
        for (const { c, labels } of perInstance(s)) {
          const st = stat(s, c.name);
          if (st !== undefined) add(labels, read(st));
        }
      });
    fromStats('tandem_vrrp_adverts_sent_total', 'Advertisements sent (since the VRRP side started).', (st) => st.advertsSent);
    fromStats('tandem_vrrp_adverts_received_total', 'Advertisements received and accepted.', (st) => st.advertsReceived);
    fromStats('tandem_vrrp_priority_zero_sent_total', 'Priority-0 advertisements sent (leaving master).', (st) => st.priorityZeroSent);
    fromStats('tandem_vrrp_priority_zero_received_total', 'Priority-0 advertisements received.', (st) => st.priorityZeroReceived);
    fromStats('tandem_vrrp_gratuitous_arps_total', 'Gratuitous ARP / unsolicited NA rounds sent.', (st) => st.announcements);
    fromStats('tandem_vrrp_send_errors_total', 'Advertisements that could not be sent.', (st) => st.sendErrors);
    fromStats('tandem_vrrp_address_errors_total', 'Virtual address changes the kernel refused.', (st) => st.addressErrors);
    fromStats('tandem_vrrp_answers_limited_total', 'Adverts of other routers a master did not answer (at most one answer per interval).', (st) => st.answersLimited);
    counter('tandem_vrrp_dropped_total', 'Advertisements for the instance dropped, by reason (each an RFC 5798 §7.1 check).', [...vrrpLabels, 'reason'], (add, s) => {
      for (const { c, labels } of perInstance(s)) for (const [reason, n] of Object.entries(stat(s, c.name)?.dropped ?? {})) add({ ...labels, reason }, n ?? 0);
    });
    counter('tandem_vrrp_channel_received_total', 'VRRP datagrams received per interface and family.', ['interface', 'family'], (add, s) => {
      for (const ch of s.stats?.channels ?? []) add({ interface: ch.interface, family: `ipv${ch.family}` }, ch.received);
    });
    counter('tandem_vrrp_channel_dropped_total', 'VRRP datagrams dropped per interface and family, by reason (unknown-vrid included).', ['interface', 'family', 'reason'], (add, s) => {
      for (const ch of s.stats?.channels ?? []) for (const [reason, n] of Object.entries(ch.dropped)) add({ interface: ch.interface, family: `ipv${ch.family}`, reason }, n ?? 0);
    });
    counter('tandem_vrrp_became_master_total', 'Times the instance became master (counted across VRRP side restarts).', vrrpLabels, (add, s) => {
      for (const { c, labels } of perInstance(s)) add(labels, this.history.get(c.name).becameMaster);
    });
    counter('tandem_vrrp_released_master_total', 'Times the instance left master.', vrrpLabels, (add, s) => {
      for (const { c, labels } of perInstance(s)) add(labels, this.history.get(c.name).releasedMaster);
    });
    counter('tandem_vrrp_transitions_total', 'State transitions, by old and new state.', [...vrrpLabels, 'from', 'to'], (add, s) => {
      for (const { c, labels } of perInstance(s)) {
        for (const [key, n] of this.history.get(c.name).transitions) {
          const [from, to] = key.split('->');
          add({ ...labels, from: from!, to: to! }, n);
        }
      }
    });

    gauge('tandem_vrrp_script_status', 'A tracked vrrp_script\'s verdict: 1 init, 2 bad, 3 good (KEEPALIVED-MIB vrrpScriptResult).', ['name'], (g, s) => {
      for (const sc of s.status?.scripts ?? []) g.set({ name: sc.name }, sc.status === 'GOOD' ? 3 : sc.status === 'BAD' ? 2 : 1);
    });
    gauge('tandem_vrrp_script_running', 'Whether a run of the vrrp_script is under way (keepalived\'s State = running).', ['name'], (g, s) => {
      for (const sc of s.status?.scripts ?? []) g.set({ name: sc.name }, sc.running ? 1 : 0);
    });

    const rsLabels = ['virtual_server', 'real_server'] as const;
    const rsName = (r: VirtualServerStatus['reals'][number]): string => (r.port === null ? r.address : r.address.includes(':') ? `[${r.address}]:${r.port}` : `${r.address}:${r.port}`);
    gauge('tandem_real_server_up', 'Whether the real server passes all its checks (1) or not (0).', rsLabels, (g, s) => {
      for (const v of s.virtualServers) for (const rs of v.reals) g.set({ virtual_server: v.name, real_server: rsName(rs) }, rs.up ? 1 : 0);
    });
    gauge('tandem_real_server_weight', 'The weight IPVS gives the real server (0 when down).', rsLabels, (g, s) => {
      for (const v of s.virtualServers) for (const rs of v.reals) g.set({ virtual_server: v.name, real_server: rsName(rs) }, rs.weight);
    });
    gauge('tandem_virtual_server_quorum_up', 'Whether the virtual server has its quorum of real servers.', ['virtual_server'], (g, s) => {
      for (const v of s.virtualServers) g.set({ virtual_server: v.name }, v.quorum === 'up' ? 1 : 0);
    });
    gauge('tandem_virtual_server_programmed', 'Whether the kernel\'s IPVS holds the virtual server as tandem wants it.', ['virtual_server'], (g, s) => {
      for (const v of s.virtualServers) g.set({ virtual_server: v.name }, v.programmed ? 1 : 0);
    });
    const ipvsCounter = (what: string, help: string, read: (st: KernelService['service']['stats']) => bigint): void => {
      counter(`tandem_ipvs_service_${what}_total`, `${help} of the IPVS service (the kernel's counter).`, ['service'], (add, s) => {
        for (const k of s.ipvs ?? []) add({ service: serviceName(k.service.key) }, read(k.service.stats));
      });
      counter(`tandem_ipvs_real_server_${what}_total`, `${help} of the IPVS destination (the kernel's counter).`, ['service', 'real_server'], (add, s) => {
        for (const k of s.ipvs ?? []) for (const d of k.destinations) add({ service: serviceName(k.service.key), real_server: d.address.includes(':') ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}` }, read(d.stats));
      });
    };
    ipvsCounter('connections', 'Connections', (st) => st.conns);
    ipvsCounter('packets_in', 'Packets in', (st) => st.inPackets);
    ipvsCounter('packets_out', 'Packets out', (st) => st.outPackets);
    ipvsCounter('bytes_in', 'Bytes in', (st) => st.inBytes);
    ipvsCounter('bytes_out', 'Bytes out', (st) => st.outBytes);
    gauge('tandem_ipvs_real_server_active_connections', 'Active connections of the IPVS destination.', ['service', 'real_server'], (g, s) => {
      for (const k of s.ipvs ?? []) for (const d of k.destinations) g.set({ service: serviceName(k.service.key), real_server: `${d.address.includes(':') ? `[${d.address}]` : d.address}:${d.port}` }, d.activeConns);
    });
    gauge('tandem_ipvs_real_server_inactive_connections', 'Inactive connections of the IPVS destination.', ['service', 'real_server'], (g, s) => {
      for (const k of s.ipvs ?? []) for (const d of k.destinations) g.set({ service: serviceName(k.service.key), real_server: `${d.address.includes(':') ? `[${d.address}]` : d.address}:${d.port}` }, d.inactiveConns);
    });

    counter('tandem_reloads_total', 'Reloads, by result: applied, or refused (an invalid file; the running configuration kept).', ['result'], (add, s) => {
      add({ result: 'applied' }, s.reloads.applied);
      add({ result: 'refused' }, s.reloads.refused);
    });
    const scripts = (s: MetricsSnapshot): Array<[string, ScriptCounters]> => [['supervisor', s.supervisorScripts], ...(s.stats?.scripts !== undefined ? [['vrrp', s.stats.scripts] as [string, ScriptCounters]] : [])];
    counter('tandem_script_runs_total', 'Scripts run (checks, tracked and notify scripts), by the side that ran them.', ['side'], (add, s) => {
      for (const [side, c] of scripts(s)) add({ side }, c.runs);
    });
    counter('tandem_script_timeouts_total', 'Scripts killed at their timeout.', ['side'], (add, s) => {
      for (const [side, c] of scripts(s)) add({ side }, c.timeouts);
    });
    counter('tandem_script_failures_total', 'Scripts that exited non-zero, were killed, or could not start (timeouts aside).', ['side'], (add, s) => {
      for (const [side, c] of scripts(s)) add({ side }, c.failures);
    });
    gauge('tandem_event_loop_delay_seconds', 'How late each side\'s event loop runs its timers, since start (quantile 1: the maximum).', ['side', 'quantile'], (g, s) => {
      const put = (side: string, d: LoopDelay): void => {
        g.set({ side, quantile: '0.5' }, d.p50 / 1000);
        g.set({ side, quantile: '0.99' }, d.p99 / 1000);
        g.set({ side, quantile: '1' }, d.max / 1000);
      };
      put('supervisor', s.supervisorLoop);
      if (s.stats !== undefined) put('vrrp', s.stats.loopDelayMs);
    });
    counter('tandem_vrrp_side_restarts_total', 'Times the VRRP side died and was started again.', [], (add, s) => add({}, s.sideRestarts));

    this.checkDuration = new Histogram({ name: 'tandem_check_duration_seconds', help: 'How long each check attempt took.', labelNames: ['virtual_server', 'real_server', 'checker'], buckets: BUCKETS, registers: r });
    this.checkFailures = new Counter({ name: 'tandem_check_failures_total', help: 'Check attempts that failed, by kind of reason.', labelNames: ['virtual_server', 'real_server', 'checker', 'reason'], registers: r });
    this.reloadDuration = new Histogram({ name: 'tandem_reload_duration_seconds', help: 'How long reloads took, by result.', labelNames: ['result'], buckets: BUCKETS, registers: r });
  }

  observeCheck(virtualServer: string, realServer: string, checker: string, ms: number, ok: boolean, reason: string): void {
    const labels = { virtual_server: virtualServer, real_server: realServer, checker };
    this.checkDuration.observe(labels, ms / 1000);
    if (!ok) this.checkFailures.inc({ ...labels, reason: failureKind(reason) });
  }

  observeReload(ms: number, applied: boolean): void {
    this.reloadDuration.observe({ result: applied ? 'applied' : 'refused' }, ms / 1000);
  }

  /** The text Prometheus scrapes: the snapshot is read once, then every metric filled from it. */
  async text(): Promise<string> {
    this.snap = await this.snapshot();
    try {
      return await this.registry.metrics();
    } finally {
      this.snap = undefined;
    }
  }

  /** Serves GET /metrics on `spec` (ADDR:PORT); resolves once listening, with the address bound. */
  async listen(spec: string): Promise<{ server: Server; address: AddressInfo }> {
    const { host, port } = parseListen(spec);
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('tandemd serves /metrics\n');
        return;
      }
      this.text().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return { server, address: server.address() as AddressInfo };
  }
}
