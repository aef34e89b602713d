#include "netlink_socket.h"

#include <errno.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "errors.h"

namespace {

// How long one run of the exchange may hold the event loop before it lets it turn.
constexpr uint64_t kSliceNs = 5 * 1000 * 1000;
// Replies larger than this are refused (EMSGSIZE); the kernel sizes dump parts by the reader's
// buffer and keeps them under 32 KiB.
constexpr size_t kReceiveSize = 64 * 1024;
constexpr int kBufferSize = 4 << 20;

uint32_t ReadU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint16_t ReadU16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// The shape ThrowErrno gives (errors.h), passed to a callback instead of thrown; the message
// is the errno's text alone, as the TypeScript side prefixes the call.
Napi::Error ErrnoError(Napi::Env env, const char* syscall, int err) {
  Napi::Error e = Napi::Error::New(env, std::strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.Set("code", Napi::String::New(env, "NET_ERR_SYSCALL"));
  return e;
}

template <typename T>
void CloseHandle(T* handle) {
  uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* h) { delete reinterpret_cast<T*>(h); });
}

}  // namespace

Napi::Object NetlinkSocket::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "NetlinkSocket", {InstanceMethod<&NetlinkSocket::Exchange>("exchange"), InstanceMethod<&NetlinkSocket::Close>("close")});
  exports.Set("NetlinkSocket", ctor);
  return exports;
}

// new NetlinkSocket(protocol): a non-blocking netlink socket (NETLINK_GENERIC is 16).
NetlinkSocket::NetlinkSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetlinkSocket>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "NetlinkSocket(protocol)").ThrowAsJavaScriptException();
    return;
  }
  fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, info[0].As<Napi::Number>().Int32Value());
  if (fd_ < 0) {
    ThrowErrno(env, "socket", errno);
    return;
  }
  // Large buffers: a batch of writes answers each refusal, and a dump part can be 32 KiB.
  // The FORCE options pass the system's limits for a privileged caller; the others are capped.
  int size = kBufferSize;
  if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  if (setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) != 0) setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  // A refusal echoes only the request's header, not its attributes (Linux 4.3+; harmless without).
  int one = 1;
  setsockopt(fd_, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    int err = errno;
    close(fd_);
    fd_ = -1;
    ThrowErrno(env, "bind", err);
    return;
  }
  receive_.resize(kReceiveSize);
  napi_get_uv_event_loop(env, &loop_);
  idle_ = new uv_idle_t;
  uv_idle_init(loop_, idle_);
  idle_->data = this;
  poll_ = new uv_poll_t;
  uv_poll_init(loop_, poll_, fd_);
  poll_->data = this;
  timer_ = new uv_timer_t;
  uv_timer_init(loop_, timer_);
  timer_->data = this;
  asyncContext_ = new Napi::AsyncContext(env, "tandem:NetlinkSocket");
  // At environment teardown JavaScript can no longer be called: nothing is delivered then.
  env_ = env;
  cleanupHook_ = napi_add_env_cleanup_hook(env, &NetlinkSocket::EnvCleanup, this) == napi_ok;
}

// Normally freed after close(); a socket collected without one closes here, while the loop
// is alive (at teardown the cleanup hook has marked it closed and the loop is left alone).
NetlinkSocket::~NetlinkSocket() {
  if (cleanupHook_) napi_remove_env_cleanup_hook(env_, &NetlinkSocket::EnvCleanup, this);
  if (!closed_ && idle_ != nullptr) {
    closed_ = true;
    CloseHandles();
  }
  delete asyncContext_;
}

// Stops and closes the handles, the poll handle before the descriptor it watches.
void NetlinkSocket::CloseHandles() {
  Stop();
  CloseHandle(idle_);
  idle_ = nullptr;
  CloseHandle(timer_);
  timer_ = nullptr;
  poll_->data = reinterpret_cast<void*>(static_cast<intptr_t>(fd_));
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) {
    close(static_cast<int>(reinterpret_cast<intptr_t>(h->data)));
    delete reinterpret_cast<uv_poll_t*>(h);
  });
  poll_ = nullptr;
  fd_ = -1;
}

