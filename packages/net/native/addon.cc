#include <napi.h>
#include "file_lock.h"
#include "memory.h"
#include "namespace.h"
#include "netlink_socket.h"
#include "ns_call.h"
#include "socket_options.h"
#include "packet_socket.h"
#include "raw_socket.h"
#include "tcp_prober.h"
#include "tun.h"
#include "udp_socket.h"

static Napi::Object InitAll(Napi::Env env, Napi::Object exports) {
  RawSocket::Init(env, exports);
  PacketSocket::Init(env, exports);
  TcpProber::Init(env, exports);
  UdpSocket::Init(env, exports);
  InitNamespace(env, exports);
  InitMemory(env, exports);
  InitFileLock(env, exports);
  NetlinkSocket::Init(env, exports);
  InitNsCall(env, exports);
  InitSocketOptions(env, exports);
  InitTun(env, exports);
  return exports;
}

NODE_API_MODULE(tandem_net, InitAll)
