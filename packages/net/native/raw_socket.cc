#include "raw_socket.h"

#include <arpa/inet.h>
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

}  // namespace

Napi::Object RawSocket::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "RawSocket",
      {
          InstanceMethod("bind", &RawSocket::Bind),
          InstanceMethod("addMembership", &RawSocket::AddMembership),
          InstanceMethod("dropMembership", &RawSocket::DropMembership),
          InstanceMethod("send", &RawSocket::Send),
          InstanceMethod("setTtl", &RawSocket::SetTtl),
          InstanceMethod("start", &RawSocket::Start),
          InstanceMethod("close", &RawSocket::Close),
          InstanceMethod("ref", &RawSocket::Ref),
          InstanceMethod("unref", &RawSocket::Unref),
      });
  exports.Set("RawSocket", ctor);
  return exports;
}

// new RawSocket(family 4|6, protocol, ifname, onMessage, onError[, headerIncluded[, mark]])
// headerIncluded (IPv4 only): send() takes whole IP datagrams (IP_HDRINCL) and
// 'message' delivers them whole, for protocols whose integrity check covers the
// IP header (IPsec AH).
RawSocket::RawSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RawSocket>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsString() ||
      !info[3].IsFunction() || !info[4].IsFunction()) {
    Napi::TypeError::New(env, "RawSocket(family, protocol, ifname, onMessage, onError)")
        .ThrowAsJavaScriptException();
    return;
  }
  const int version = info[0].As<Napi::Number>().Int32Value();
  const int protocol = info[1].As<Napi::Number>().Int32Value();
  const std::string ifname = info[2].As<Napi::String>().Utf8Value();
  family_ = version == 6 ? AF_INET6 : AF_INET;
  headerIncluded_ = family_ == AF_INET && info.Length() > 5 && info[5].ToBoolean().Value();

  fd_ = socket(family_, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
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
  // SO_MARK (PING_CHECK's fwmark): policy routing of what the socket sends.
  const uint32_t mark = info.Length() > 6 && info[6].IsNumber() ? info[6].As<Napi::Number>().Uint32Value() : 0;
  if (mark != 0 && setsockopt(fd_, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) { fail("setsockopt(SO_MARK)"); return; }
  if (!ifname.empty()) {
    ifindex_ = static_cast<int>(if_nametoindex(ifname.c_str()));
    if (ifindex_ == 0) { fail("if_nametoindex"); return; }
    if (setsockopt(fd_, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(), ifname.size()) < 0)
      { fail("setsockopt(SO_BINDTODEVICE)"); return; }
  }
  if (family_ == AF_INET) {
    // RFC 5798 §5.1.1.3 / RFC 3768 §5.2.3: sent with TTL 255, checked on receive.
    if (SetInt(fd_, IPPROTO_IP, IP_RECVTTL, 1) < 0) { fail("setsockopt(IP_RECVTTL)"); return; }
    if (SetInt(fd_, IPPROTO_IP, IP_PKTINFO, 1) < 0) { fail("setsockopt(IP_PKTINFO)"); return; }
    if (SetInt(fd_, IPPROTO_IP, IP_TTL, 255) < 0) { fail("setsockopt(IP_TTL)"); return; }
    if (SetInt(fd_, IPPROTO_IP, IP_MULTICAST_TTL, 255) < 0) { fail("setsockopt(IP_MULTICAST_TTL)"); return; }
    if (SetInt(fd_, IPPROTO_IP, IP_MULTICAST_LOOP, 0) < 0) { fail("setsockopt(IP_MULTICAST_LOOP)"); return; }
    if (headerIncluded_ && SetInt(fd_, IPPROTO_IP, IP_HDRINCL, 1) < 0) { fail("setsockopt(IP_HDRINCL)"); return; }
    if (ifindex_ != 0) {
      ip_mreqn mreq{};
      mreq.imr_ifindex = ifindex_;
      if (setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) < 0)
        { fail("setsockopt(IP_MULTICAST_IF)"); return; }
    }
  } else {
    // The hop limit is only available as ancillary data for IPv6 raw sockets.
    if (SetInt(fd_, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) < 0) { fail("setsockopt(IPV6_RECVHOPLIMIT)"); return; }
    if (SetInt(fd_, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) < 0) { fail("setsockopt(IPV6_RECVPKTINFO)"); return; }
    if (SetInt(fd_, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255) < 0) { fail("setsockopt(IPV6_UNICAST_HOPS)"); return; }
    if (SetInt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255) < 0) { fail("setsockopt(IPV6_MULTICAST_HOPS)"); return; }
    if (SetInt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0) < 0) { fail("setsockopt(IPV6_MULTICAST_LOOP)"); return; }
    if (ifindex_ != 0 && SetInt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex_) < 0)
      { fail("setsockopt(IPV6_MULTICAST_IF)"); return; }
  }
  onMessage_ = Napi::Persistent(info[3].As<Napi::Function>());
  onError_ = Napi::Persistent(info[4].As<Napi::Function>());
  napi_async_init(env, info.This(), Napi::String::New(env, "tandem:RawSocket"), &asyncContext_);
}

