// tandemd's metrics, scraped by a real Prometheus server (Debian's prometheus): a pair fails
// over and a real server goes down, and PromQL queries through Prometheus's HTTP API see both.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, REPO } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { nsRun, waitFor } from '../lib/sh.js';

const VIP = '192.0.2.100';
const WEB = join(REPO, 'test', 'dist', 'lib', 'web.js');

const lvs = (client: string): string => `
virtual_server ${VIP} 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server ${client} 8080 {
        weight 3
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
            retry 0
        }
    }
}
`;

interface PromResult {
  metric: Record<string, string>;
  value: [number, string];
}

test.serial('Prometheus scraping a tandem pair sees the failover and the real server going down', async (t) => {
  const lab = await Lab.create('tEprom', ['a', 'b']);
  const dir = mkdtempSync(join(tmpdir(), 'tE-prom-'));
  try {
    const modeFile = join(dir, 'mode');
    writeFileSync(modeFile, '200');
    lab.spawnIn('client', 'node', [WEB, '8080', modeFile]);
    const common = { advertInt: 1, vips: [`${VIP}/24`] };
    const a = await lab.startTandem('a', vrrpConf({ ...common, priority: 150 }) + lvs(lab.address('client')), ['--metrics-listen', ':9650']);
    await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }) + lvs(lab.address('client')), ['--metrics-listen', ':9650']);
    await lab.waitHolder(VIP, 'a', 8000);
    t.regex(a.child.output(), /metrics on http:\/\/.*:9650\/metrics/);

    const promConf = join(dir, 'prometheus.yml');
    writeFileSync(
      promConf,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: tandem',
        '    static_configs:',
        `      - targets: ['${lab.address('a')}:9650']`,
        '        labels: { director: a }',
        `      - targets: ['${lab.address('b')}:9650']`,
        '        labels: { director: b }',
        '',
      ].join('\n'),
    );
    const prom = lab.spawnIn('client', 'prometheus', [`--config.file=${promConf}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, '--web.listen-address=127.0.0.1:19090']);
    const query = async (q: string): Promise<PromResult[]> => {
      const out = await nsRun(lab.client, 'curl', ['-s', '--get', '--data-urlencode', `query=${q}`, 'http://127.0.0.1:19090/api/v1/query'], { allowFail: true });
      try {
        const r = JSON.parse(out) as { status: string; data: { result: PromResult[] } };
        return r.status === 'success' ? r.data.result : [];
      } catch {
        return [];
      }
    };
    const single = (r: PromResult[], director: string): number | undefined => {
      const v = r.find((x) => x.metric['director'] === director)?.value[1];
      return v === undefined ? undefined : Number(v);
    };
    await waitFor('Prometheus to scrape both directors', 60_000, async () => {
      if (prom.exitCode !== null) throw new Error(`prometheus exited: ${prom.output()}`);
      return (await query('up{job="tandem"} == 1')).length === 2 ? true : undefined;
    }, 500);
    await waitFor('a as MASTER in Prometheus', 20_000, async () => (single(await query('tandem_vrrp_state{vrrp_instance="VI_LAB"}'), 'a') === 2 ? true : undefined), 500);
    t.is(single(await query('tandem_vrrp_state{vrrp_instance="VI_LAB"}'), 'b'), 1, 'b is BACKUP');
    t.is(single(await query('tandem_real_server_up'), 'a'), 1);

    // The failover: a's link is cut, b takes over; Prometheus sees b become MASTER, a transition to MASTER on b.
    await lab.cut('a');
    await lab.waitHolder(VIP, 'b', 8000);
    await waitFor('b as MASTER in Prometheus', 20_000, async () => (single(await query('tandem_vrrp_state{vrrp_instance="VI_LAB"}'), 'b') === 2 ? true : undefined), 500);
    // Prometheus's own series show the change of state, and the transition counted.
    t.true((single(await query('changes(tandem_vrrp_state{vrrp_instance="VI_LAB"}[2m])'), 'b') ?? 0) > 0, 'b\'s state changed');
    t.true((single(await query('tandem_vrrp_transitions_total{vrrp_instance="VI_LAB",from="BACKUP",to="MASTER"}'), 'b') ?? 0) >= 1, 'a BACKUP -> MASTER transition on b');
    t.true((single(await query('tandem_vrrp_became_master_total{vrrp_instance="VI_LAB"}'), 'b') ?? 0) >= 1);
    await lab.restore('a');

    // The real server goes down (HTTP 500): up 0, weight 0, failures counted by kind.
    writeFileSync(modeFile, '500');
    await waitFor('the real server down in Prometheus', 20_000, async () => (single(await query('tandem_real_server_up'), 'b') === 0 ? true : undefined), 500);
    t.is(single(await query('tandem_real_server_weight'), 'b'), 0);
    t.true((single(await query('sum by (director) (tandem_check_failures_total{reason="http-status"})'), 'b') ?? 0) > 0);
    t.true((single(await query('sum by (director) (tandem_check_duration_seconds_count)'), 'b') ?? 0) > 0, 'check latencies recorded');
    t.is(single(await query('tandem_virtual_server_quorum_up'), 'b'), 0);
    // a's link was cut a moment ago: its scrapes failed and Prometheus marked its series stale
    // until a scrape succeeds again, so wait for that before asking about a.
    await waitFor('Prometheus to scrape a again after its link came back', 20_000, async () => (single(await query('up{job="tandem"}'), 'a') === 1 ? true : undefined), 500);
    await waitFor('each VRRP side\'s loop delay in Prometheus', 20_000, async () => ((await query('tandem_event_loop_delay_seconds{side="vrrp",quantile="0.99"}')).length === 2 ? true : undefined), 500);
    t.is(single(await query('tandem_vrrp_side_restarts_total'), 'a'), 0);
  } finally {
    await lab.cleanup();
  }
});
