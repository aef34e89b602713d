import { wrapSyscallError } from './errors.js';
import { native, type NativePacketSocket } from './native.js';

/** Sends whole Ethernet frames on one interface (AF_PACKET); receives nothing. */
export class PacketSender {
  private readonly handle: NativePacketSocket;
  private closed = false;

  constructor(readonly interfaceName: string) {
    try {
      this.handle = new (native().PacketSocket)(interfaceName);
    } catch (err) {
      throw wrapSyscallError(err);
    }
  }

  send(frame: Buffer): void {
    try {
      this.handle.send(frame);
    } catch (err) {
      throw wrapSyscallError(err);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.close();
  }
}
