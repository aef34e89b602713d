import { constants } from 'node:os';

/** Codes for errors raised by the net package. */
export type NetErrorCode = 'NET_ERR_ARGUMENT' | 'NET_ERR_SYSCALL' | 'NET_ERR_NETLINK' | 'NET_ERR_NO_INTERFACE' | 'NET_ERR_NO_ADDRESS' | 'NET_ERR_ADDON';

/** Base error of the net package: a stable code, the operation, and the errno name where one exists. */
export class NetError extends Error {
  readonly code: NetErrorCode;
  readonly operation: string;
  readonly errno: string | undefined;
  constructor(code: NetErrorCode, operation: string, message: string, errno?: string) {
    super(`${operation}: ${message}`);
    this.name = 'NetError';
    this.code = code;
    this.operation = operation;
    this.errno = errno;
  }
}

/** The errno name carried by a `netlink` package error ('Request rejected: EEXIST'), if any. */
export function netlinkErrno(err: unknown): string | undefined {
  const m = /Request rejected: (\w+)/.exec(err instanceof Error ? err.message : String(err));
  return m?.[1];
}

/** Wraps an error from the `netlink` package into a NetError, once, at the edge. */
export function wrapNetlinkError(operation: string, err: unknown): NetError {
  const errno = netlinkErrno(err);
  return new NetError('NET_ERR_NETLINK', operation, err instanceof Error ? err.message : String(err), errno);
}

const errnoNames = new Map<number, string>();
// First name wins where two share a number (EAGAIN before EWOULDBLOCK).
for (const [name, n] of Object.entries(constants.errno)) if (!errnoNames.has(n)) errnoNames.set(n, name);

/** The errno name of a (positive) error number, e.g. 111 -> ECONNREFUSED. */
export const errnoName = (errno: number): string => errnoNames.get(errno) ?? `errno ${errno}`;

/** Wraps an error thrown by the native addon (it carries `errno` and `syscall`). */
export function wrapSyscallError(err: unknown): NetError {
  if (err instanceof NetError) return err;
  const e = err as { errno?: number; syscall?: string; message?: string };
  const name = typeof e.errno === 'number' ? errnoName(e.errno) : undefined;
  return new NetError('NET_ERR_SYSCALL', e.syscall ?? 'syscall', e.message ?? String(err), name);
}
