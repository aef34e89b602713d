import { getopt, type ArgKind, type OptionSpec } from './getopt.js';

export const DEFAULT_CONFIG = '/etc/keepalived/keepalived.conf';
export const DEFAULT_SOCKET = '/run/tandem/tandem.sock';
/** tandem's version, and the keepalived release whose command line and files it takes. */
export const VERSION = '0.1.0';
export const KEEPALIVED_VERSION = '2.2.7';

/** The default control socket of a tandemd in a network namespace, so one per namespace can run (keepalived likewise names its pid files). */
export function namespaceSocket(name: string): string {
  return `/run/tandem/tandem_${name}.sock`;
}

/** syslog facilities `-S` takes (keepalived: `0`-`7` and `local0`-`local7` are LOG_LOCALn, `user`, `daemon`), as syslog(3) numbers. */
export const SYSLOG_FACILITIES: Readonly<Record<string, number>> = {
  user: 1,
  daemon: 3,
  ...Object.fromEntries(Array.from({ length: 8 }, (_, n) => [`local${n}`, 16 + n])),
};

/** The facility `-S VALUE` names, or undefined (keepalived then keeps `daemon` and says so). */
export function syslogFacility(value: string): number | undefined {
  if (/^[0-7]$/.test(value)) return 16 + Number(value);
  return SYSLOG_FACILITIES[value];
}

/**
 * keepalived's `--signum` names and the numbers it prints (lib/signals.c `get_signum`; JSON is
 * SIGRTMIN+2 and STATS_CLEAR SIGRTMAX-1, 36 and 63 with glibc on Linux).
 */
export const SIGNUMS: Readonly<Record<string, number>> = { STOP: 15, RELOAD: 1, DATA: 10, STATS: 12, STATS_CLEAR: 63, JSON: 36 };

