import { parseArgs } from 'node:util';

export const DEFAULT_CONFIG = '/etc/keepalived/keepalived.conf';
export const DEFAULT_SOCKET = '/run/tandem/tandem.sock';

/** The default control socket of a tandemd in a network namespace, so one per namespace can run (keepalived likewise names its pid files). */
export function namespaceSocket(name: string): string {
  return `/run/tandem/tandem_${name}.sock`;
}

/** tandemd's command line, keepalived-compatible where keepalived has the flag. */
export interface DaemonOptions {
  readonly configFile: string;
  readonly dontFork: boolean;
  readonly logConsole: boolean;
  readonly logDetail: boolean;
  readonly configTest: boolean;
  /** `--plan`: print what starting with the file would change (IPVS, addresses), change nothing. */
  readonly plan: boolean;
  readonly pidFile: string | undefined;
  readonly controlSocket: string;
  /** Whether --control-socket was given (otherwise a net_namespace picks its own default). */
  readonly controlSocketGiven: boolean;
  readonly logJson: boolean;
  /** keepalived's `-i`: the id `@ID` lines match; undefined = host name up to the first dot. */
  readonly configId: string | undefined;
  readonly help: boolean;
}

export const USAGE = `Usage: tandemd [options]
  -f, --use-file FILE       configuration file (default ${DEFAULT_CONFIG})
  -n, --dont-fork           accepted for compatibility; tandemd always runs in the foreground
  -l, --log-console         log to the console (stderr)
  -D, --log-detail          detailed logging
  -t, --config-test         check the configuration file and exit (0 valid, 1 invalid)
      --plan                print the IPVS and address changes the file would cause here, change nothing
  -p, --pid FILE            write the process id to FILE
  -i, --config-id ID        id that @ID lines in the file match (default: host name up to the first dot)
      --control-socket PATH control socket for tandemctl (default ${DEFAULT_SOCKET};
                            with net_namespace NAME: ${namespaceSocket('NAME')})
      --log-json            log one JSON object per line
  -h, --help                this text`;

/** Parses argv; throws a TypeError with a readable message on a bad flag. */
export function parseDaemonArgs(argv: readonly string[]): DaemonOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'use-file': { type: 'string', short: 'f' },
      'dont-fork': { type: 'boolean', short: 'n' },
      'log-console': { type: 'boolean', short: 'l' },
      'log-detail': { type: 'boolean', short: 'D' },
      'config-test': { type: 'boolean', short: 't' },
      plan: { type: 'boolean' },
      pid: { type: 'string', short: 'p' },
      'control-socket': { type: 'string' },
      'log-json': { type: 'boolean' },
      'config-id': { type: 'string', short: 'i' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
    strict: true,
  });
  return {
    configFile: values['use-file'] ?? DEFAULT_CONFIG,
    dontFork: values['dont-fork'] ?? false,
    logConsole: values['log-console'] ?? false,
    logDetail: values['log-detail'] ?? false,
    configTest: values['config-test'] ?? false,
    plan: values.plan ?? false,
    pidFile: values.pid,
    controlSocket: values['control-socket'] ?? DEFAULT_SOCKET,
    controlSocketGiven: values['control-socket'] !== undefined,
    logJson: values['log-json'] ?? false,
    configId: values['config-id'],
    help: values.help ?? false,
  };
}
