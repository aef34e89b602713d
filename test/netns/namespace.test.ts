import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { run, waitFor } from '../lib/sh.js';

const VIP = '192.0.2.100';

// tandemd for director a is started in an empty namespace (only loopback) and
// told by its config to run in a's namespace: everything it does must happen
// there. Starting it in a scratch namespace, not the host's, keeps any mistake
// away from the host's interfaces.
test.serial('net_namespace: tandemd started elsewhere runs its VRRP, addresses and scripts in the named namespace', async (t) => {
  const lab = await Lab.create('nsp', ['a', 'b']);
  try {
    const outer = await lab.emptyNamespace('outer');
    const seen = join(lab.dir, 'seen-by-notify');
    const notifier = join(lab.dir, 'notify.sh');
    writeFileSync(notifier, `ip -o -4 addr show dev eth0 > ${seen}\n`);
    const common = { advertInt: 0.1, version: 3 as const, vips: [`${VIP}/24`] };
    const conf = `net_namespace ${lab.ns('a')}\n${vrrpConf({ ...common, priority: 150, globalLines: ['script_user root'], instanceLines: [`notify_master "/bin/sh ${notifier}"`] })}`;
    const a = await lab.startTandem('a', conf, [], outer);
    await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    await lab.waitHolder(VIP, 'a', 5000);
    t.like((await lab.ctl(a, 'status'))!.instances[0], { state: 'MASTER', priority: 150 });
    t.regex(a.child.output(), new RegExp(`running in network namespace ${lab.ns('a')}`));
    t.is((await run('ip', ['-n', outer, '-o', 'link', 'show'])).trim().split('\n').length, 1, 'the namespace it was started in still has only loopback');
    t.notRegex(await run('ip', ['-n', outer, 'addr', 'show']), /192\.0\.2\./);
    await waitFor('notify_master output', 3000, () => (existsSync(seen) && readFileSync(seen, 'utf8').length > 0 ? true : undefined));
    t.regex(readFileSync(seen, 'utf8'), /inet 192\.0\.2\.11\/24/, "the notify script ran in a's namespace and saw its eth0");

    // The namespace is fixed for the life of the process, as in keepalived.
    lab.writeConfig('a', conf.replace(/^net_namespace .*\n/, ''));
    a.child.kill('SIGHUP');
    await waitFor('the reload refusal', 3000, () => (/net_namespace cannot change on reload/.test(a.child.output()) ? true : undefined));
    t.like((await lab.ctl(a, 'status'))!.instances[0], { state: 'MASTER' }, 'the running configuration stays');

    await lab.stopDaemon(a);
    await lab.waitHolder(VIP, 'b', 3000);
  } finally {
    await lab.cleanup();
  }
});

test.serial('net_namespace: a namespace that does not exist stops tandemd before it opens anything', async (t) => {
  const lab = await Lab.create('nsq', ['a']);
  try {
    const outer = await lab.emptyNamespace('outer');
    const err = await lab.startTandem('a', `net_namespace td-nsq-missing\n${vrrpConf({ priority: 100, advertInt: 1, vips: [`${VIP}/24`] })}`, [], outer).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    t.truthy(err);
    t.regex(err!.message, /exited 1: .*network namespace td-nsq-missing does not exist \(create it with: ip netns add td-nsq-missing\)/s);
  } finally {
    await lab.cleanup();
  }
});
