#include "udp_socket.h"

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "errors.h"
#include "inet.h"

namespace {

constexpr size_t kMaxDatagram = 65536;

uint16_t PortOf(const sockaddr_storage& addr) {
  return addr.ss_family == AF_INET ? ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port)
                                   : ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
}

void SetPort(sockaddr_storage* addr, uint16_t port) {
  if (addr->ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(addr)->sin_port = htons(port);
  else reinterpret_cast<sockaddr_in6*>(addr)->sin6_port = htons(port);
}

}  // namespace

Napi::Object UdpSocket::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "UdpSocket",
      {
          InstanceMethod("bind", &UdpSocket::Bind),
          InstanceMethod("send", &UdpSocket::Send),
          InstanceMethod("setTtl", &UdpSocket::SetTtl),
          InstanceMethod("setTos", &UdpSocket::SetTos),
          InstanceMethod("ifindex", &UdpSocket::Ifindex),
          InstanceMethod("start", &UdpSocket::Start),
          InstanceMethod("close", &UdpSocket::Close),
          InstanceMethod("ref", &UdpSocket::Ref),
          InstanceMethod("unref", &UdpSocket::Unref),
      });
  exports.Set("UdpSocket", ctor);
  return exports;
}

// new UdpSocket(family 4|6, ifname, onMessage, onError): sends with TTL / hop limit 255
// until setTtl, and reports each received datagram's TTL, interface and destination.
UdpSocket::UdpSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<UdpSocket>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsFunction() || !info[3].IsFunction()) {
    Napi::TypeError::New(env, "UdpSocket(family, ifname, onMessage, onError)").ThrowAsJavaScriptException();
    return;
  }
  family_ = info[0].As<Napi::Number>().Int32Value() == 6 ? AF_INET6 : AF_INET;
  const std::string ifname = info[1].As<Napi::String>().Utf8Value();
  fd_ = socket(family_, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    ThrowErrno(env, "socket", errno);
    return;
  }
  auto fail = [&](const char* what) {
    int err = errno;
    close(fd_);
    fd_ = -1;
    ThrowErrno(env, what, err);
  };
  if (!ifname.empty()) {
    ifindex_ = static_cast<int>(if_nametoindex(ifname.c_str()));
    if (ifindex_ == 0) { fail("if_nametoindex"); return; }
    if (setsockopt(fd_, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(), ifname.size()) < 0)
      { fail("setsockopt(SO_BINDTODEVICE)"); return; }
  }
  if (family_ == AF_INET) {
    // RFC 5881 §5: sent with TTL 255, and the received TTL is checked.
    if (SetInt(fd_, IPPROTO_IP, IP_RECVTTL, 1) < 0) { fail("setsockopt(IP_RECVTTL)"); return; }
    if (SetInt(fd_, IPPROTO_IP, IP_PKTINFO, 1) < 0) { fail("setsockopt(IP_PKTINFO)"); return; }
    if (SetInt(fd_, IPPROTO_IP, IP_TTL, 255) < 0) { fail("setsockopt(IP_TTL)"); return; }
  } else {
    if (SetInt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, 1) < 0) { fail("setsockopt(IPV6_V6ONLY)"); return; }
    if (SetInt(fd_, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) < 0) { fail("setsockopt(IPV6_RECVHOPLIMIT)"); return; }
    if (SetInt(fd_, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) < 0) { fail("setsockopt(IPV6_RECVPKTINFO)"); return; }
    if (SetInt(fd_, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255) < 0) { fail("setsockopt(IPV6_UNICAST_HOPS)"); return; }
  }
  onMessage_ = Napi::Persistent(info[2].As<Napi::Function>());
  onError_ = Napi::Persistent(info[3].As<Napi::Function>());
  napi_async_init(env, info.This(), Napi::String::New(env, "tandem:UdpSocket"), &asyncContext_);
}

UdpSocket::~UdpSocket() {
  StopPolling();
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  if (asyncContext_ != nullptr) napi_async_destroy(Env(), asyncContext_);
}

// bind(address, port) -> the bound port (port 0: the kernel picks one).
Napi::Value UdpSocket::Bind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) return ThrowErrno(env, "bind", EBADF);
  sockaddr_storage addr;
  socklen_t len = 0;
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber() ||
      !ParseAddress(family_, info[0].As<Napi::String>().Utf8Value(), &addr, &len)) {
    Napi::TypeError::New(env, "bind(address, port): an address of the socket's family").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  SetPort(&addr, static_cast<uint16_t>(info[1].As<Napi::Number>().Uint32Value()));
  if (family_ == AF_INET6) reinterpret_cast<sockaddr_in6*>(&addr)->sin6_scope_id = ifindex_;
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) < 0) return ThrowErrno(env, "bind", errno);
  sockaddr_storage bound{};
  socklen_t boundLen = sizeof(bound);
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &boundLen) < 0) return ThrowErrno(env, "getsockname", errno);
  return Napi::Number::New(env, PortOf(bound));
}

