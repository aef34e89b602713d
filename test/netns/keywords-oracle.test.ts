import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '@tandem/config';
import { exampleFile, KEEPALIVED_227 } from '@tandem/config/dist/test/keyword-examples.js';
import { Lab } from '../lib/lab.js';
import { nsRun } from '../lib/sh.js';

// keepalived 2.2.7 (Debian's) is the oracle: every keyword example that tandem's table holds
// must be one keepalived takes (else the example, not tandem, is wrong), and what keepalived
// refuses tandem refuses too.

/** keepalived scripts are refused by `-t` unless script security is on. */
const SECURITY = 'global_defs {\n  enable_script_security\n  script_user root\n}\n';

/** Debian builds keepalived 2.2.7 without libipset, so this one keyword is unknown to it (upstream's builds with libipset take it). */
const NOT_IN_DEBIAN = new Set(['global_defs › vrrp_ipsets']);

async function keepalivedT(lab: Lab, file: string): Promise<string> {
  return nsRun(lab.ns('a'), 'keepalived', ['-t', '-f', file, '-l', '-n'], { allowFail: true, withStderr: true });
}

test.serial('keepalived 2.2.7 knows every keyword of the table, in the section the table puts it', async (t) => {
  const lab = await Lab.create('tFkw', ['a']);
  const dir = mkdtempSync(join(tmpdir(), 'tandem-kw-'));
  try {
    // The interfaces the examples name.
    await nsRun(lab.ns('a'), 'ip', ['link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
    await nsRun(lab.ns('a'), 'ip', ['link', 'add', 'vrf-blue', 'type', 'veth', 'peer', 'name', 'vrf-bluep']);
    for (const path of ['/tmp/tF-track', '/tmp/tF-track2', '/tmp/tF-track3']) writeFileSync(path, '0\n');
    let i = 0;
    for (const e of KEEPALIVED_227) {
      const file = join(dir, `${i++}.conf`);
      writeFileSync(file, SECURITY + exampleFile(e.section, e.keyword));
      const out = await keepalivedT(lab, file);
      const unknown = /Unknown keyword|Unexpected '\{'/.test(out);
      t.is(unknown, NOT_IN_DEBIAN.has(`${e.section} › ${e.keyword}`), `${e.section} › ${e.keyword}: ${out}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await lab.cleanup();
  }
});

/** Files keepalived 2.2.7 refuses (`-t` says so and exits non-zero); tandem must refuse each too. */
const REFUSED: ReadonlyArray<readonly [string, string, RegExp]> = [
  ['nb_get_retry in TCP_CHECK', exampleFile('virtual_server > real_server > TCP_CHECK', 'retry', 'nb_get_retry 3'), /Unknown keyword 'nb_get_retry'/],
  ['quorum 0', exampleFile('virtual_server', 'quorum', 'quorum 0'), /quorum/i],
  ...['use_pid_dir', 'child_wait_time 10', 'linkbeat_use_polling', 'namespace_with_ipsets', 'instance blue'].map(
    (line) => [`${line.split(' ')[0]!} in global_defs`, exampleFile('global_defs', 'router_id', line), /Unknown keyword/] as const,
  ),
  ['ha_suspend with a fwmark', 'virtual_server fwmark 5 {\n  lb_kind DR\n  ha_suspend\n  real_server 10.0.0.1 0 {\n    TCP_CHECK {\n      connect_port 80\n    }\n  }\n}\n', /cannot use ha_suspend with fwmarks/],
];

test.serial('what keepalived 2.2.7 refuses, tandem refuses', async (t) => {
  const lab = await Lab.create('tFkwr', ['a']);
  const dir = mkdtempSync(join(tmpdir(), 'tandem-kwr-'));
  try {
    for (const [what, text, said] of REFUSED) {
      const file = join(dir, `${what.replace(/\W+/g, '_')}.conf`);
      writeFileSync(file, SECURITY + text);
      const out = await keepalivedT(lab, file);
      t.regex(out, said, `keepalived on ${what}`);
      const r = load(file);
      t.true(r.errors.length > 0, `tandem on ${what}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await lab.cleanup();
  }
});
