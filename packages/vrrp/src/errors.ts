/** Codes for errors raised by the vrrp package (never for bad input bytes: those are drop reasons). */
export type VrrpErrorCode = 'VRRP_ERR_ENCODE' | 'VRRP_ERR_CONFIG';

/** Base error of the vrrp package; `code` is stable and documented. */
export class VrrpError extends Error {
  readonly code: VrrpErrorCode;
  constructor(code: VrrpErrorCode, message: string) {
    super(message);
    this.name = 'VrrpError';
    this.code = code;
  }
}
