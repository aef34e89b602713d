/** Codes for errors raised by the bfd package (never for bad input bytes: those are drop reasons). */
export type BfdErrorCode = 'BFD_ERR_ENCODE' | 'BFD_ERR_CONFIG';

/** Base error of the bfd package; `code` is stable and documented. */
export class BfdError extends Error {
  readonly code: BfdErrorCode;
  constructor(code: BfdErrorCode, message: string) {
    super(message);
    this.name = 'BfdError';
    this.code = code;
  }
}
