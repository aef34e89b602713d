#include "packet_socket.h"

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "errors.h"

Napi::Object PacketSocket::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "PacketSocket",
      {
          InstanceMethod("send", &PacketSocket::Send),
          InstanceMethod("close", &PacketSocket::Close),
      });
  exports.Set("PacketSocket", ctor);
  return exports;
}

// new PacketSocket(ifname): protocol 0 so that the socket receives nothing.
PacketSocket::PacketSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PacketSocket>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "PacketSocket(ifname)").ThrowAsJavaScriptException();
    return;
  }
  const std::string ifname = info[0].As<Napi::String>().Utf8Value();
  ifindex_ = static_cast<int>(if_nametoindex(ifname.c_str()));
  if (ifindex_ == 0) {
    ThrowErrno(env, "if_nametoindex", errno);
    return;
  }
  fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) ThrowErrno(env, "socket(AF_PACKET)", errno);
}

PacketSocket::~PacketSocket() {
  if (fd_ >= 0) close(fd_);
}

// send(frame): a whole Ethernet frame; destination MAC taken from its first 6 bytes.
Napi::Value PacketSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) return ThrowErrno(env, "sendto", EBADF);
  if (info.Length() < 1 || !info[0].IsBuffer()) {
    Napi::TypeError::New(env, "send(frame)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto frame = info[0].As<Napi::Buffer<uint8_t>>();
  if (frame.Length() < ETH_HLEN) {
    Napi::RangeError::New(env, "frame shorter than an Ethernet header").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_ifindex = ifindex_;
  addr.sll_halen = ETH_ALEN;
  std::memcpy(&addr.sll_protocol, frame.Data() + 12, 2);
  std::memcpy(addr.sll_addr, frame.Data(), ETH_ALEN);
  ssize_t n = sendto(fd_, frame.Data(), frame.Length(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  if (n < 0) return ThrowErrno(env, "sendto(AF_PACKET)", errno);
  return Napi::Number::New(env, static_cast<double>(n));
}

Napi::Value PacketSocket::Close(const Napi::CallbackInfo& info) {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  return info.Env().Undefined();
}
