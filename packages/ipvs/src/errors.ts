import { constants } from 'node:os';

export type IpvsErrorCode =
  /** The kernel refused the request; `errno` says why. */
  | 'IPVS_ERR_KERNEL'
  /** No reply within the request's deadline; the socket was reopened. */
  | 'IPVS_ERR_TIMEOUT'
  /** The kernel has no IPVS generic-netlink family (module not loaded, or not built). */
  | 'IPVS_ERR_UNAVAILABLE'
  /** The netlink socket failed (ENOBUFS, closed, ...); the socket was reopened. */
  | 'IPVS_ERR_SOCKET'
  /** A reply that could not be decoded. */
  | 'IPVS_ERR_PROTOCOL';

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** The errno name of a (positive) error number, e.g. 17 → EEXIST. */
export const errnoName = (errno: number): string => errnoNames.get(errno) ?? `errno ${errno}`;

// What the IPVS code means by each errno (ip_vs_ctl.c), in an operator's words.
const meanings: Record<string, string> = {
  EEXIST: 'already exists',
  ENOENT: 'no such destination, scheduler or persistence engine',
  ESRCH: 'no such virtual service, or the sync daemon is not running',
  EINVAL: 'invalid argument (an address without a route, a missing field, or a mixed-family destination with the sync daemon)',
  ERANGE: 'value out of range (negative weight, or lower threshold above upper)',
  EPERM: 'not permitted (needs CAP_NET_ADMIN)',
  EAFNOSUPPORT: 'address family not supported',
  ENODEV: 'no such interface',
  ENOMEM: 'out of memory',
  EBUSY: 'busy',
  ETIMEDOUT: 'no reply in time',
};

/** An IPVS failure: a stable code, the operation in words, and the errno name where there is one. */
export class IpvsError extends Error {
  readonly code: IpvsErrorCode;
  readonly operation: string;
  readonly errno: string | undefined;
  /** `cause`: the error this one wraps (a socket's, or the kernel refusal behind IPVS_ERR_UNAVAILABLE). */
  constructor(code: IpvsErrorCode, operation: string, detail: string, errno?: string, cause?: unknown) {
    super(`${operation}: ${detail}`, cause === undefined ? undefined : { cause });
    this.name = 'IpvsError';
    this.code = code;
    this.operation = operation;
    this.errno = errno;
  }

  static fromErrno(operation: string, errno: number): IpvsError {
    const name = errnoName(errno);
    return new IpvsError('IPVS_ERR_KERNEL', operation, `${name} (${meanings[name] ?? 'refused by the kernel'})`, name);
  }
}
