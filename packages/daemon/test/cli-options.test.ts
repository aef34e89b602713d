import test from 'ava';
import { getopt } from '../src/getopt.js';
import { OPTIONS, parseDaemonArgs, syslogFacility, tmpDir, USAGE, type DaemonOptions } from '../src/cli.js';

// keepalived 2.2.7's long_options (keepalived/core/main.c), every #ifdef branch included:
// [long name, short letter or '', argument kind].
const KEEPALIVED_227: ReadonlyArray<readonly [string, string, 'none' | 'required' | 'optional']> = [
  ['use-file', 'f', 'required'], ['vrrp', 'P', 'none'], ['check', 'C', 'none'], ['no_bfd', 'B', 'none'], ['all', '', 'none'],
  ['log-console', 'l', 'none'], ['log-detail', 'D', 'none'], ['log-facility', 'S', 'required'], ['log-file', 'g', 'optional'],
  ['all-config', 'e', 'none'], ['flush-log-file', '', 'none'], ['no-syslog', 'G', 'none'], ['umask', 'u', 'required'],
  ['release-vips', 'X', 'none'], ['dont-release-vrrp', 'V', 'none'], ['dont-release-ipvs', 'I', 'none'], ['dont-respawn', 'R', 'none'],
  ['dont-fork', 'n', 'none'], ['dump-conf', 'd', 'none'], ['pid', 'p', 'required'], ['vrrp_pid', 'r', 'required'], ['genhash', 'T', 'none'],
  ['checkers_pid', 'c', 'required'], ['address-monitoring', 'a', 'none'], ['bfd_pid', 'b', 'required'], ['snmp', 'x', 'none'],
  ['snmp-agent-socket', 'A', 'required'], ['core-dump', 'm', 'none'], ['core-dump-pattern', 'M', 'optional'], ['no-mem-check', '', 'none'],
  ['mem-check-log', 'L', 'none'], ['namespace', 's', 'required'], ['config-id', 'i', 'required'], ['signum', '', 'required'],
  ['config-test', 't', 'optional'], ['config-fd', '', 'required'], ['perf', '', 'optional'], ['debug', '', 'optional'],
  ['version', 'v', 'none'], ['help', 'h', 'none'],
];

test('the table holds every keepalived 2.2.7 option with its letter and argument kind, and nothing keepalived lacks claims to be keepalived\'s', (t) => {
  for (const [long, short, arg] of KEEPALIVED_227) {
    const o = OPTIONS.find((x) => x.long === long);
    if (o === undefined) {
      t.fail(`--${long} missing`);
      continue;
    }
    t.is(o.short ?? '', short, `--${long}'s letter`);
    t.is(o.arg, arg, `--${long}'s argument`);
    t.true(o.keepalived, `--${long} is keepalived's`);
  }
  const names = new Set(KEEPALIVED_227.map(([l]) => l));
  for (const o of OPTIONS) if (o.keepalived) t.true(names.has(o.long), `--${o.long} is not a keepalived 2.2.7 option`);
  const letters = OPTIONS.flatMap((o) => (o.short !== undefined ? [o.short] : []));
  t.is(new Set(letters).size, letters.length, 'no letter twice');
  for (const o of OPTIONS) t.true(USAGE.includes(`--${o.long}`), `--help shows --${o.long}`);
});