RawSocket::~RawSocket() {
  StopPolling();
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  if (asyncContext_ != nullptr) napi_async_destroy(Env(), asyncContext_);
}

Napi::Value RawSocket::Bind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) return ThrowErrno(env, "bind", EBADF);
  sockaddr_storage addr;
  socklen_t len = 0;
  if (info.Length() < 1 || !info[0].IsString() ||
      !ParseAddress(family_, info[0].As<Napi::String>().Utf8Value(), &addr, &len)) {
    Napi::TypeError::New(env, "bind(address): not an address of the socket's family").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (family_ == AF_INET6) reinterpret_cast<sockaddr_in6*>(&addr)->sin6_scope_id = ifindex_;
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) < 0) return ThrowErrno(env, "bind", errno);
  return env.Undefined();
}

static Napi::Value Membership(RawSocket* self, int fd, int family, int ifindex,
                              const Napi::CallbackInfo& info, bool join) {
  Napi::Env env = info.Env();
  if (fd < 0) return ThrowErrno(env, "setsockopt(membership)", EBADF);
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "membership(group)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const std::string group = info[0].As<Napi::String>().Utf8Value();
  if (family == AF_INET) {
    ip_mreqn mreq{};
    if (inet_pton(AF_INET, group.c_str(), &mreq.imr_multiaddr) != 1) {
      Napi::TypeError::New(env, "not an IPv4 group").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    mreq.imr_ifindex = ifindex;
    if (setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
      return ThrowErrno(env, join ? "setsockopt(IP_ADD_MEMBERSHIP)" : "setsockopt(IP_DROP_MEMBERSHIP)", errno);
  } else {
    ipv6_mreq mreq{};
    if (inet_pton(AF_INET6, group.c_str(), &mreq.ipv6mr_multiaddr) != 1) {
      Napi::TypeError::New(env, "not an IPv6 group").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    mreq.ipv6mr_interface = static_cast<unsigned>(ifindex);
    if (setsockopt(fd, IPPROTO_IPV6, join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
      return ThrowErrno(env, join ? "setsockopt(IPV6_ADD_MEMBERSHIP)" : "setsockopt(IPV6_DROP_MEMBERSHIP)", errno);
  }
  (void)self;
  return env.Undefined();
}

Napi::Value RawSocket::AddMembership(const Napi::CallbackInfo& info) {
  return Membership(this, fd_, family_, ifindex_, info, true);
}

Napi::Value RawSocket::DropMembership(const Napi::CallbackInfo& info) {
  return Membership(this, fd_, family_, ifindex_, info, false);
}

// send(buffer, destination) -> bytes sent
Napi::Value RawSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) return ThrowErrno(env, "sendto", EBADF);
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsString()) {
    Napi::TypeError::New(env, "send(buffer, address)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto buf = info[0].As<Napi::Buffer<uint8_t>>();
  sockaddr_storage addr;
  socklen_t len = 0;
  if (!ParseAddress(family_, info[1].As<Napi::String>().Utf8Value(), &addr, &len)) {
    Napi::TypeError::New(env, "send: not an address of the socket's family").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (family_ == AF_INET6) reinterpret_cast<sockaddr_in6*>(&addr)->sin6_scope_id = ifindex_;
  ssize_t n = sendto(fd_, buf.Data(), buf.Length(), 0, reinterpret_cast<sockaddr*>(&addr), len);
  if (n < 0) return ThrowErrno(env, "sendto", errno);
  return Napi::Number::New(env, static_cast<double>(n));
}

// setTtl(n): TTL / hop limit of sent datagrams, unicast and multicast.
Napi::Value RawSocket::SetTtl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) return ThrowErrno(env, "setsockopt(TTL)", EBADF);
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "setTtl(ttl)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int ttl = info[0].As<Napi::Number>().Int32Value();
  if (ttl < 1 || ttl > 255) {
    Napi::RangeError::New(env, "ttl must be 1-255").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (family_ == AF_INET) {
    if (SetInt(fd_, IPPROTO_IP, IP_TTL, ttl) < 0 || SetInt(fd_, IPPROTO_IP, IP_MULTICAST_TTL, ttl) < 0)
      return ThrowErrno(env, "setsockopt(IP_TTL)", errno);
  } else if (SetInt(fd_, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl) < 0 || SetInt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl) < 0) {
    return ThrowErrno(env, "setsockopt(IPV6_HOPS)", errno);
  }
  return env.Undefined();
}

Napi::Value RawSocket::Start(const Napi::CallbackInfo& info) {
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
  uv_poll_start(poll_, UV_READABLE, &RawSocket::OnPoll);
  return env.Undefined();
}

void RawSocket::OnPoll(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<RawSocket*>(handle->data);
  if (self == nullptr) return;
  if (status < 0) {
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    Napi::Error e = Napi::Error::New(env, std::string("poll: ") + uv_strerror(status));
    e.Set("errno", Napi::Number::New(env, -status));
    self->onError_.MakeCallback(env.Global(), {e.Value()}, self->asyncContext_);
    return;
  }
  self->Drain();
}

void RawSocket::Drain() {
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
      Napi::HandleScope scope(env);
      Napi::Error e = Napi::Error::New(env, std::string("recvmsg: ") + std::strerror(errno));
      e.Set("errno", Napi::Number::New(env, errno));
      onError_.MakeCallback(env.Global(), {e.Value()}, asyncContext_);
      return;
    }
    Ancillary anc = ReadAncillary(&msg);
    int ttl = anc.ttl;
    const int ifindex = anc.ifindex;
    const std::string& dst = anc.dst;
    std::string src;
    size_t offset = 0;
    bool truncated = (msg.msg_flags & MSG_TRUNC) != 0;
    if (family_ == AF_INET) {
      src = FormatAddress(AF_INET, &reinterpret_cast<sockaddr_in*>(&from)->sin_addr);
      // IPv4 raw sockets deliver the IP header; hand JS only the protocol payload.
      if (headerIncluded_) {
        if (ttl < 0 && n >= 20) ttl = buffer[8];
      } else if (n >= 20) {
        size_t ihl = static_cast<size_t>(buffer[0] & 0x0f) * 4;
        offset = ihl <= static_cast<size_t>(n) ? ihl : static_cast<size_t>(n);
        if (ttl < 0) ttl = buffer[8];
      } else {
        offset = static_cast<size_t>(n);
      }
    } else {
      src = FormatAddress(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr);
    }
    Napi::HandleScope scope(env);
    Napi::Object meta = Napi::Object::New(env);
    meta.Set("ttl", Napi::Number::New(env, ttl));
    meta.Set("ifindex", Napi::Number::New(env, ifindex));
    meta.Set("src", Napi::String::New(env, src));
    meta.Set("dst", Napi::String::New(env, dst));
    meta.Set("truncated", Napi::Boolean::New(env, truncated));
    auto payload = Napi::Buffer<uint8_t>::Copy(env, buffer + offset, static_cast<size_t>(n) - offset);
    onMessage_.MakeCallback(env.Global(), {payload, meta}, asyncContext_);
  }
}

void RawSocket::StopPolling() {
  if (poll_ == nullptr) return;
  uv_poll_stop(poll_);
  poll_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(poll_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
  poll_ = nullptr;
}

Napi::Value RawSocket::Close(const Napi::CallbackInfo& info) {
  StopPolling();
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  if (!self_.IsEmpty()) self_.Reset();
  return info.Env().Undefined();
}

Napi::Value RawSocket::Ref(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}

Napi::Value RawSocket::Unref(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}
