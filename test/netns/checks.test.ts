import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, REPO } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { exited, waitFor } from '../lib/sh.js';

const WEB = join(REPO, 'test', 'dist', 'lib', 'web.js');

interface Real {
  address: string;
  port: number | null;
  up: boolean;
  weight: number;
  lastCheck: string | null;
  reason: string;
}
interface Status {
  instances: Array<{ state: string }>;
  virtualServers: Array<{ name: string; reals: Real[] }>;
}

test.serial('HTTP_GET and TCP_CHECK through tandemd: real servers flip down and up within their bounds, status shows them, VRRP keeps running', async (t) => {
  const lab = await Lab.create('hc', ['d', 'r1', 'r2']);
  try {
    const mode = (name: string, m: string): void => writeFileSync(join(lab.dir, `${name}.mode`), m);
    mode('r1', '200');
    mode('r2', '500');
    const start = (name: string, port: number) => lab.spawnIn(name, 'node', [WEB, String(port), join(lab.dir, `${name}.mode`)]);
    start('r1', 80);
    start('r2', 80);
    let tcp = start('r2', 8080);
    // The checker's events also go to an lvs_notify_fifo, read by its script.
    const fifo = join(lab.dir, 'lvs.fifo');
    const fifoLog = join(lab.dir, 'lvs-fifo.log');
    const reader = join(lab.dir, 'reader.sh');
    writeFileSync(reader, `while read -r line; do echo "$line" >> ${fifoLog}; done < "$1"\n`);
    // delay_loop 1, connect_timeout 1, retry 1, delay_before_retry 0.5.
    const conf =
      vrrpConf({ priority: 150, advertInt: 0.1, version: 3, vips: ['192.0.2.100/24'], globalLines: ['script_user root', `lvs_notify_fifo ${fifo}`, `lvs_notify_fifo_script "/bin/sh ${reader}"`] }) +
      `virtual_server 192.0.2.100 80 {
    delay_loop 1
    warmup 0
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server ${lab.address('r1')} 80 {
        weight 5
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
            retry 1
            delay_before_retry 0.5
        }
    }
    real_server ${lab.address('r2')} 80 {
        HTTP_GET {
            url {
                path /
            }
            connect_timeout 1
            retry 1
            delay_before_retry 0.5
        }
    }
    real_server ${lab.address('r2')} 8080 {
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 0.5
        }
    }
}
`;
    const d = await lab.startTandem('d', conf);
    const status = async (): Promise<Status> => (await lab.ctl(d, 'status')) as unknown as Status;
    const real = async (address: string, port: number): Promise<Real> => (await status()).virtualServers[0]!.reals.find((r) => r.address === address && r.port === port)!;
    const until = async (what: string, address: string, port: number, up: boolean, boundMs: number): Promise<number> => {
      const t0 = Date.now();
      await waitFor(what, boundMs, async () => ((await real(address, port)).up === up && (await real(address, port)).lastCheck !== null ? true : undefined), 50);
      return Date.now() - t0;
    };
    await until('r2:80 down (500)', lab.address('r2'), 80, false, 5000);
    await until('r1 up', lab.address('r1'), 80, true, 5000);
    await until('r2:8080 up', lab.address('r2'), 8080, true, 5000);
    const s = await status();
    t.is(s.virtualServers[0]!.name, '192.0.2.100:80/TCP');
    t.like(await real(lab.address('r1'), 80), { up: true, weight: 5 });
    t.like(await real(lab.address('r2'), 80), { up: false, weight: 0, reason: '/: status 500 (after 1 retry)' });
    t.is(s.instances[0]!.state, 'MASTER', 'VRRP runs alongside the checks');
    t.regex(d.child.output(), /\(192\.0\.2\.100:80\/TCP\) cannot program IPVS/);
    await waitFor('the FIFO line of r2 going down', 3000, () => (existsSync(fifoLog) && readFileSync(fifoLog, 'utf8').includes(`RS [${lab.address('r2')}]:tcp:80 [192.0.2.100]:tcp:80 DOWN`) ? true : undefined));

    // Bounds: delay_loop + (retry + 1) x connect_timeout + retry x delay_before_retry, plus 1 s slack.
    const hangBound = 1000 + 2 * 1000 + 500 + 1000;
    const quickBound = 1000 + 500 + 1000 + 1000;
    mode('r1', 'hang');
    t.log(`r1 hang -> down in ${await until('r1 down (hang)', lab.address('r1'), 80, false, hangBound)} ms (bound ${hangBound})`);
    t.regex((await real(lab.address('r1'), 80)).reason, /no data within 1000 ms/);
    mode('r1', '200');
    t.log(`r1 back -> up in ${await until('r1 up again', lab.address('r1'), 80, true, 1000 + 1000)} ms`);
    mode('r1', 'close');
    t.log(`r1 close -> down in ${await until('r1 down (close)', lab.address('r1'), 80, false, quickBound)} ms (bound ${quickBound})`);
    mode('r2', '200');
    await until('r2:80 up', lab.address('r2'), 80, true, 2000);
    tcp.kill('SIGKILL');
    await exited(tcp);
    t.log(`listener gone -> down in ${await until('r2:8080 down', lab.address('r2'), 8080, false, quickBound)} ms (bound ${quickBound})`);
    t.regex((await real(lab.address('r2'), 8080)).reason, /ECONNREFUSED/);
    tcp = start('r2', 8080);
    await until('r2:8080 up again', lab.address('r2'), 8080, true, 2000);
    t.true(d.child.output().includes(`real server ${lab.address('r2')}:8080 DOWN: connect ECONNREFUSED`));
  } finally {
    await lab.cleanup();
  }
});