/** What each implemented option does, given on its own (value: what it is given). */
const EFFECTS: Record<string, { value?: string; expect: Partial<DaemonOptions> }> = {
  'use-file': { value: 'x.conf', expect: { configFile: 'x.conf' } },
  vrrp: { expect: { runChecks: false, runVrrp: true } },
  check: { expect: { runVrrp: false, runChecks: true } },
  no_bfd: { expect: { runBfd: false } },
  all: { expect: { runVrrp: true, runChecks: true, runBfd: true, runAll: true } },
  'log-console': { expect: { logConsole: true } },
  'log-detail': { expect: { logDetail: true } },
  'log-facility': { value: 'local3', expect: { logFacility: 19 } },
  'log-file': { value: '/var/log/t.log', expect: { logFile: '/var/log/t.log' } },
  'all-config': { expect: {} },
  'no-syslog': { expect: { syslog: false } },
  umask: { value: '027', expect: { umask: 0o27 } },
  'release-vips': { expect: {} },
  'dont-release-vrrp': { expect: { releaseVrrp: false } },
  'dont-release-ipvs': { expect: { releaseIpvs: false } },
  'dont-respawn': { expect: { respawn: false } },
  'dont-fork': { expect: { dontFork: true } },
  'dump-conf': { expect: { dumpConf: true } },
  pid: { value: '/run/k.pid', expect: { pidFile: '/run/k.pid' } },
  vrrp_pid: { value: '/run/v.pid', expect: { vrrpPidFile: '/run/v.pid' } },
  genhash: { expect: { genhash: true } },
  checkers_pid: { value: '/run/c.pid', expect: { checkersPidFile: '/run/c.pid' } },
  bfd_pid: { value: '/run/b.pid', expect: { bfdPidFile: '/run/b.pid' } },
  snmp: { expect: { snmp: true } },
  'snmp-agent-socket': { value: 'tcp:localhost:705', expect: { snmpSocket: 'tcp:localhost:705' } },
  'core-dump': { expect: { coreDump: true, coreDumpPattern: undefined } },
  'core-dump-pattern': { value: 'core.%p', expect: { coreDump: true, coreDumpPattern: 'core.%p' } },
  namespace: { value: 'blue', expect: { namespace: 'blue' } },
  'config-id': { value: 'lb-a', expect: { configId: 'lb-a' } },
  signum: { value: 'JSON', expect: { signum: 'JSON' } },
  'config-test': { value: '/tmp/t.log', expect: { configTest: true, configTestLog: '/tmp/t.log', syslog: false } },
  version: { expect: { version: true } },
  help: { expect: { help: true } },
  plan: { expect: { plan: true, syslog: false } },
  'control-socket': { value: '/run/x.sock', expect: { controlSocket: '/run/x.sock', controlSocketGiven: true } },
  'log-json': { expect: { logJson: true } },
  'syslog-socket': { value: '/run/systemd/journal/dev-log', expect: { syslogSocket: '/run/systemd/journal/dev-log' } },
  'metrics-listen': { value: '127.0.0.1:9650', expect: { metricsListen: '127.0.0.1:9650' } },
};

test('every option, long and short, does what the table says; an option that changes nothing says why', (t) => {
  for (const o of OPTIONS) {
    const value = EFFECTS[o.long]?.value ?? 'X';
    const withValue = (name: string, short: boolean): string[] => (o.arg === 'none' ? [name] : o.arg === 'optional' ? [short ? `${name}${value}` : `${name}=${value}`] : [name, value]);
    const forms = [withValue(`--${o.long}`, false), ...(o.short !== undefined ? [withValue(`-${o.short}`, true)] : [])];
    for (const argv of forms) {
      const parsed = parseDaemonArgs(argv);
      if (o.status === 'no-op') {
        t.truthy(o.why, `--${o.long} says why it changes nothing`);
        t.true(parsed.warnings.some((w) => w.includes(`--${o.long}`) && w.includes(o.why!)), `${argv.join(' ')} warns`);
        continue;
      }
      const effect = EFFECTS[o.long];
      if (effect === undefined) {
        t.fail(`no expected effect written down for --${o.long}`);
        continue;
      }
      // Options tandem always follows (-e, -X) leave the defaults as they are.
      if (Object.keys(effect.expect).length === 0) t.deepEqual(parsed, parseDaemonArgs([]), argv.join(' '));
      else t.like(parsed, effect.expect, argv.join(' '));
      t.deepEqual(parsed.warnings, [], `${argv.join(' ')} gives no warning`);
    }
  }
});

