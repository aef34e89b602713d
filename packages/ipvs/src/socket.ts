/**
 * What the IPVS client needs from a generic-netlink socket. This package brings one built on
 * the `netlink` npm package (`PackageGenlSocket`); a faster one, whose exchanges run in native
 * code, can be handed in (the daemon gives @tandem/net's `NetlinkSocket`).
 */
export interface GenlSocket {
  /**
   * Sends each datagram (whole netlink messages) once the previous one's last request has its
   * final reply — an acknowledgement or error, a dump's NLMSG_DONE, or a plain get's answer —
   * and resolves with every reply message received, back to back in one buffer. One exchange
   * at a time. Rejects with an Error whose `errno` names the cause: ETIMEDOUT when the kernel
   * left a request unanswered for `timeoutMs`, otherwise the failing system call's.
   */
  exchange(datagrams: readonly Buffer[], timeoutMs: number): Promise<Buffer>;
  /** Closes the socket; an exchange in flight fails. */
  close(): void;
}

/** Opens a socket in the caller's network namespace; may throw. */
export type GenlSocketFactory = () => GenlSocket;

/** How a socket's exchange fails. */
export interface GenlSocketError extends Error {
  readonly errno?: string;
}
