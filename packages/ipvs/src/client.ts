import { Cmd } from './constants.js';
import { type Body, IpvsConnection, type Requests } from './connection.js';
import { describeOperation, serviceName } from './describe.js';
import { IpvsError } from './errors.js';
import { type Decoded, decodeDaemon, decodeDestination, decodeInfo, decodeService, decodeTimeouts } from './decode.js';
import type { Reply } from './framing.js';
import { operationCmd, writeDaemon, writeDaemonState, writeOperation, writeServiceKey, writeTimeouts } from './messages.js';
import { PackageGenlSocket } from './package-socket.js';
import type { GenlSocketFactory } from './socket.js';
import type { Operation } from './operations.js';
import type { DestinationEntry, Info, ServiceEntry, ServiceKey, SyncDaemon, SyncState, Timeouts } from './types.js';

export interface ClientOptions {
  /** Deadline of each wait for the kernel, in ms (default 5000). */
  readonly timeoutMs?: number;
  /**
   * Sockets used to read destinations in parallel: the kernel runs one dump per socket at a
   * time (default 4 with the built-in socket, whose round trips each take an event-loop turn,
   * so several overlap; 1 with a socket handed in, whose exchanges run in native code).
   */
  readonly dumpSockets?: number;
  /** Requests per datagram when applying operations (default 256). */
  readonly batchSize?: number;
  /** Opens the generic-netlink sockets (default: the `netlink` package's, PackageGenlSocket). */
  readonly socket?: GenlSocketFactory;
}

/** The outcome of one operation: `error` is set when the kernel refused it. */
export interface OperationResult {
  readonly operation: Operation;
  readonly error?: IpvsError;
}

/** One service with its destinations, as the kernel reports them. */
export interface KernelService {
  readonly service: ServiceEntry;
  readonly destinations: readonly DestinationEntry[];
}

const none: Body = () => undefined;

type Decoder<T> = (buf: Buffer, start: number, end: number) => Decoded<T>;

/** The data messages of one answer, decoded; a message that does not decode is IPVS_ERR_PROTOCOL. */
function decodeAll<T>(what: string, buf: Buffer, replies: readonly Reply[], decode: Decoder<T>): T[] {
  const out: T[] = [];
  for (const r of replies) {
    if (r.kind !== 'data') continue;
    const d = decode(buf, r.start, r.end);
    if (!d.ok) throw new IpvsError('IPVS_ERR_PROTOCOL', what, d.detail);
    out.push(d.value);
  }
  return out;
}

/** The kernel's IPVS over generic netlink: read, change, and run the sync daemon. */
export class IpvsClient {
  private constructor(
    private readonly main: IpvsConnection,
    private readonly dumpers: readonly IpvsConnection[],
    private readonly batchSize: number,
  ) {}

  /** Connects; rejects with IPVS_ERR_UNAVAILABLE when the kernel has no IPVS. */
  static async open(options: ClientOptions = {}): Promise<IpvsClient> {
    const conn = { timeoutMs: options.timeoutMs ?? 5000, socket: options.socket ?? (() => new PackageGenlSocket()) };
    const main = await IpvsConnection.open(conn);
    const dumpers: IpvsConnection[] = [];
    try {
      for (let i = 1; i < (options.dumpSockets ?? (options.socket === undefined ? 4 : 1)); i++) dumpers.push(await IpvsConnection.open(conn));
    } catch (err) {
      main.close();
      for (const d of dumpers) d.close();
      throw err;
    }
    return new IpvsClient(main, dumpers, options.batchSize ?? 256);
  }

  close(): void {
    this.main.close();
    for (const d of this.dumpers) d.close();
  }

  private async getOne<T>(cmd: Cmd, write: Body, what: string, decode: Decoder<T>): Promise<T> {
    const { buf, answers } = await this.main.request(cmd, write, what, false);
    const [value] = decodeAll(what, buf, answers[0] ?? [], decode);
    if (value === undefined) throw new IpvsError('IPVS_ERR_PROTOCOL', what, 'empty reply');
    return value;
  }

  private async dumpAll<T>(cmd: Cmd, write: Body, what: string, decode: Decoder<T>): Promise<T[]> {
    const { buf, answers } = await this.main.request(cmd, write, what, true);
    return decodeAll(what, buf, answers[0] ?? [], decode);
  }

  info(): Promise<Info> {
    return this.getOne(Cmd.GetInfo, none, 'read IPVS info', decodeInfo);
  }

  services(): Promise<ServiceEntry[]> {
    return this.dumpAll(Cmd.GetService, none, 'list services', decodeService);
  }

