// tandem's fast takeover through two real tandemd in namespaces: a pair at VRRPv2 advert 1 s
// (Master_Down_Interval 3.6 s) with a BFD session between the directors and
// `@tandem bfd_takeover`. When the master's link is cut, the backup learns it from BFD and takes
// over after its skew on the session's Detection Time: the client's outage is a fraction of
// Master_Down_Interval. (test/bench/bfd-takeover measures it; here a loose bound, since the
// machine is shared.) keepalived, reading the same files, skips the @tandem line.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { bfdPairConf, bfdPairUp } from '../lib/bfd-pair.js';
import { failoverOnce, type Setting } from '../lib/failover-run.js';
import { Lab } from '../lib/lab.js';
import { run } from '../lib/sh.js';

const V2_1S: Setting = { label: 'v2 advert 1 s', version: 2, advertInt: 1 };

test.serial('bfd_takeover: the backup takes over on the BFD session\'s Down, not after Master_Down_Interval', async (t) => {
  const lab = await Lab.create('bto', ['a', 'b'], 'tD');
  lab.startResponders();
  try {
    const conf = bfdPairConf(lab, V2_1S, { intervalMs: 50, multiplier: 3 });
    const outage = await failoverOnce(lab, 'tandem', V2_1S, 'random', { confOf: conf, ready: bfdPairUp });
    t.log(`client outage ${outage} ms (Master_Down_Interval 3609 ms; detection 150 ms + skew 91 ms)`);
    t.true(outage < 1500, `${outage} ms`);
    // keepalived accepts the same file, skipping the @tandem line (its config id is the host name).
    const path = lab.writeConfig('b', conf('b', 100), 'keepalived.conf');
    // `keepalived -t` exits non-zero on any configuration error.
    const out = await run('keepalived', ['-t', '-f', path, '-l'], { withStderr: true });
    t.notRegex(out, /bfd_takeover|Unknown keyword/, out);
    t.regex(readFileSync(path, 'utf8'), /@tandem bfd_takeover peer/);
  } finally {
    await lab.cleanup();
  }
});
