/** The address family of a service or destination. */
export type AddressFamily = 'inet' | 'inet6';
export type Protocol = 'tcp' | 'udp' | 'sctp';
/** How IPVS forwards to a destination: NAT (masq), direct routing, tunnelling, local node, bypass. */
export type ForwardMethod = 'masq' | 'droute' | 'tunnel' | 'local' | 'bypass';
export type TunnelType = 'ipip' | 'gue' | 'gre';
export type TunnelChecksum = 'nocsum' | 'csum' | 'remcsum';

/** A virtual service named by address, protocol and port. */
export interface AddressServiceKey {
  readonly family: AddressFamily;
  readonly protocol: Protocol;
  readonly address: string;
  readonly port: number;
}

/** A virtual service named by a firewall mark. */
export interface FwmarkServiceKey {
  readonly family: AddressFamily;
  readonly fwmark: number;
}

export type ServiceKey = AddressServiceKey | FwmarkServiceKey;

export const isFwmarkKey = (k: ServiceKey): k is FwmarkServiceKey => 'fwmark' in k;

/** Everything NEW_SERVICE / SET_SERVICE carries. */
export interface Service {
  readonly key: ServiceKey;
  /** Scheduler name (`rr`, `wlc`, `mh`, ...); `none` for no scheduler. */
  readonly scheduler: string;
  /** IP_VS_SVC_F_* bits (persistent, one-packet, the scheduler flags); HASHED is ignored. */
  readonly flags: number;
  /** Persistence timeout in seconds (0 when not persistent). */
  readonly timeout: number;
  /** Persistence granularity as a prefix length (32 / 128 = per client address). */
  readonly netmask: number;
  /** Persistence engine (`sip`), if any. */
  readonly pe?: string;
}

export interface Tunnel {
  readonly type: TunnelType;
  /** UDP port of GUE encapsulation (0 otherwise). */
  readonly port: number;
  readonly checksum: TunnelChecksum;
}

/** Everything NEW_DEST / SET_DEST carries. */
export interface Destination {
  readonly address: string;
  readonly port: number;
  /** The destination's family when it differs from the service's (tunnelling only). */
  readonly family?: AddressFamily;
  readonly forward: ForwardMethod;
  readonly weight: number;
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
  readonly tunnel?: Tunnel;
}

/** IPVS counters of a service or destination (the 64-bit set when the kernel sends it). */
export interface Stats {
  readonly conns: bigint;
  readonly inPackets: bigint;
  readonly outPackets: bigint;
  readonly inBytes: bigint;
  readonly outBytes: bigint;
  readonly cps: bigint;
  readonly inPps: bigint;
  readonly outPps: bigint;
  readonly inBps: bigint;
  readonly outBps: bigint;
}

/** A service as a dump reports it. */
export interface ServiceEntry extends Service {
  readonly stats: Stats;
}

/** A destination as a dump reports it. */
export interface DestinationEntry extends Destination {
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistConns: number;
  readonly stats: Stats;
}

/** One service with its destinations: the unit of the desired and the kernel table. */
export interface TableService {
  readonly service: Service;
  readonly destinations: readonly Destination[];
}

export type SyncState = 'master' | 'backup';

/** A connection-sync daemon (ipvsadm --start-daemon). */
export interface SyncDaemon {
  readonly state: SyncState;
  readonly interface: string;
  readonly syncId: number;
  /** UDP payload size; the kernel picks from the MTU when absent. */
  readonly maxlen?: number;
  /** Multicast group (IPv4 or IPv6); 224.0.0.81 when absent. */
  readonly group?: string;
  /** UDP port; 8848 when absent. */
  readonly port?: number;
  readonly ttl?: number;
}

/** Connection timeouts in seconds (ipvsadm --set). */
export interface Timeouts {
  readonly tcp: number;
  readonly tcpFin: number;
  readonly udp: number;
}

export interface Info {
  /** `major.minor.patch` of the kernel's IPVS. */
  readonly version: string;
  readonly connTableSize: number;
}