// send(buffer, address, port) -> bytes sent
Napi::Value UdpSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) return ThrowErrno(env, "sendto", EBADF);
  if (info.Length() < 3 || !info[0].IsBuffer() || !info[1].IsString() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "send(buffer, address, port)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto buf = info[0].As<Napi::Buffer<uint8_t>>();
  sockaddr_storage addr;
  socklen_t len = 0;
  if (!ParseAddress(family_, info[1].As<Napi::String>().Utf8Value(), &addr, &len)) {
    Napi::TypeError::New(env, "send: not an address of the socket's family").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  SetPort(&addr, static_cast<uint16_t>(info[2].As<Napi::Number>().Uint32Value()));
  if (family_ == AF_INET6) reinterpret_cast<sockaddr_in6*>(&addr)->sin6_scope_id = ifindex_;
  ssize_t n = sendto(fd_, buf.Data(), buf.Length(), 0, reinterpret_cast<sockaddr*>(&addr), len);
  if (n < 0) return ThrowErrno(env, "sendto", errno);
  return Napi::Number::New(env, static_cast<double>(n));
}

// setTtl(n): TTL / hop limit of sent datagrams.
Napi::Value UdpSocket::SetTtl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) return ThrowErrno(env, "setsockopt(TTL)", EBADF);
  int ttl = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  if (ttl < 1 || ttl > 255) {
    Napi::RangeError::New(env, "ttl must be 1-255").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int rc = family_ == AF_INET ? SetInt(fd_, IPPROTO_IP, IP_TTL, ttl) : SetInt(fd_, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl);
  if (rc < 0) return ThrowErrno(env, "setsockopt(TTL)", errno);
  return env.Undefined();
}

// setTos(n): IPv4 TOS / IPv6 traffic class of sent datagrams (0xc0 is DSCP CS6, network control).
Napi::Value UdpSocket::SetTos(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) return ThrowErrno(env, "setsockopt(TOS)", EBADF);
  int tos = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : -1;
  if (tos < 0 || tos > 255) {
    Napi::RangeError::New(env, "tos must be 0-255").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int rc = family_ == AF_INET ? SetInt(fd_, IPPROTO_IP, IP_TOS, tos) : SetInt(fd_, IPPROTO_IPV6, IPV6_TCLASS, tos);
  if (rc < 0) return ThrowErrno(env, "setsockopt(TOS)", errno);
  return env.Undefined();
}

// ifindex(): the interface the socket is bound to, 0 if none.
Napi::Value UdpSocket::Ifindex(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), ifindex_);
}

Napi::Value UdpSocket::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) return ThrowErrno(env, "uv_poll_start", EBADF);
  if (poll_ != nullptr) return env.Undefined();
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  poll_ = new uv_poll_t;
  int rc = uv_poll_init(loop, poll_, fd_);
  if (rc != 0) {
    delete poll_;
    poll_ = nullptr;
    return ThrowErrno(env, "uv_poll_init", -rc);
  }
  poll_->data = this;
  // Keep the JS object alive while the poll handle can call back into it.
  self_ = Napi::Persistent(info.This().As<Napi::Object>());
  uv_poll_start(poll_, UV_READABLE, &UdpSocket::OnPoll);
  return env.Undefined();
}

void UdpSocket::ReportError(const char* what, int err) {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  Napi::Error e = Napi::Error::New(env, std::string(what) + ": " + std::strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, what));
  onError_.MakeCallback(env.Global(), {e.Value()}, asyncContext_);
}

void UdpSocket::OnPoll(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<UdpSocket*>(handle->data);
  if (self == nullptr) return;
  if (status < 0) {
    self->ReportError("poll", -status);
    return;
  }
  self->Drain();
}

void UdpSocket::Drain() {
  Napi::Env env = Env();
  static thread_local uint8_t buffer[kMaxDatagram];
  for (int budget = 0; budget < 256 && fd_ >= 0; ++budget) {
    sockaddr_storage from{};
    alignas(cmsghdr) char control[256];
    iovec iov{buffer, sizeof(buffer)};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = recvmsg(fd_, &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      // ICMP errors for earlier sends surface here (ECONNREFUSED, EHOSTUNREACH): report and go on.
      ReportError("recvmsg", errno);
      continue;
    }
    Ancillary anc = ReadAncillary(&msg);
    const void* srcAddr = family_ == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&from)->sin_addr)
                                             : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr);
    Napi::HandleScope scope(env);
    Napi::Object meta = Napi::Object::New(env);
    meta.Set("ttl", Napi::Number::New(env, anc.ttl));
    meta.Set("ifindex", Napi::Number::New(env, anc.ifindex));
    meta.Set("src", Napi::String::New(env, FormatAddress(family_, srcAddr)));
    meta.Set("srcPort", Napi::Number::New(env, PortOf(from)));
    meta.Set("dst", Napi::String::New(env, anc.dst));
    meta.Set("truncated", Napi::Boolean::New(env, (msg.msg_flags & MSG_TRUNC) != 0));
    auto payload = Napi::Buffer<uint8_t>::Copy(env, buffer, static_cast<size_t>(n));
    onMessage_.MakeCallback(env.Global(), {payload, meta}, asyncContext_);
  }
}

void UdpSocket::StopPolling() {
  if (poll_ == nullptr) return;
  uv_poll_stop(poll_);
  poll_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
  poll_ = nullptr;
}

Napi::Value UdpSocket::Close(const Napi::CallbackInfo& info) {
  StopPolling();
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  if (!self_.IsEmpty()) self_.Reset();
  return info.Env().Undefined();
}

Napi::Value UdpSocket::Ref(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}

Napi::Value UdpSocket::Unref(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}
