import { Cmd } from './constants.js';
import { type BatchRequest, IpvsConnection } from './connection.js';
import { describeOperation, serviceName } from './describe.js';
import { IpvsError } from './errors.js';
import {
  daemonMessage,
  daemonStateMessage,
  decodeDaemon,
  decodeDestination,
  decodeInfo,
  decodeService,
  decodeTimeouts,
  destinationKeyMessage,
  destinationMessage,
  serviceKeyMessage,
  serviceMessage,
  timeoutsMessage,
} from './messages.js';
import type { Operation } from './operations.js';
import type { DestinationEntry, Info, ServiceEntry, ServiceKey, SyncDaemon, SyncState, Timeouts } from './types.js';

export interface ClientOptions {
  /** Deadline of each request or batch, in ms (default 5000). */
  readonly timeoutMs?: number;
  /** Sockets used to read destinations in parallel: the kernel runs one dump per socket at a time (default 4). */
  readonly dumpSockets?: number;
  /** Requests per datagram when applying operations (default 256). */
  readonly batchSize?: number;
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

function request(op: Operation): BatchRequest {
  const what = (): string => describeOperation(op);
  switch (op.op) {
    case 'add-service':
      return { cmd: Cmd.NewService, attrs: serviceMessage(op.service), what };
    case 'update-service':
      return { cmd: Cmd.SetService, attrs: serviceMessage(op.service), what };
    case 'delete-service':
      return { cmd: Cmd.DelService, attrs: serviceKeyMessage(op.key), what };
    case 'add-destination':
      return { cmd: Cmd.NewDest, attrs: destinationMessage(op.key, op.destination), what };
    case 'update-destination':
      return { cmd: Cmd.SetDest, attrs: destinationMessage(op.key, op.destination), what };
    case 'delete-destination':
      return { cmd: Cmd.DelDest, attrs: destinationKeyMessage(op.key, op.destination), what };
  }
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
    const conn = { timeoutMs: options.timeoutMs ?? 5000 };
    const main = await IpvsConnection.open(conn);
    const dumpers: IpvsConnection[] = [];
    try {
      for (let i = 1; i < (options.dumpSockets ?? 4); i++) dumpers.push(await IpvsConnection.open(conn));
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

  private decode<T>(what: string, parts: Buffer[], f: (b: Buffer) => T): T[] {
    try {
      return parts.map(f);
    } catch (err) {
      throw new IpvsError('IPVS_ERR_PROTOCOL', what, (err as Error).message);
    }
  }

  async info(): Promise<Info> {
    const parts = await this.main.get(Cmd.GetInfo, [], 'read IPVS info');
    const [info] = this.decode('read IPVS info', parts, decodeInfo);
    if (info === undefined) throw new IpvsError('IPVS_ERR_PROTOCOL', 'read IPVS info', 'empty reply');
    return info;
  }

  async services(): Promise<ServiceEntry[]> {
    return this.decode('list services', await this.main.dump(Cmd.GetService, [], 'list services'), decodeService);
  }

  /** One service, or undefined when the kernel has none with that key. */
  async service(key: ServiceKey): Promise<ServiceEntry | undefined> {
    const what = `read service ${serviceName(key)}`;
    try {
      const [s] = this.decode(what, await this.main.get(Cmd.GetService, serviceKeyMessage(key), what), decodeService);
      return s;
    } catch (err) {
      if (err instanceof IpvsError && err.errno === 'ESRCH') return undefined;
      throw err;
    }
  }

  async destinations(key: ServiceKey, conn: IpvsConnection = this.main): Promise<DestinationEntry[]> {
    const what = `list destinations of ${serviceName(key)}`;
    return this.decode(what, await conn.dump(Cmd.GetDest, serviceKeyMessage(key), what), (b) => decodeDestination(b, key.family));
  }

  /** Every service with its destinations: one service dump, then the destination dumps spread over the sockets. */
  async table(): Promise<KernelService[]> {
    const services = await this.services();
    const out: KernelService[] = new Array<KernelService>(services.length);
    const pool = [this.main, ...this.dumpers];
    let index = 0;
    await Promise.all(
      pool.map(async (conn) => {
        for (let i = index++; i < services.length; i = index++) {
          const service = services[i] as ServiceEntry;
          out[i] = { service, destinations: await this.destinations(service.key, conn) };
        }
      }),
    );
    return out;
  }

  /**
   * Applies operations in order, `batchSize` per datagram, and reports each one's outcome;
   * a refused operation does not stop the ones after it.
   */
  async apply(operations: readonly Operation[]): Promise<OperationResult[]> {
    const results: OperationResult[] = [];
    for (let i = 0; i < operations.length; i += this.batchSize) {
      const chunk = operations.slice(i, i + this.batchSize);
      const errors = await this.main.batch(chunk.map(request));
      chunk.forEach((operation, j) => {
        const error = errors[j];
        results.push(error === undefined ? { operation } : { operation, error });
      });
    }
    return results;
  }

  /** Applies one operation; throws its error. */
  async run(operation: Operation): Promise<void> {
    const [result] = await this.apply([operation]);
    if (result?.error !== undefined) throw result.error;
  }

  private async command(cmd: Cmd, attrs: BatchRequest['attrs'], what: string): Promise<void> {
    const [err] = await this.main.batch([{ cmd, attrs, what: () => what }]);
    if (err !== undefined) throw err;
  }

  /** Deletes every virtual service (ipvsadm -C). */
  flush(): Promise<void> {
    return this.command(Cmd.Flush, [], 'flush all services');
  }

  /** Zeroes the counters of one service, or of all. */
  zero(key?: ServiceKey): Promise<void> {
    return this.command(Cmd.Zero, key === undefined ? [] : serviceKeyMessage(key), key === undefined ? 'zero all counters' : `zero counters of ${serviceName(key)}`);
  }

  async timeouts(): Promise<Timeouts> {
    const [t] = this.decode('read timeouts', await this.main.get(Cmd.GetConfig, [], 'read timeouts'), decodeTimeouts);
    if (t === undefined) throw new IpvsError('IPVS_ERR_PROTOCOL', 'read timeouts', 'empty reply');
    return t;
  }

  /** Sets the given timeouts; the others keep their values. */
  setTimeouts(t: Partial<Timeouts>): Promise<void> {
    return this.command(Cmd.SetConfig, timeoutsMessage(t), 'set timeouts');
  }

  async daemons(): Promise<SyncDaemon[]> {
    return this.decode('list sync daemons', await this.main.dump(Cmd.GetDaemon, [], 'list sync daemons'), decodeDaemon);
  }

  startDaemon(d: SyncDaemon): Promise<void> {
    return this.command(Cmd.NewDaemon, daemonMessage(d), `start sync daemon ${d.state} on ${d.interface} id ${d.syncId}`);
  }

  stopDaemon(state: SyncState): Promise<void> {
    return this.command(Cmd.DelDaemon, daemonStateMessage(state), `stop sync daemon ${state}`);
  }
}