test('getopt_long\'s rules: clusters, attached and separate values, optional values only attached, unique prefixes, -- and operands', (t) => {
  t.like(parseDaemonArgs(['-lnDf', 'a.conf']), { logConsole: true, dontFork: true, logDetail: true, configFile: 'a.conf' });
  t.like(parseDaemonArgs(['-Slocal0']), { logFacility: 16 });
  t.like(parseDaemonArgs(['-S', 'user']), { logFacility: 1 });
  t.like(parseDaemonArgs(['-S', '7']), { logFacility: 23 });
  t.like(parseDaemonArgs(['--use-file=b.conf']), { configFile: 'b.conf' });
  t.like(parseDaemonArgs(['--use-f', 'c.conf', '--dont-f']), { configFile: 'c.conf', dontFork: true });
  // -M's value only when attached: `-M core` is -M with its default, then an operand.
  const m = parseDaemonArgs(['-M', 'core.x']);
  t.like(m, { coreDump: true, coreDumpPattern: 'core' });
  t.deepEqual(m.warnings, ['Unexpected argument(s): core.x']);
  t.like(parseDaemonArgs(['-Mcore.%e']), { coreDumpPattern: 'core.%e' });
  t.like(parseDaemonArgs(['-t']), { configTest: true, configTestLog: undefined });
  t.like(parseDaemonArgs(['--config-test']), { configTest: true, configTestLog: undefined });
  t.like(parseDaemonArgs(['--', '-l']), { logConsole: false, warnings: ['Unexpected argument(s): -l'] });
  t.throws(() => parseDaemonArgs(['--log-']), { message: /Ambiguous option --log-/ });
  t.throws(() => parseDaemonArgs(['-q']), { message: 'Unknown option -q' });
  t.throws(() => parseDaemonArgs(['--frobnicate']), { message: 'Unknown option --frobnicate' });
  t.throws(() => parseDaemonArgs(['-f']), { message: 'Missing parameter for option -f' });
  t.throws(() => parseDaemonArgs(['--use-file=']), { message: 'Missing parameter for option --use-file' });
  t.throws(() => parseDaemonArgs(['--dont-fork=yes']), { message: 'Option --dont-fork takes no parameter' });
  // -v, -h and --signum print and exit, as keepalived's do, whatever else the line holds.
  t.like(parseDaemonArgs(['-q', '-v']), { version: true });
  t.deepEqual(getopt(OPTIONS, ['-x', 'conf', '-l']).operands, ['conf']);
});

test('a bad -S or -u value is passed over with keepalived\'s message, the default kept', (t) => {
  t.like(parseDaemonArgs(['-S', 'local9']), { logFacility: 3, warnings: ["Invalid log facility 'local9'"] });
  t.like(parseDaemonArgs(['-u', '0x12']), { umask: 0x12 });
  t.like(parseDaemonArgs(['-u', 'abc']), { umask: undefined, warnings: ["Invalid umask 'abc'"] });
  t.is(syslogFacility('daemon'), 3);
  t.is(syslogFacility('LOCAL1'), undefined);
});

test('Debian\'s /etc/default/keepalived DAEMON_ARGS lines start tandemd: the unit passes --dont-fork $DAEMON_ARGS', (t) => {
  t.like(parseDaemonArgs(['--dont-fork', '-D', '-x']), { dontFork: true, logDetail: true, snmp: true, warnings: [] });
  t.like(parseDaemonArgs(['--dont-fork', '-P']), { runChecks: false, runVrrp: true, warnings: [] });
  t.like(parseDaemonArgs(['--dont-fork', '-C', '-S', '5', '-D', '-d']), { runVrrp: false, logFacility: 21, dumpConf: true });
  t.like(parseDaemonArgs(['--dont-fork', '-D', '--snmp', '--log-facility=local6', '--vrrp_pid=/run/keepalived_vrrp.pid']), { snmp: true, logFacility: 22, vrrpPidFile: '/run/keepalived_vrrp.pid' });
});

test('keepalived\'s defaults: syslog to daemon, no console, both sides running, everything released at stop', (t) => {
  t.like(parseDaemonArgs([]), { syslog: true, logFacility: 3, logConsole: false, runVrrp: true, runChecks: true, releaseVrrp: true, releaseIpvs: true, respawn: true, warnings: [] });
  t.is(tmpDir({}), '/tmp');
  t.is(tmpDir({ TMPDIR: '/var/tmp/' }), '/var/tmp');
  t.is(tmpDir({ TMPDIR: 'relative' }), '/tmp');
  t.like(parseDaemonArgs(['-g']), { logFile: `${tmpDir()}/keepalived.log` });
});