test.serial('MISC_CHECK with misc_dynamic, UDP_CHECK and PING_CHECK (IPv4 and IPv6) through tandemd', async (t) => {
  const lab = await Lab.create('hc2', ['d', 'r1']);
  try {
    const code = join(lab.dir, 'code');
    const check = join(lab.dir, 'check.sh');
    writeFileSync(code, '0');
    writeFileSync(check, `exit $(cat ${code})\n`);
    const responder = lab.spawnIn('r1', 'node', [join(REPO, 'test', 'dist', 'lib', 'responder.js'), 'r1', '7777']);
    const conf =
      vrrpConf({ priority: 150, advertInt: 0.1, version: 3, vips: ['192.0.2.100/24'], globalLines: ['script_user root'] }) +
      `virtual_server 192.0.2.100 9000 {
    delay_loop 0.5
    warmup 0
    protocol UDP
    real_server ${lab.address('r1')} 9000 {
        weight 3
        MISC_CHECK {
            misc_path "/bin/sh ${check}"
            misc_dynamic
            misc_timeout 2
        }
    }
    real_server ${lab.address('r1')} 7777 {
        UDP_CHECK {
            payload 00
            require_reply 7231
            connect_timeout 1
            retry 0
        }
    }
    real_server ${lab.address('r1')} 7778 {
        UDP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
    real_server ${lab.address('r1')} 9001 {
        PING_CHECK {
            connect_timeout 0.5
            retry 0
        }
    }
}
virtual_server 2001:db8::100 9000 {
    delay_loop 0.5
    warmup 0
    real_server ${lab.address('r1', 6)} 9000 {
        PING_CHECK {
            connect_timeout 0.5
            retry 0
        }
    }
}
`;
    const d = await lab.startTandem('d', conf);
    const real = async (port: number): Promise<Real> => ((await lab.ctl(d, 'status')) as unknown as Status).virtualServers[0]!.reals.find((r) => r.port === port)!;
    const until = (port: number, want: (r: Real) => boolean, what: string): Promise<boolean> =>
      waitFor(what, 5000, async () => {
        const r = await real(port);
        return r.lastCheck !== null && want(r) ? true : undefined;
      });
    await until(9000, (r) => r.up && r.weight === 3, 'MISC_CHECK exit 0: up with its configured weight');
    writeFileSync(code, '7');
    await until(9000, (r) => r.up && r.weight === 5, 'misc_dynamic exit 7: weight 5');
    writeFileSync(code, '1');
    await until(9000, (r) => !r.up, 'exit 1: down');
    t.regex((await real(9000)).reason, /exit 1/);
    await until(7777, (r) => r.up, 'UDP_CHECK with the expected reply: up');
    await until(7778, (r) => !r.up, 'UDP_CHECK to a closed port: down (ICMP unreachable)');
    t.regex((await real(7778)).reason, /ECONNREFUSED/);
    responder.kill('SIGTERM');
    await until(7777, (r) => !r.up, 'UDP_CHECK after the responder stopped: down');
    await until(9001, (r) => r.up, 'PING_CHECK (IPv4): up');
    const ping6 = async (): Promise<Real> => ((await lab.ctl(d, 'status')) as unknown as Status).virtualServers[1]!.reals[0]!;
    await waitFor('PING_CHECK (IPv6): up', 5000, async () => ((await ping6()).up && (await ping6()).lastCheck !== null ? true : undefined));
    await lab.cut('r1');
    await until(9001, (r) => !r.up, 'PING_CHECK after the link cut: down');
    t.regex((await real(9001)).reason, /no echo reply within 500 ms/);
    t.pass();
  } finally {
    await lab.cleanup();
  }
});

