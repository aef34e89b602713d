import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '@tandem/config';
import { exampleFile, KEEPALIVED_227 } from '@tandem/config/dist/test/keyword-examples.js';
import { Lab, TANDEMD } from '../lib/lab.js';
import { nsRun } from '../lib/sh.js';

// keepalived 2.2.7 (Debian's) is the oracle: every keyword example that tandem's table holds
// must be one keepalived takes (else the example, not tandem, is wrong), and what keepalived
// refuses tandem refuses too.

/** keepalived scripts are refused by `-t` unless script security is on. */
const SECURITY = 'global_defs {\n  enable_script_security\n  script_user root\n}\n';

/** Debian builds keepalived 2.2.7 without libipset, so this one keyword is unknown to it (upstream's builds with libipset take it). */
const NOT_IN_DEBIAN = new Set(['global_defs › vrrp_ipsets']);

/** `exit N` of a command in the lab's namespace. */
async function exitOf(lab: Lab, cmd: readonly string[]): Promise<string> {
  return (await nsRun(lab.ns('a'), 'sh', ['-c', '"$@" >/dev/null 2>&1; echo "exit $?"', 'sh', ...cmd], { allowFail: true })).trim().split('\n').pop()!;
}

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
  ['quorum 0', exampleFile('virtual_server', 'quorum', 'quorum 0'), /quorum/i],
  ...['use_pid_dir', 'child_wait_time 10', 'linkbeat_use_polling', 'namespace_with_ipsets', 'instance blue'].map(
    (line) => [`${line.split(' ')[0]!} in global_defs`, exampleFile('global_defs', 'router_id', line), /Unknown keyword/] as const,
  ),
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
      // A config push's pipeline sees the same exit code from either -t.
      t.is(await exitOf(lab, ['node', TANDEMD, '-t', '-f', file]), await exitOf(lab, ['keepalived', '-t', '-f', file, '-l', '-n']), `exit codes on ${what}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await lab.cleanup();
  }
});

/** A virtual server block with its real servers. */
const lvs = (head: string, body: string): string => `virtual_server ${head} {\n${body}}\n`;
const vrrp = (body: string): string => `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n${body}}\n`;
const real = (address: string, port = '', body = ''): string => `  real_server ${address}${port !== '' ? ` ${port}` : ''} {\n${body}  }\n`;

/**
 * Files keepalived 2.2.7 runs after correcting them (its check_data.c says what it did: `-t` then
 * exits non-zero, though the daemon starts): tandem loads each, makes the same correction and
 * warns. [what, file, keepalived's message, tandem's warning]
 */
const CORRECTED: ReadonlyArray<readonly [string, string, RegExp, RegExp]> = [
  ['no protocol', lvs('192.0.2.1 80', real('10.0.0.1', '80')), /no protocol set - defaulting to UDP/, /no protocol set, so it is UDP/],
  ['port 0 without persistence', lvs('192.0.2.1 0', `  protocol TCP\n${real('10.0.0.1')}`), /zero port only valid for persistent services - setting/, /persistence_timeout is 360 s/],
  ['a real server twice', lvs('192.0.2.1 80', `  protocol TCP\n${real('10.0.0.1', '80')}${real('10.0.0.1', '80')}`), /is duplicated - removing second rs/, /appears twice .*the second is removed/],
  ['ops on TCP', lvs('192.0.2.1 80', `  protocol TCP\n  ops\n${real('10.0.0.1', '80')}`), /one packet scheduling requires UDP - resetting/, /ops .* ignored, as keepalived resets it/],
  ['a quorum above the total weight', lvs('192.0.2.1 80', `  protocol TCP\n  quorum 5\n${real('10.0.0.1', '80')}`), /exceeds total weight of real servers 1, reducing quorum to 1/, /quorum 5 exceeds .* lowered to 1/],
  ['a hysteresis not below the quorum', lvs('192.0.2.1 80', `  protocol TCP\n  quorum 2\n  hysteresis 2\n${real('10.0.0.1', '80', '    weight 2\n')}`), /hysteresis 2 >= quorum 2; setting hysteresis to 1/, /hysteresis 2 is not below quorum 2; set to 1/],
  ['a DR real server on another port', lvs('192.0.2.1 80', `  protocol TCP\n  lb_kind DR\n${real('10.0.0.1', '8080')}`), /ports don't match - resetting/, /IPVS gets 80, as keepalived resets it/],
  ['a DR real server of a fwmark service with a port', lvs('fwmark 5', `  lb_kind DR\n${real('10.0.0.1', '80')}`), /has port specified - clearing/, /IPVS gets none, as keepalived clears it/],
  ['a protocol for a fwmark service', lvs('fwmark 5', `  protocol TCP\n${real('10.0.0.1')}`), /protocol specified for fwmark - protocol will be ignored/, /protocol TCP is ignored for a fwmark service/],
  ['ha_suspend with a fwmark', lvs('fwmark 5', `  lb_kind DR\n  ha_suspend\n${real('10.0.0.1', '0', '    TCP_CHECK {\n      connect_port 80\n    }\n')}`), /cannot use ha_suspend with fwmarks - clearing ha_suspend/, /ha_suspend cannot be used with a fwmark .*ignored, as keepalived clears it/],
  ['no real servers', lvs('192.0.2.1 80', '  protocol TCP\n  sorry_server 10.0.0.9 80\n'), /has no real servers - ignoring/, /has no real servers; ignored, as keepalived ignores it/],
  ['an empty virtual_server_group', `virtual_server_group G {\n}\n${lvs('group G', `  protocol TCP\n${real('10.0.0.1', '80')}`)}`, /virtual server group G has no entries - removing/, /virtual_server_group G has no entries; ignored/],
  ['sh-port with another scheduler', lvs('192.0.2.1 80', `  protocol TCP\n  lb_algo rr\n  sh-port\n${real('10.0.0.1', '80')}`), /sh-port only applies to sh scheduler - ignoring/, /sh-port applies only to the sh scheduler \(this one is rr\); ignored/],
  ['sh-port before lb_algo sh', lvs('192.0.2.1 80', `  protocol TCP\n  sh-port\n  lb_algo sh\n${real('10.0.0.1', '80')}`), /sh-port only applies to sh scheduler - ignoring/, /must be set before it; ignored/],
  ['sorry_server_inhibit before sorry_server', lvs('192.0.2.1 80', `  protocol TCP\n  sorry_server_inhibit\n  sorry_server 10.0.0.9 80\n${real('10.0.0.1', '80')}`), /Ignoring sorry_server inhibit used before or without sorry_server/, /sorry_server_inhibit before \(or without\) sorry_server; ignored/],
  ['vmac_xmit_base without use_vmac', vrrp('  vmac_xmit_base\n'), /vmac_xmit_base is only valid with a vmac/, /vmac_xmit_base is only valid with use_vmac; ignored/],
  ['unicast_src_ip without peers', vrrp('  unicast_src_ip 192.0.2.5\n'), /A unicast keyword has been specified without any unicast peers. Defaulting to multicast/, /unicast_src_ip without unicast_peer: the adverts are multicast/],
  ['strict mode: state MASTER below priority 255', `global_defs {\n  vrrp_strict\n}\n${vrrp('  state MASTER\n  priority 100\n')}`, /State MASTER must match being address owner/, /state MASTER is only for the address owner .* starts as BACKUP/],
  ['strict mode: authentication', `global_defs {\n  vrrp_strict\n}\n${vrrp('  authentication {\n    auth_type PASS\n    auth_pass 1111\n  }\n')}`, /Strict mode does not support authentication. Ignoring/, /no authentication: the authentication block is ignored/],
  ['strict mode: preempt_delay', `global_defs {\n  vrrp_strict\n}\n${vrrp('  preempt_delay 5\n')}`, /preempt_delay is incompatible with strict mode - resetting/, /no preempt_delay: 0/],
  ['strict mode: higher_prio_send_advert', `global_defs {\n  vrrp_strict\n}\n${vrrp('  higher_prio_send_advert\n')}`, /strict mode requires higher_prio_send_advert to be clear. resetting/, /higher_prio_send_advert is off/],
  ['a fractional VRRPv2 interval', vrrp('  advert_int 1.5\n'), /must be an integer. rounding/, /VRRPv2 advert_int 1.5 is not whole seconds: 2 s/],
  ['a VRRPv3 interval finer than 10 ms', vrrp('  version 3\n  advert_int 0.057\n'), /must be in units of 10ms - rounding/, /not in steps of 0.01 s: 0.06 s/],
  ['authentication with VRRPv3', vrrp('  version 3\n  authentication {\n    auth_type PASS\n    auth_pass x\n  }\n'), /VRRP version 3 does not support authentication. Ignoring/, /VRRPv3 has no authentication .*ignored/],
  ['authentication without a password', vrrp('  authentication {\n    auth_type PASS\n  }\n'), /Authentication specified but no password given. Ignoring/, /without auth_pass: no authentication/],
  ['nopreempt at priority 255', vrrp('  priority 255\n  nopreempt\n'), /nopreempt is incompatible with priority 255. resetting nopreempt/, /nopreempt does not go with priority 255/],
  ['nopreempt with state MASTER', vrrp('  state MASTER\n  priority 200\n  nopreempt\n'), /nopreempt will not work with initial state MASTER - clearing/, /nopreempt does not work with state MASTER/],
  ['preempt_delay with state MASTER', vrrp('  state MASTER\n  priority 200\n  preempt_delay 5\n'), /preempt delay will not work with initial state MASTER - clearing/, /preempt_delay does not work with state MASTER/],
  ['preempt_delay with nopreempt', vrrp('  nopreempt\n  preempt_delay 5\n'), /preempt_delay is incompatible with nopreempt mode - resetting/, /preempt_delay does not go with nopreempt/],
  ['a weighted track_script on a sync group member', `${SECURITY}vrrp_script chk {\n  script "/bin/true"\n  weight 10\n}\nvrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\n${vrrp('  track_script {\n    chk\n  }\n')}`, /ignoring tracked script chk with weights due to SYNC group/, /track_script chk with weight 10 is ignored, as keepalived does for a member of vrrp_sync_group G/],
  ['a track_script naming no vrrp_script', vrrp('  track_script {\n    chk\n  }\n'), /track script chk not found, ignoring/, /track_script chk: no vrrp_script of that name; ignored, as keepalived ignores it/],
  ['a vrrp_script without script', `vrrp_script chk {\n  interval 2\n}\n${vrrp('  track_script {\n    chk\n  }\n')}`, /No script set for vrrp_script chk - removing/, /vrrp_script chk has no script; removed/],
  ['a track_process naming no vrrp_track_process', vrrp('  track_process {\n    p\n  }\n'), /track process p not found, ignoring/, /track_process p: no vrrp_track_process of that name; ignored/],
  ['a sync group member that is no instance', `vrrp_sync_group G {\n  group {\n    VI_1\n    VI_9\n  }\n}\n${vrrp('')}`, /Virtual router VI_9 specified in sync group G doesn't exist - ignoring/, /vrrp_sync_group G: no vrrp_instance VI_9.*left out/],
  ['a track_bfd naming no bfd_instance', vrrp('  track_bfd {\n    b1\n  }\n'), /track bfd b1 not found, ignoring/, /track_bfd b1: no bfd_instance of that name; ignored/],
  // keepalived 1.x keywords real files still carry: keepalived 2.2.7 skips the line.
  ['nb_get_retry in TCP_CHECK', exampleFile('virtual_server > real_server > TCP_CHECK', 'retry', 'nb_get_retry 3'), /Unknown keyword 'nb_get_retry'/, /nb_get_retry in TCP_CHECK: .*skips the line, and so does tandem/],
  ['nat_mask in virtual_server', lvs('192.0.2.1 80', `  protocol TCP\n  nat_mask 255.255.255.0\n${real('10.0.0.1', '80')}`), /Unknown keyword 'nat_mask'/, /nat_mask in virtual_server: .*skips the line/],
  ['lvs_id in global_defs', `global_defs {\n  lvs_id LVS_1\n}\n${vrrp('')}`, /Unknown keyword 'lvs_id'/, /lvs_id in global_defs: .*router_id.*skips the line/],
  ['lvs_sync_daemon_inteface in vrrp_instance', vrrp('  lvs_sync_daemon_inteface eth0\n'), /Unknown keyword 'lvs_sync_daemon_inteface'/, /lvs_sync_daemon_inteface in vrrp_instance: .*skips the line/],
  ['a weighted track_interface on a sync group member', `vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\n${vrrp('  track_interface {\n    lo weight 10\n  }\n')}`, /ignoring lo tracked interface weight due to SYNC group/, /track_interface lo counts at weight 0, not 10/],
];

test.serial('what keepalived 2.2.7 corrects and runs, tandem corrects the same way and runs, with a warning', async (t) => {
  const lab = await Lab.create('tFkwc', ['a']);
  const dir = mkdtempSync(join(tmpdir(), 'tandem-kwc-'));
  try {
    for (const [what, text, keepalivedSays, tandemSays] of CORRECTED) {
      const file = join(dir, `${what.replace(/\W+/g, '_')}.conf`);
      writeFileSync(file, text);
      t.regex(await keepalivedT(lab, file), keepalivedSays, `keepalived on ${what}`);
      const r = load(file);
      t.deepEqual(r.errors.map((d) => d.message), [], `tandem on ${what}`);
      t.true(r.warnings.some((d) => tandemSays.test(d.message)), `tandem on ${what}: ${r.warnings.map((d) => d.message).join('; ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await lab.cleanup();
  }
});