void NetlinkSocket::EnvCleanup(void* data) {
  auto* self = static_cast<NetlinkSocket*>(data);
  self->cleanupHook_ = false;  // Node drops a hook once it has run
  self->closed_ = true;
}

// exchange(datagrams: Buffer[], timeoutMs, callback(err, replies)): one exchange at a time.
Napi::Value NetlinkSocket::Exchange(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) return ThrowErrno(env, "netlink exchange", EBADF);
  if (busy_) return ThrowErrno(env, "netlink exchange", EBUSY);
  if (info.Length() < 3 || !info[0].IsArray() || !info[1].IsNumber() || !info[2].IsFunction()) {
    Napi::TypeError::New(env, "exchange(datagrams, timeoutMs, callback)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array list = info[0].As<Napi::Array>();
  requests_.clear();
  ends_.clear();
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    if (!v.IsBuffer()) {
      Napi::TypeError::New(env, "exchange: every datagram must be a Buffer").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Buffer<uint8_t> b = v.As<Napi::Buffer<uint8_t>>();
    // Each datagram must hold whole netlink messages: its last one is what the exchange waits for.
    size_t len = b.Length();
    const uint8_t* data = b.Data();
    size_t p = 0;
    while (p + NLMSG_HDRLEN <= len) {
      uint32_t mlen = ReadU32(data + p);
      if (mlen < NLMSG_HDRLEN || p + mlen > len) break;
      p += NLMSG_ALIGN(mlen);
    }
    if (len < NLMSG_HDRLEN || p < len) return ThrowErrno(env, "netlink exchange: malformed request", EINVAL);
    requests_.insert(requests_.end(), data, data + len);
    ends_.push_back(requests_.size());
  }
  if (ends_.empty()) return ThrowErrno(env, "netlink exchange: no request", EINVAL);
  double timeout = info[1].As<Napi::Number>().DoubleValue();
  timeoutMs_ = timeout > 0 ? static_cast<uint64_t>(timeout) : 0;
  callback_ = Napi::Persistent(info[2].As<Napi::Function>());
  replies_.clear();
  next_ = 0;
  sent_ = false;
  busy_ = true;
  Ref();
  // Never from inside this call: the first run comes in the next loop turn.
  uv_idle_start(idle_, &NetlinkSocket::OnIdle);
  return env.Undefined();
}

void NetlinkSocket::OnIdle(uv_idle_t* handle) {
  auto* self = static_cast<NetlinkSocket*>(handle->data);
  uv_idle_stop(handle);
  self->Pump();
}

void NetlinkSocket::OnReadable(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<NetlinkSocket*>(handle->data);
  uv_poll_stop(handle);
  uv_timer_stop(self->timer_);
  if (status < 0) {
    self->Finish(-status, "poll");
    return;
  }
  self->Pump();
}

void NetlinkSocket::OnTimeout(uv_timer_t* handle) {
  auto* self = static_cast<NetlinkSocket*>(handle->data);
  uv_poll_stop(self->poll_);
  self->Finish(ETIMEDOUT, "netlink reply");
}

void NetlinkSocket::Pump() {
  if (closed_ || !busy_) return;
  uint64_t start = uv_hrtime();
  for (;;) {
    if (!sent_ && !SendCurrent()) return;
    bool finished = false;
    if (!ReadReplies(&finished)) return;
    if (finished) {
      sent_ = false;
      if (++next_ == ends_.size()) {
        Finish(0, nullptr);
        return;
      }
    }
    if (uv_hrtime() - start > kSliceNs) {
      uv_idle_start(idle_, &NetlinkSocket::OnIdle);
      return;
    }
  }
}

// Sends the next datagram and notes what its last request waits for.
bool NetlinkSocket::SendCurrent() {
  size_t from = next_ == 0 ? 0 : ends_[next_ - 1];
  size_t to = ends_[next_];
  const uint8_t* data = requests_.data() + from;
  size_t last = 0;
  for (size_t p = 0; p + NLMSG_HDRLEN <= to - from; p += NLMSG_ALIGN(ReadU32(data + p))) last = p;
  uint16_t flags = ReadU16(data + last + 6);
  lastSeq_ = ReadU32(data + last + 8);
  lastIsDump_ = (flags & NLM_F_DUMP) == NLM_F_DUMP;
  lastWantsAck_ = (flags & NLM_F_ACK) != 0;
  for (;;) {
    ssize_t n = send(fd_, data, to - from, 0);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    Finish(errno, "sendmsg");
    return false;
  }
  sent_ = true;
  return true;
}

// Reads what is waiting until the datagram in flight is answered. Returns false when the
// exchange stopped (failed) or waits for the socket; true with *finished when answered.
bool NetlinkSocket::ReadReplies(bool* finished) {
  for (;;) {
    ssize_t n = recv(fd_, receive_.data(), receive_.size(), MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        uv_poll_start(poll_, UV_READABLE, &NetlinkSocket::OnReadable);
        uv_timer_start(timer_, &NetlinkSocket::OnTimeout, timeoutMs_, 0);
        return false;
      }
      Finish(errno, "recvmsg");
      return false;
    }
    if (static_cast<size_t>(n) > receive_.size()) {
      Finish(EMSGSIZE, "recvmsg");
      return false;
    }
    const uint8_t* data = receive_.data();
    size_t len = static_cast<size_t>(n);
    for (size_t p = 0; p + NLMSG_HDRLEN <= len;) {
      uint32_t mlen = ReadU32(data + p);
      if (mlen < NLMSG_HDRLEN || p + mlen > len) {
        Finish(EPROTO, "recvmsg: malformed reply");
        return false;
      }
      uint16_t type = ReadU16(data + p + 4);
      uint16_t flags = ReadU16(data + p + 6);
      if (ReadU32(data + p + 8) == lastSeq_) {
        // The end of the last request's answer: an error or acknowledgement, a dump's DONE,
        // or a plain get's single reply when no acknowledgement was asked for.
        if (type == NLMSG_ERROR || type == NLMSG_DONE) *finished = true;
        else if (!lastIsDump_ && !lastWantsAck_ && (flags & NLM_F_MULTI) == 0) *finished = true;
      }
      p += NLMSG_ALIGN(mlen);
    }
    replies_.insert(replies_.end(), data, data + len);
    if (*finished) return true;
  }
}