test.serial('SSL_GET (self-signed certificate, digest) and DNS_CHECK through tandemd: real servers flip down and up within their bounds', async (t) => {
  const lab = await Lab.create('hc3', ['d', 'r1']);
  try {
    const key = join(lab.dir, 'key.pem');
    const cert = join(lab.dir, 'cert.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=r1.example.test'], { encoding: 'utf8' });
    t.is(made.status, 0, made.stderr);
    const webMode = join(lab.dir, 'web.mode');
    const dnsMode = join(lab.dir, 'dns.mode');
    writeFileSync(webMode, '200');
    writeFileSync(dnsMode, 'answer');
    lab.spawnIn('r1', 'node', [WEB, '443', webMode, cert, key]);
    lab.spawnIn('r1', 'node', [join(REPO, 'packages', 'healthcheck', 'dist', 'test', 'dns-server.js'), '53', dnsMode]);
    // The body web.js sends for mode 200, as genhash would digest it.
    const digest = createHash('md5').update('200\n').digest('hex');
    const conf =
      vrrpConf({ priority: 150, advertInt: 0.1, version: 3, vips: ['192.0.2.100/24'] }) +
      `virtual_server 192.0.2.100 443 {
    delay_loop 1
    warmup 0
    real_server ${lab.address('r1')} 443 {
        SSL_GET {
            url {
                path /
                digest ${digest}
            }
            connect_timeout 1
            retry 1
            delay_before_retry 0.5
        }
    }
}
virtual_server 192.0.2.100 53 {
    delay_loop 1
    warmup 0
    protocol UDP
    real_server ${lab.address('r1')} 53 {
        DNS_CHECK {
            type A
            name www.example.test
            connect_timeout 1
            retry 1
            delay_before_retry 0.5
        }
    }
}
`;
    const d = await lab.startTandem('d', conf);
    const real = async (vs: number): Promise<Real> => ((await lab.ctl(d, 'status')) as unknown as Status).virtualServers[vs]!.reals[0]!;
    const until = async (vs: number, up: boolean, what: string, boundMs: number): Promise<number> => {
      const t0 = Date.now();
      await waitFor(what, boundMs, async () => {
        const r = await real(vs);
        return r.lastCheck !== null && r.up === up ? true : undefined;
      });
      return Date.now() - t0;
    };
    // delay_loop + (retry + 1) x connect_timeout + retry x delay_before_retry, plus 1 s slack.
    const bound = 1000 + 2 * 1000 + 500 + 1000;
    await until(0, true, 'SSL_GET up', 5000);
    t.regex((await real(0)).reason, /status 200, digest matches/);
    await until(1, true, 'DNS_CHECK up', 5000);
    t.regex((await real(1)).reason, /A www\.example\.test: 1 answer/);
    writeFileSync(webMode, '500');
    t.log(`SSL_GET status 500 -> down in ${await until(0, false, 'SSL_GET down (500)', bound)} ms (bound ${bound})`);
    t.regex((await real(0)).reason, /status 500/);
    writeFileSync(webMode, '200');
    await until(0, true, 'SSL_GET up again', 2000 + 1000);
    writeFileSync(dnsMode, 'nxdomain');
    t.log(`DNS NXDOMAIN -> down in ${await until(1, false, 'DNS_CHECK down (NXDOMAIN)', bound)} ms (bound ${bound})`);
    t.regex((await real(1)).reason, /ENOTFOUND/);
    writeFileSync(dnsMode, 'answer');
    t.log(`DNS answers again -> up in ${await until(1, true, 'DNS_CHECK up again', 2000 + 1000)} ms`);
    writeFileSync(dnsMode, 'silent');
    t.log(`DNS silent -> down in ${await until(1, false, 'DNS_CHECK down (silent)', bound)} ms (bound ${bound})`);
    t.regex((await real(1)).reason, /no answer within 1000 ms/);
  } finally {
    await lab.cleanup();
  }
});
