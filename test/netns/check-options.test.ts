import test from 'ava';
import { join } from 'node:path';
import { vrrpConf } from '../lib/configs.js';
import { Lab, REPO } from '../lib/lab.js';
import { nsRun, run, waitFor } from '../lib/sh.js';

// bind_if and fwmark in every checker (keepalived's check_api.c: SO_BINDTODEVICE and SO_MARK on
// the checker's socket). The real server is reachable only through routes in table 100: a
// rule sends there what leaves by eth1 (oif eth1: the checker bound to it) and what carries
// mark 7. A checker with neither finds no route and stays down.

const WEB = join(REPO, 'test', 'dist', 'lib', 'web.js');
const RESPONDER = join(REPO, 'test', 'dist', 'lib', 'responder.js');
const SERVER = '198.51.100.2';

interface Real {
  address: string;
  port: number | null;
  up: boolean;
  reason: string;
}
interface Status {
  virtualServers: Array<{ name: string; reals: Real[] }>;
}

test.serial('bind_if and fwmark: TCP_CHECK, HTTP_GET, UDP_CHECK and PING_CHECK reach a server only policy routing leads to; a check with neither does not', async (t) => {
  const lab = await Lab.create('tFopt', ['d']);
  try {
    const d = lab.ns('d');
    const srv = await lab.emptyNamespace('srv');
    await run('ip', ['link', 'add', 'eth1', 'netns', d, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', srv]);
    await nsRun(srv, 'ip', ['addr', 'add', `${SERVER}/24`, 'dev', 'eth0']);
    await nsRun(srv, 'ip', ['link', 'set', 'eth0', 'up']);
    await nsRun(d, 'ip', ['addr', 'add', '198.51.100.1/24', 'dev', 'eth1']);
    await nsRun(d, 'ip', ['link', 'set', 'eth1', 'up']);
    // Only table 100 leads to the server; main does not.
    await nsRun(d, 'ip', ['route', 'del', '198.51.100.0/24', 'dev', 'eth1']);
    await nsRun(d, 'ip', ['route', 'add', '198.51.100.0/24', 'dev', 'eth1', 'src', '198.51.100.1', 'table', '100']);
    await nsRun(d, 'ip', ['rule', 'add', 'oif', 'eth1', 'lookup', '100', 'priority', '100']);
    await nsRun(d, 'ip', ['rule', 'add', 'fwmark', '7', 'lookup', '100', 'priority', '101']);
    lab.spawnInNamespace(srv, 'node', [WEB, '80', join(lab.dir, 'web.mode')]);
    lab.spawnInNamespace(srv, 'node', [RESPONDER, 'srv', '7777']);
    const vs = (port: number, checker: string, proto = 'TCP', alpha = true): string => `virtual_server 192.0.2.100 ${port} {
    delay_loop 0.5
    warmup 0${alpha ? '\n    alpha' : ''}
    protocol ${proto}
    real_server ${SERVER} ${port === 7777 ? 7777 : 80} {
        ${checker}
    }
}
`;
    const conf =
      vrrpConf({ priority: 150, advertInt: 1, vips: ['192.0.2.100/24'] }) +
      vs(81, 'TCP_CHECK {\n            connect_timeout 1\n            bind_if eth1\n        }') +
      vs(82, 'TCP_CHECK {\n            connect_timeout 1\n            fwmark 7\n        }') +
      vs(83, 'HTTP_GET {\n            url {\n                path /\n            }\n            connect_timeout 1\n            bind_if eth1\n        }') +
      vs(84, 'HTTP_GET {\n            url {\n                path /\n            }\n            connect_timeout 1\n            fwmark 7\n        }') +
      vs(7777, 'UDP_CHECK {\n            connect_timeout 1\n            fwmark 7\n            require_reply 737276\n        }', 'UDP') +
      vs(86, 'PING_CHECK {\n            connect_timeout 1\n            bind_if eth1\n        }') +
      vs(87, 'PING_CHECK {\n            connect_timeout 1\n            fwmark 7\n        }') +
      // Not alpha: it starts up, so its failure is a transition that says why.
      vs(88, 'TCP_CHECK {\n            connect_timeout 1\n            retry 0\n        }', 'TCP', false);
    const daemon = await lab.startTandem('d', conf);
    const status = async (): Promise<Status> => (await lab.ctl(daemon, 'status')) as unknown as Status;
    const byName = async (): Promise<Map<string, Real>> => new Map((await status()).virtualServers.map((v) => [v.name, v.reals[0]!]));
    const logAll = async (): Promise<void> => {
      for (const [name, r] of await byName()) t.log(`${name}: ${r.up ? 'up' : 'down'}, ${r.reason}`);
    };
    await waitFor('the marked and bound checks up', 10_000, async () => {
      const m = await byName();
      const checked = /ENETUNREACH/.test(m.get('192.0.2.100:88/TCP')?.reason ?? '');
      return checked && [81, 82, 83, 84, 86, 87].every((p) => m.get(`192.0.2.100:${p}/TCP`)?.up === true) && m.get('192.0.2.100:7777/UDP')?.up === true ? true : undefined;
    }, 200).catch(async (err: Error) => {
      await logAll();
      throw err;
    });
    const m = await byName();
    for (const [name, r] of m) t.log(`${name}: ${r.up ? 'up' : 'down'}, ${r.reason}`);
    t.false(m.get('192.0.2.100:88/TCP')!.up, 'without bind_if or fwmark there is no route');
  } finally {
    await lab.cleanup();
  }
});