  /** One service, or undefined when the kernel has none with that key. */
  async service(key: ServiceKey): Promise<ServiceEntry | undefined> {
    try {
      return await this.getOne(Cmd.GetService, (w) => writeServiceKey(w, key), `read service ${serviceName(key)}`, decodeService);
    } catch (err) {
      if (err instanceof IpvsError && err.errno === 'ESRCH') return undefined;
      throw err;
    }
  }

  destinations(key: ServiceKey): Promise<DestinationEntry[]> {
    return this.dumpAll(Cmd.GetDest, (w) => writeServiceKey(w, key), `list destinations of ${serviceName(key)}`, (b, s, e) => decodeDestination(b, key.family, s, e));
  }

  /**
   * Every service with its destinations: one service dump, then one destination dump per
   * service (the kernel has no command for several), split over the sockets in contiguous
   * runs, each run one exchange.
   */
  async table(): Promise<KernelService[]> {
    const services = await this.services();
    const pool = [this.main, ...this.dumpers];
    const per = Math.ceil(services.length / pool.length);
    const out: KernelService[] = new Array<KernelService>(services.length);
    await Promise.all(
      pool.map(async (conn, c) => {
        const slice = services.slice(c * per, (c + 1) * per);
        if (slice.length === 0) return;
        const { buf, answers } = await conn.dumpEach<ServiceEntry>({ items: slice, cmd: () => Cmd.GetDest, write: (w, s) => writeServiceKey(w, s.key), what: (s) => `list destinations of ${serviceName(s.key)}` });
        slice.forEach((service, i) => {
          const what = `list destinations of ${serviceName(service.key)}`;
          const replies = answers[i] ?? [];
          for (const r of replies) if (r.kind === 'error' && r.errno !== 0) throw IpvsError.fromErrno(what, r.errno);
          out[c * per + i] = { service, destinations: decodeAll(what, buf, replies, (b, s, e) => decodeDestination(b, service.key.family, s, e)) };
        });
      }),
    );
    return out;
  }

  /**
   * Applies operations in order, `batchSize` per datagram, all in one exchange, and reports
   * each one's outcome; a refused operation does not stop the ones after it.
   */
  async apply(operations: readonly Operation[]): Promise<OperationResult[]> {
    const errors = await this.main.batch<Operation>({ items: operations, cmd: operationCmd, write: writeOperation, what: describeOperation }, this.batchSize);
    return operations.map((operation, i) => {
      const error = errors[i];
      return error === undefined ? { operation } : { operation, error };
    });
  }

  /** Applies one operation; throws its error. */
  async run(operation: Operation): Promise<void> {
    const [result] = await this.apply([operation]);
    if (result?.error !== undefined) throw result.error;
  }

  private async command(cmd: Cmd, write: Body, what: string): Promise<void> {
    const request: Requests<Cmd> = { items: [cmd], cmd: (c) => c, write: (w) => write(w), what: () => what };
    const [err] = await this.main.batch(request, 1);
    if (err !== undefined) throw err;
  }

  /** Deletes every virtual service (ipvsadm -C). */
  flush(): Promise<void> {
    return this.command(Cmd.Flush, none, 'flush all services');
  }

  /** Zeroes the counters of one service, or of all. */
  zero(key?: ServiceKey): Promise<void> {
    return this.command(Cmd.Zero, key === undefined ? none : (w) => writeServiceKey(w, key), key === undefined ? 'zero all counters' : `zero counters of ${serviceName(key)}`);
  }

  timeouts(): Promise<Timeouts> {
    return this.getOne(Cmd.GetConfig, none, 'read timeouts', decodeTimeouts);
  }

  /** Sets the given timeouts; the others keep their values. */
  setTimeouts(t: Partial<Timeouts>): Promise<void> {
    return this.command(Cmd.SetConfig, (w) => writeTimeouts(w, t), 'set timeouts');
  }

  daemons(): Promise<SyncDaemon[]> {
    return this.dumpAll(Cmd.GetDaemon, none, 'list sync daemons', decodeDaemon);
  }

  startDaemon(d: SyncDaemon): Promise<void> {
    return this.command(Cmd.NewDaemon, (w) => writeDaemon(w, d), `start sync daemon ${d.state} on ${d.interface} id ${d.syncId}`);
  }

  stopDaemon(state: SyncState): Promise<void> {
    return this.command(Cmd.DelDaemon, (w) => writeDaemonState(w, state), `stop sync daemon ${state}`);
  }
}
