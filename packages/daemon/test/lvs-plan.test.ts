import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, formatDiagnostic } from '@tandem/config';
import { planChecks, unsupportedFeatures } from '../src/index.js';
import { scriptPreparer } from '../src/script-prep.js';

function model(text: string) {
  const p = join(mkdtempSync(join(tmpdir(), 'tandem-plan-')), 'k.conf');
  writeFileSync(p, text);
  const r = load(p);
  if (r.config === undefined) throw new Error(r.errors.map(formatDiagnostic).join('\n'));
  return { config: r.config, path: p };
}

test('checker options cascade checker > real server > virtual server, with keepalived defaults per kind', (t) => {
  const { config } = model(`virtual_server 192.0.2.100 80 {
    delay_loop 10
    connect_timeout 2
    alpha
    real_server 198.51.100.1 8080 {
        retry 4
        TCP_CHECK {
            connect_port 9090
        }
        HTTP_GET {
            url {
                path /
            }
            delay_before_retry 0.5
        }
    }
    real_server 198.51.100.2 8080 {
        SSL_GET {
            url {
                path /
            }
            connect_ip 203.0.113.9
        }
    }
}
`);
  const { checks, unsupported } = planChecks(config.virtualServers[0]!);
  t.deepEqual(unsupported, []);
  t.deepEqual(checks.map((c) => [c.realServer, c.kind, c.target]), [
    ['198.51.100.1:8080', 'TCP_CHECK', '198.51.100.1:9090'],
    ['198.51.100.1:8080', 'HTTP_GET', '198.51.100.1:8080'],
    ['198.51.100.2:8080', 'SSL_GET', '203.0.113.9:8080'],
  ]);
  t.deepEqual(checks[0]!.timing, { intervalMs: 10_000, retry: 4, retryDelayMs: 1000, warmupMs: 10_000, alpha: true, timeoutMs: 3000 });
  t.like(checks[1]!.timing, { retry: 4, retryDelayMs: 500 });
  t.like(checks[2]!.timing, { retry: 1, retryDelayMs: 3000 }, 'HTTP/SSL default delay_before_retry is 3 s');
});

test('sync groups, every runnable checker and track_file run: nothing is refused', (t) => {
  const { config, path } = model(`vrrp_script chk {
    script "/bin/true"
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 1
    virtual_ipaddress {
        192.0.2.1
    }
    track_script {
        chk
    }
    track_file {
        maint
    }
}
track_file maint {
    file "/run/maint"
}
vrrp_sync_group SG {
    group {
        VI_1
    }
}
virtual_server 192.0.2.100 80 {
    real_server 198.51.100.1 80 {
        SMTP_CHECK {
        }
        TCP_CHECK {
        }
    }
}
`);
  t.deepEqual(unsupportedFeatures(config).map(formatDiagnostic).map((l) => l.slice(path.length)), []);
});

test('BFD_CHECK runs: told by the BFD side, never scheduled', (t) => {
  const { config } = model(`bfd_instance bfd1 {
    neighbor_ip 198.51.100.1
}
virtual_server 192.0.2.100 80 {
    real_server 198.51.100.1 80 {
        BFD_CHECK {
            name bfd1
        }
    }
}
`);
  t.deepEqual(unsupportedFeatures(config), []);
  t.deepEqual(planChecks(config.virtualServers[0]!), { checks: [], unsupported: [], disabled: [] });
});

test('a MISC_CHECK whose script does not exist is disabled, as keepalived removes it; the real server keeps its other checks', (t) => {
  const { config } = model(`virtual_server 192.0.2.100 80 {
    protocol TCP
    real_server 198.51.100.1 80 {
        MISC_CHECK {
            misc_path "/nonexistent/misc.sh"
        }
        TCP_CHECK {
        }
    }
}
`);
  const { checks, disabled } = planChecks(config.virtualServers[0]!, scriptPreparer(config));
  t.deepEqual(checks.map((c) => c.kind), ['TCP_CHECK']);
  t.is(disabled.length, 1);
  t.regex(disabled[0]!, /198\.51\.100\.1:80: MISC_CHECK disabled: .*\/nonexistent\/misc\.sh is not an executable file/);
});