void NetlinkSocket::Stop() {
  uv_idle_stop(idle_);
  uv_poll_stop(poll_);
  uv_timer_stop(timer_);
}

// Ends the exchange: the replies (err 0) or the error go to the callback, from the loop.
void NetlinkSocket::Finish(int err, const char* syscall) {
  Stop();
  if (closed_) return;  // torn down: nothing can be called
  busy_ = false;
  Napi::Env env = callback_.Env();
  Napi::HandleScope scope(env);
  Napi::FunctionReference callback = std::move(callback_);
  std::vector<uint8_t> replies;
  replies.swap(replies_);
  requests_.clear();
  if (requests_.capacity() > (1u << 20)) requests_.shrink_to_fit();
  Unref();
  if (err != 0) {
    callback.MakeCallback(env.Global(), {ErrnoError(env, syscall, err).Value(), env.Undefined()}, *asyncContext_);
  } else {
    // The replies (megabytes for a full table) become the Buffer's memory without a copy.
    if (replies.empty()) replies.resize(1);  // never: an exchange ends on a reply; keeps data() valid
    auto* owned = new std::vector<uint8_t>(std::move(replies));
    Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, owned->data(), owned->size(), [](Napi::Env, uint8_t*, std::vector<uint8_t>* v) { delete v; }, owned);
    callback.MakeCallback(env.Global(), {env.Null(), out}, *asyncContext_);
  }
}

// Closes the socket; an exchange in flight is dropped (its callback never comes).
void NetlinkSocket::Close(const Napi::CallbackInfo& /*info*/) {
  if (closed_) return;
  closed_ = true;
  if (cleanupHook_) napi_remove_env_cleanup_hook(env_, &NetlinkSocket::EnvCleanup, this);
  cleanupHook_ = false;
  if (busy_) {
    busy_ = false;
    callback_.Reset();
    Unref();
  }
  CloseHandles();
  requests_ = {};
  replies_ = {};
}