/** tandemd's command line: keepalived 2.2.7's options, and tandem's own. */
export interface DaemonOptions {
  readonly configFile: string;
  readonly dontFork: boolean;
  /** `-l`: log to the console too (stderr). */
  readonly logConsole: boolean;
  /** `-D`: debug lines too. */
  readonly logDetail: boolean;
  /** `-S`: the syslog facility, as a syslog(3) number (default 3, daemon). */
  readonly logFacility: number;
  /** Log to syslog: false with `-G` (and for `-t`, `--plan`). */
  readonly syslog: boolean;
  /** `--syslog-socket`: the local syslog daemon's datagram socket. */
  readonly syslogSocket: string;
  /** `-g [FILE]`: also log to FILE. */
  readonly logFile: string | undefined;
  readonly logJson: boolean;
  readonly configTest: boolean;
  /** `-t FILE` / `--config-test=FILE`: where `-t` writes (appended), instead of stdout. */
  readonly configTestLog: string | undefined;
  /** `--plan`: print what starting with the file would change (IPVS, addresses), change nothing. */
  readonly plan: boolean;
  /** The VRRP side runs (not with `-C`). */
  readonly runVrrp: boolean;
  /** Checks and IPVS run (not with `-P`). */
  readonly runChecks: boolean;
  /** BFD runs (not with `-B`). */
  readonly runBfd: boolean;
  /** `--all`: the VRRP side runs even when the file has no VRRP configuration. */
  readonly runAll: boolean;
  /** Masters leave VRRP and remove their addresses at stop (not with `-V`). */
  readonly releaseVrrp: boolean;
  /** tandem's IPVS services are removed at stop (not with `-I`). */
  readonly releaseIpvs: boolean;
  /** A VRRP side that dies is started again (not with `-R`: tandemd stops). */
  readonly respawn: boolean;
  /** `-d`: log the configuration as keepalived dumps it, at start. */
  readonly dumpConf: boolean;
  readonly pidFile: string | undefined;
  /** `-r`: the VRRP side's pid, rewritten when it restarts. */
  readonly vrrpPidFile: string | undefined;
  /** `-c`: the pid of the process that runs the checks (the supervisor). */
  readonly checkersPidFile: string | undefined;
  /** `-b`: the pid of the process that runs BFD (the supervisor). */
  readonly bfdPidFile: string | undefined;
  /** `-u`: the umask for files tandemd creates. */
  readonly umask: number | undefined;
  /** `-x`: serve keepalived's MIBs as an AgentX subagent. */
  readonly snmp: boolean;
  /** `-A`: the master agent's socket (default /var/agentx/master). */
  readonly snmpSocket: string | undefined;
  /** `-m`: core dumps on a crash. */
  readonly coreDump: boolean;
  /** `-M [PATTERN]`: also set kernel.core_pattern. */
  readonly coreDumpPattern: string | undefined;
  /** `-s`: the network namespace to run in, over the file's net_namespace. */
  readonly namespace: string | undefined;
  readonly controlSocket: string;
  /** Whether --control-socket was given (otherwise a net_namespace picks its own default). */
  readonly controlSocketGiven: boolean;
  /** keepalived's `-i`: the id `@ID` lines match; undefined = host name up to the first dot. */
  readonly configId: string | undefined;
  /** `--metrics-listen ADDR:PORT`: serve Prometheus metrics there (off by default). */
  readonly metricsListen: string | undefined;
  readonly help: boolean;
  /** `-v`: print the version and exit. */
  readonly version: boolean;
  /** `-T`: keepalived's genhash utility mode: print the digest HTTP_GET wants. */
  readonly genhash: boolean;
  /** What follows `-T` on the line: genhash's own options. */
  readonly genhashArgs: readonly string[];
  /** `--signum=NAME`: print the signal number keepalived uses for NAME and exit. */
  readonly signum: string | undefined;
  /** Options accepted that change nothing here, or values keepalived would also pass over: each says why. */
  readonly warnings: readonly string[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };

/** What an option is to tandemd: keepalived's meaning implemented, or accepted and said to change nothing. */
export type OptionStatus = 'implemented' | 'no-op';

/** One option of the table: getopt's view, its help line, and what it does to the options. */
export interface DaemonOption extends OptionSpec {
  /** The value's name in the help text (`FILE`). */
  readonly metavar?: string;
  readonly help: string;
  /** keepalived 2.2.7 has it (else it is tandem's own). */
  readonly keepalived: boolean;
  readonly status: OptionStatus;
  /** For a `no-op`: why it changes nothing in tandem (logged as a warning when given). */
  readonly why?: string;
  readonly apply?: (o: Mutable<DaemonOptions>, value: string | undefined) => void;
}

const opt = (long: string, short: string | undefined, arg: ArgKind, rest: Omit<DaemonOption, 'long' | 'short' | 'arg'>): DaemonOption => ({
  long,
  ...(short !== undefined ? { short } : {}),
  arg,
  ...rest,
});

const ka = { keepalived: true, status: 'implemented' } as const;
const own = { keepalived: false, status: 'implemented' } as const;
const noop = (why: string): { keepalived: true; status: 'no-op'; why: string } => ({ keepalived: true, status: 'no-op', why });

/**
 * Every option of keepalived 2.2.7 (keepalived/core/main.c `long_options`, including those its
 * Debian build leaves out) and tandem's own, in `--help` order. Each is implemented, or
 * accepted with a warning saying why it changes nothing for tandem.
 */
export const OPTIONS: readonly DaemonOption[] = [
  opt('use-file', 'f', 'required', { ...ka, metavar: 'FILE', help: `configuration file (default ${DEFAULT_CONFIG})`, apply: (o, v) => (o.configFile = v!) }),
  opt('vrrp', 'P', 'none', { ...ka, help: 'only run VRRP: no health checks, no IPVS', apply: (o) => (o.runChecks = false) }),
  opt('check', 'C', 'none', { ...ka, help: 'only run health checks and IPVS: no VRRP', apply: (o) => (o.runVrrp = false) }),
  opt('no_bfd', 'B', 'none', { ...ka, help: 'do not run BFD', apply: (o) => (o.runBfd = false) }),
  opt('all', undefined, 'none', { ...ka, help: 'run VRRP, checks and BFD even without configuration for them (overrides -P, -C, -B)', apply: (o) => Object.assign(o, { runVrrp: true, runChecks: true, runBfd: true, runAll: true }) }),
  opt('log-console', 'l', 'none', { ...ka, help: 'log to the console (stderr) too', apply: (o) => (o.logConsole = true) }),
  opt('log-detail', 'D', 'none', { ...ka, help: 'detailed log messages (debug level)', apply: (o) => (o.logDetail = true) }),
  opt('log-facility', 'S', 'required', {
    ...ka,
    metavar: '([0-7]|local[0-7]|user|daemon)',
    help: 'syslog facility: LOG_LOCAL0-7, user or daemon (default)',
    apply: (o, v) => {
      const f = syslogFacility(v!);
      if (f === undefined) o.warnings.push(`Invalid log facility '${v!}'`);
      else o.logFacility = f;
    },
  }),
  opt('log-file', 'g', 'optional', { ...ka, metavar: 'FILE', help: 'also log to FILE (default /tmp/keepalived.log)', apply: (o, v) => (o.logFile = v ?? `${tmpDir()}/keepalived.log`) }),
  opt('flush-log-file', undefined, 'none', { ...noop('every line is written to the log file as it is logged'), help: 'flush the log file after each line' }),
  opt('all-config', 'e', 'none', { ...ka, help: 'error if an included file is missing (tandem always does)' }),
  opt('no-syslog', 'G', 'none', { ...ka, help: 'do not log to syslog', apply: (o) => (o.syslog = false) }),
  opt('umask', 'u', 'required', {
    ...ka,
    metavar: 'MASK',
    help: 'umask for files tandemd creates (numeric)',
    apply: (o, v) => {
      // keepalived reads it with strtoul(..., 0): 022, 0x12 and 18 are all the same mask.
      const n = /^0x[0-9a-f]+$/i.test(v!) ? parseInt(v!, 16) : /^0[0-7]*$/.test(v!) ? parseInt(v!, 8) : /^[1-9][0-9]*$/.test(v!) ? Number(v) : NaN;
      if (Number.isNaN(n) || n > 0o777) o.warnings.push(`Invalid umask '${v!}'`);
      else o.umask = n;
    },
  }),
  opt('release-vips', 'X', 'none', { ...ka, help: 'remove the virtual addresses on any transition out of MASTER (tandem always does)' }),
  opt('dont-release-vrrp', 'V', 'none', { ...ka, help: 'leave virtual addresses and routes in place at stop (no priority-0 advert)', apply: (o) => (o.releaseVrrp = false) }),
  opt('dont-release-ipvs', 'I', 'none', { ...ka, help: 'leave the IPVS services in place at stop', apply: (o) => (o.releaseIpvs = false) }),
  opt('dont-respawn', 'R', 'none', { ...ka, help: 'do not restart a VRRP side that dies: stop tandemd', apply: (o) => (o.respawn = false) }),
  opt('dont-fork', 'n', 'none', { ...ka, help: 'stay in the foreground (tandemd always does; supervision belongs to systemd)', apply: (o) => (o.dontFork = true) }),
  opt('dump-conf', 'd', 'none', { ...ka, help: 'log the configuration at start, as keepalived dumps it', apply: (o) => (o.dumpConf = true) }),
  opt('pid', 'p', 'required', { ...ka, metavar: 'FILE', help: 'pidfile of the main process', apply: (o, v) => (o.pidFile = v) }),
  opt('vrrp_pid', 'r', 'required', { ...ka, metavar: 'FILE', help: 'pidfile of the VRRP side', apply: (o, v) => (o.vrrpPidFile = v) }),
  opt('genhash', 'T', 'none', { ...ka, help: 'genhash utility mode: the MD5 digest of a URL for HTTP_GET\'s digest (-T -s ADDR -p PORT -u URL [-S])', apply: (o) => (o.genhash = true) }),
  opt('checkers_pid', 'c', 'required', { ...ka, metavar: 'FILE', help: 'pidfile of the process running the checks (the main process in tandem)', apply: (o, v) => (o.checkersPidFile = v) }),
  opt('address-monitoring', 'a', 'none', noopHelp('report address changes seen on netlink', 'tandem does not log other programs\' address changes; `ip monitor address` shows them')),
  opt('bfd_pid', 'b', 'required', { ...ka, metavar: 'FILE', help: 'pidfile of the process running BFD (the main process in tandem)', apply: (o, v) => (o.bfdPidFile = v) }),
  opt('snmp', 'x', 'none', { ...ka, help: 'serve KEEPALIVED-MIB, VRRP-MIB and VRRPv3-MIB as an AgentX subagent', apply: (o) => (o.snmp = true) }),
  opt('snmp-agent-socket', 'A', 'required', { ...ka, metavar: 'FILE', help: 'the SNMP master agent\'s AgentX socket', apply: (o, v) => (o.snmpSocket = v) }),
  opt('core-dump', 'm', 'none', { ...ka, help: 'allow core dumps if tandemd crashes (raises RLIMIT_CORE)', apply: (o) => (o.coreDump = true) }),
  opt('core-dump-pattern', 'M', 'optional', { ...ka, metavar: 'PATN', help: 'also set kernel.core_pattern to PATN (default \'core\')', apply: (o, v) => Object.assign(o, { coreDump: true, coreDumpPattern: v ?? 'core' }) }),
  opt('no-mem-check', undefined, 'none', noopHelp('disable keepalived\'s memory checker', 'keepalived\'s own allocation checker; tandem has none')),
  opt('mem-check-log', 'L', 'none', noopHelp('log keepalived\'s memory checker', 'keepalived\'s own allocation checker; tandem has none')),
  opt('namespace', 's', 'required', { ...ka, metavar: 'NAME', help: 'run in network namespace NAME (overrides the file\'s net_namespace)', apply: (o, v) => (o.namespace = v) }),
  opt('config-id', 'i', 'required', { ...ka, metavar: 'ID', help: 'id that @ID lines in the file match (default: host name up to the first dot)', apply: (o, v) => (o.configId = v) }),
  opt('signum', undefined, 'required', { ...ka, metavar: 'SIGFUNC', help: 'print the signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON', apply: (o, v) => (o.signum ??= v) }),
  opt('config-test', 't', 'optional', { ...ka, metavar: 'LOG_FILE', help: 'check the configuration and exit (0 valid, 4 unreadable, 5 invalid, as keepalived); output to LOG_FILE if given', apply: (o, v) => Object.assign(o, { configTest: true, configTestLog: v }) }),
  opt('config-fd', undefined, 'required', { ...noop('keepalived passes its children the file on a descriptor; tandem reads the file itself'), metavar: 'FD', help: 'read the configuration from a descriptor (keepalived\'s children)' }),
  opt('perf', undefined, 'optional', noopHelp('run keepalived under perf', 'keepalived\'s own profiling hook; profile tandemd with node --cpu-prof')),
  opt('debug', undefined, 'optional', noopHelp('keepalived\'s debug options', 'keepalived\'s own debugging switches; tandem\'s detail is -D')),
  opt('version', 'v', 'none', { ...ka, help: 'print the version and exit', apply: (o) => (o.version = true) }),
  opt('help', 'h', 'none', { ...ka, help: 'this text', apply: (o) => (o.help = true) }),
  opt('plan', undefined, 'none', { ...own, help: 'print the IPVS and address changes the file would cause here, change nothing', apply: (o) => (o.plan = true) }),
  opt('control-socket', undefined, 'required', {
    ...own,
    metavar: 'PATH',
    help: `control socket for tandemctl (default ${DEFAULT_SOCKET}; with net_namespace NAME: ${namespaceSocket('NAME')})`,
    apply: (o, v) => Object.assign(o, { controlSocket: v, controlSocketGiven: true }),
  }),
  opt('log-json', undefined, 'none', { ...own, help: 'log one JSON object per line', apply: (o) => (o.logJson = true) }),
  opt('syslog-socket', undefined, 'required', { ...own, metavar: 'PATH', help: 'the local syslog socket (default /dev/log)', apply: (o, v) => (o.syslogSocket = v!) }),
  opt('metrics-listen', undefined, 'required', { ...own, metavar: 'ADDR:PORT', help: 'serve Prometheus metrics on http://ADDR:PORT/metrics (off by default)', apply: (o, v) => (o.metricsListen = v) }),
];

function noopHelp(help: string, why: string): Omit<DaemonOption, 'long' | 'short' | 'arg'> {
  return { ...noop(why), help };
}

/** keepalived's directory for its dumps and default log: $TMPDIR when absolute, else /tmp. */
export function tmpDir(env: NodeJS.ProcessEnv = process.env): string {
  const t = env['TMPDIR'];
  return t !== undefined && t.startsWith('/') ? t.replace(/\/+$/, '') || '/' : '/tmp';
}

function usageLine(o: DaemonOption): string {
  const names = `${o.short !== undefined ? `-${o.short}, ` : '    '}--${o.long}`;
  const value = o.metavar === undefined ? '' : o.arg === 'optional' ? `[=${o.metavar}]` : `=${o.metavar}`;
  return `  ${`${names}${value}`.padEnd(32)} ${o.help}`;
}

export const USAGE = `Usage: tandemd [OPTION...]\n${OPTIONS.map(usageLine).join('\n')}`;

/** Options before any argument is read. */
function defaults(): Mutable<DaemonOptions> {
  return {
    configFile: DEFAULT_CONFIG,
    dontFork: false,
    logConsole: false,
    logDetail: false,
    logFacility: SYSLOG_FACILITIES['daemon']!,
    syslog: true,
    syslogSocket: '/dev/log',
    logFile: undefined,
    logJson: false,
    configTest: false,
    configTestLog: undefined,
    plan: false,
    runVrrp: true,
    runChecks: true,
    runBfd: true,
    runAll: false,
    releaseVrrp: true,
    releaseIpvs: true,
    respawn: true,
    dumpConf: false,
    pidFile: undefined,
    vrrpPidFile: undefined,
    checkersPidFile: undefined,
    bfdPidFile: undefined,
    umask: undefined,
    snmp: false,
    snmpSocket: undefined,
    coreDump: false,
    coreDumpPattern: undefined,
    namespace: undefined,
    controlSocket: DEFAULT_SOCKET,
    controlSocketGiven: false,
    configId: undefined,
    metricsListen: undefined,
    help: false,
    version: false,
    genhash: false,
    genhashArgs: [],
    signum: undefined,
    warnings: [],
  };
}

/**
 * Reads tandemd's command line as keepalived 2.2.7 reads its own (getopt_long); throws a
 * TypeError naming every unknown option or missing value. Options that change nothing for
 * tandem are accepted and each leaves a warning saying why; operands are passed over with a
 * warning, as keepalived does.
 */
export function parseDaemonArgs(argv: readonly string[]): DaemonOptions {
  // keepalived hands everything after -T to genhash, which reads its own options.
  const t = argv.findIndex((a) => a === '-T' || (a.length > 3 && '--genhash'.startsWith(a)));
  if (t >= 0) return { ...defaults(), genhash: true, genhashArgs: argv.slice(t + 1), warnings: t > 0 ? [`Warning -- \`${argv[t]!}\` not used as first option, previous options ignored`] : [] };
  const r = getopt(OPTIONS, argv);
  const o = defaults();
  for (const { spec, value } of r.hits) {
    if (spec.status === 'no-op') o.warnings.push(`option --${spec.long}${spec.short !== undefined ? ` (-${spec.short})` : ''} changes nothing in tandem: ${spec.why!}`);
    spec.apply?.(o, value);
  }
  // Like keepalived, an option that prints and exits wins over mistakes elsewhere on the line.
  if (r.errors.length > 0 && !o.help && !o.version && !o.genhash && o.signum === undefined) throw new TypeError(r.errors.join('; '));
  if (r.operands.length > 0) o.warnings.push(`Unexpected argument(s): ${r.operands.join(' ')}`);
  // keepalived's -t runs in the foreground without syslog; so does --plan.
  if (o.configTest || o.plan) o.syslog = false;
  return o;
}

/** What `tandemd -v` prints (to stderr, as keepalived does). */
export function versionText(): string {
  return `tandemd v${VERSION} (keepalived v${KEEPALIVED_VERSION} command line and configuration)\n`;
}
