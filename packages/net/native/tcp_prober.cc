#include "tcp_prober.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "errors.h"

namespace {

// Fills a sockaddr from text; returns its length, or 0 when the text is not an address.
socklen_t MakeAddress(const std::string& text, int port, sockaddr_storage* out) {
  std::memset(out, 0, sizeof(*out));
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    return sizeof(sockaddr_in);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    return sizeof(sockaddr_in6);
  }
  return 0;
}

// Opens, binds (when asked) and connects a non-blocking socket. Returns 0 with *fd set
// when the connect is under way (or done), or the errno that ended it at once.
int StartConnect(const sockaddr_storage& dst, socklen_t dstLen, const sockaddr_storage& src, socklen_t srcLen, int* fd) {
  *fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (*fd < 0) return errno;
  if (srcLen != 0) {
    int one = 1;
    setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(*fd, reinterpret_cast<const sockaddr*>(&src), srcLen) != 0) return errno;
  }
  if (connect(*fd, reinterpret_cast<const sockaddr*>(&dst), dstLen) != 0 && errno != EINPROGRESS) return errno;
  return 0;
}

uint64_t KeyOf(uint32_t slot, uint32_t generation) { return (static_cast<uint64_t>(generation) << 32) | slot; }

}  // namespace

Napi::Object TcpProber::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "TcpProber",
                                    {InstanceMethod<&TcpProber::AddTarget>("addTarget"), InstanceMethod<&TcpProber::Submit>("submit"),
                                     InstanceMethod<&TcpProber::Close>("close")});
  exports.Set("TcpProber", ctor);
  return exports;
}

TcpProber::TcpProber(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TcpProber>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) {
    Napi::TypeError::New(env, "TcpProber(onResult)").ThrowAsJavaScriptException();
    return;
  }
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) {
    ThrowErrno(env, "epoll_create1", errno);
    return;
  }
  onResult_ = Napi::Persistent(info[0].As<Napi::Function>());
  asyncContext_ = new Napi::AsyncContext(env, "tandem:TcpProber");
  napi_get_uv_event_loop(env, &loop_);
  check_ = new uv_check_t;
  uv_check_init(loop_, check_);
  check_->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(check_));
  idle_ = new uv_idle_t;
  uv_idle_init(loop_, idle_);
  // At environment teardown JavaScript can no longer be called: nothing is delivered then.
  env_ = env;
  cleanupHook_ = napi_add_env_cleanup_hook(env, &TcpProber::EnvCleanup, this) == napi_ok;
  ready_ = new uv_poll_t;
  uv_poll_init(loop_, ready_, epfd_);
  ready_->data = this;
  timer_ = new uv_timer_t;
  uv_timer_init(loop_, timer_);
  timer_->data = this;
}

// Freed by close(), while the environment is alive: at process exit the loop and the
// environment may already be gone when a finalizer runs.
TcpProber::~TcpProber() {
  if (cleanupHook_) napi_remove_env_cleanup_hook(env_, &TcpProber::EnvCleanup, this);
}

void TcpProber::EnvCleanup(void* data) {
  auto* self = static_cast<TcpProber*>(data);
  self->cleanupHook_ = false;  // Node drops a hook once it has run
  self->closed_ = true;
}

void TcpProber::Report(uint32_t slot, int err) {
  if (results_.empty()) {
    uv_check_start(check_, &TcpProber::Deliver);
    uv_idle_start(idle_, [](uv_idle_t*) {});
  }
  results_.push_back(slot);
  results_.push_back(err);
}

void TcpProber::Deliver(uv_check_t* handle) {
  TcpProber* self = static_cast<TcpProber*>(handle->data);
  uv_check_stop(handle);
  uv_idle_stop(self->idle_);
  if (self->results_.empty() || self->closed_) {
    self->results_.clear();
    return;
  }
  Napi::Env env = self->onResult_.Env();
  Napi::HandleScope scope(env);
  size_t count = self->results_.size();
  if (count > self->batchCapacity_) {
    self->batchCapacity_ = std::max<size_t>(count, 2 * self->batchCapacity_);
    self->batch_ = Napi::Persistent(Napi::Float64Array::New(env, self->batchCapacity_));
  }
  Napi::Float64Array batch = self->batch_.Value();
  std::copy(self->results_.begin(), self->results_.end(), batch.Data());
  self->results_.clear();
  self->onResult_.MakeCallback(env.Global(), {batch, Napi::Number::New(env, static_cast<double>(count))}, *self->asyncContext_);
}

TcpProber::Attempt* TcpProber::Current(uint64_t key) {
  uint32_t slot = static_cast<uint32_t>(key);
  if (slot >= slots_.size()) return nullptr;
  Attempt* a = &slots_[slot];
  return a->fd >= 0 && a->generation == static_cast<uint32_t>(key >> 32) ? a : nullptr;
}

void TcpProber::Finish(uint64_t key, int err) {
  Attempt* a = Current(key);
  if (a == nullptr) return;
  // Closing the socket also takes it out of the epoll set.
  close(a->fd);
  a->fd = -1;
  Report(static_cast<uint32_t>(key), err);
  if (--inFlight_ == 0) {
    // Nothing in flight: let the loop end if nothing else keeps it.
    uv_poll_stop(ready_);
    uv_timer_stop(timer_);
    timerDue_ = 0;
    Unref();
  }
}

void TcpProber::OnReady(uv_poll_t* handle, int /*status*/, int /*events*/) {
  static_cast<TcpProber*>(handle->data)->Drain();
}

void TcpProber::Drain() {
  epoll_event events[256];
  for (;;) {
    int n = epoll_wait(epfd_, events, 256, 0);
    if (n <= 0) return;
    for (int i = 0; i < n; i++) {
      uint64_t key = events[i].data.u64;
      Attempt* a = Current(key);
      if (a == nullptr) continue;
      int err = 0;
      socklen_t len = sizeof(err);
      if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      if (err == 0 && (events[i].events & (EPOLLERR | EPOLLHUP)) != 0) err = ECONNRESET;
      Finish(key, err);
    }
    if (n < 256) return;
  }
}

void TcpProber::OnTimer(uv_timer_t* handle) {
  TcpProber* self = static_cast<TcpProber*>(handle->data);
  self->timerDue_ = 0;
  self->Expire();
  self->ArmTimer();
}

void TcpProber::Expire() {
  uint64_t now = uv_now(loop_);
  for (auto& q : timeouts_) {
    while (!q.entries.empty() && q.entries.front().first <= now) {
      uint64_t key = q.entries.front().second;
      q.entries.pop_front();
      Finish(key, ETIMEDOUT);
    }
  }
}

void TcpProber::ArmTimer() {
  uint64_t due = 0;
  for (auto& q : timeouts_) {
    // Entries of attempts already finished wait here until their deadline; skip them.
    while (!q.entries.empty() && Current(q.entries.front().second) == nullptr) q.entries.pop_front();
    if (!q.entries.empty() && (due == 0 || q.entries.front().first < due)) due = q.entries.front().first;
  }
  if (due == 0 || due == timerDue_) return;
  timerDue_ = due;
  uint64_t now = uv_now(loop_);
  uv_timer_start(timer_, &TcpProber::OnTimer, due > now ? due - now : 0, 0);
}

// addTarget(address, port, bindAddress | '', bindPort): parses a destination (and source)
// once and returns its number for probe().
Napi::Value TcpProber::AddTarget(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Target t{};
  int port = info[1].As<Napi::Number>().Int32Value();
  t.dstLen = MakeAddress(info[0].As<Napi::String>().Utf8Value(), port, &t.dst);
  if (t.dstLen == 0) return ThrowErrno(env, "probe: address", EINVAL);
  std::string bindAddress = info[2].As<Napi::String>().Utf8Value();
  int bindPort = info[3].As<Napi::Number>().Int32Value();
  if (!bindAddress.empty()) {
    t.srcLen = MakeAddress(bindAddress, bindPort, &t.src);
    if (t.srcLen == 0 || t.src.ss_family != t.dst.ss_family) return ThrowErrno(env, "probe: bind address", EINVAL);
  } else if (bindPort != 0) {
    t.src.ss_family = t.dst.ss_family;
    if (t.dst.ss_family == AF_INET) {
      reinterpret_cast<sockaddr_in*>(&t.src)->sin_port = htons(static_cast<uint16_t>(bindPort));
      t.srcLen = sizeof(sockaddr_in);
    } else {
      reinterpret_cast<sockaddr_in6*>(&t.src)->sin6_port = htons(static_cast<uint16_t>(bindPort));
      t.srcLen = sizeof(sockaddr_in6);
    }
  }
  std::string key(reinterpret_cast<const char*>(&t.dst), t.dstLen);
  key.append(reinterpret_cast<const char*>(&t.src), t.srcLen);
  auto [it, added] = targetIndex_.emplace(key, static_cast<uint32_t>(targets_.size()));
  if (added) targets_.push_back(t);
  return Napi::Number::New(env, static_cast<double>(it->second));
}

// submit(triples, count): starts count / 3 connects given as (slot, target, timeoutMs):
// one crossing from JavaScript for all the connects of a turn.
Napi::Value TcpProber::Submit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) return ThrowErrno(env, "submit", EBADF);
  Napi::Float64Array triples = info[0].As<Napi::Float64Array>();
  size_t count = std::min<size_t>(info[1].As<Napi::Number>().Uint32Value(), triples.ElementLength());
  const double* d = triples.Data();
  for (size_t i = 0; i + 2 < count; i += 3) Start(static_cast<uint32_t>(d[i]), static_cast<uint32_t>(d[i + 1]), d[i + 2]);
  return env.Undefined();
}

// Starts one connect for `slot`, which must not have one in flight. Every outcome, a bad
// argument included, is reported for the slot through onResult; nothing throws.
void TcpProber::Start(uint32_t slot, uint32_t target, double timeoutMs) {
  if (slot > 0x7fffffff) return;
  if (slot >= slots_.size()) slots_.resize(slot + 1);
  Attempt& a = slots_[slot];
  if (a.fd >= 0) {
    Report(slot, EBUSY);
    return;
  }
  if (target >= targets_.size()) {
    Report(slot, EINVAL);
    return;
  }
  const Target& t = targets_[target];

  int fd = -1;
  int err = StartConnect(t.dst, t.dstLen, t.src, t.srcLen, &fd);
  uint64_t key = KeyOf(slot, ++a.generation);
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.u64 = key;
  if (err == 0 && epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) err = errno;
  if (err != 0) {
    // Refused at once: reported from the loop like every other outcome, never from here.
    if (fd >= 0) close(fd);
    Report(slot, err);
    return;
  }
  if (inFlight_++ == 0) {
    Ref();
    uv_poll_start(ready_, UV_READABLE, &TcpProber::OnReady);
  }
  a.fd = fd;
  uint64_t timeout = timeoutMs > 0 ? static_cast<uint64_t>(timeoutMs) : 0;
  TimeoutQueue* q = nullptr;
  for (auto& x : timeouts_) {
    if (x.timeoutMs == timeout) q = &x;
  }
  if (q == nullptr) {
    timeouts_.push_back(TimeoutQueue{timeout, {}});
    q = &timeouts_.back();
  }
  uint64_t deadline = uv_now(loop_) + timeout;
  q->entries.emplace_back(deadline, key);
  if (timerDue_ == 0 || deadline < timerDue_) {
    timerDue_ = deadline;
    uv_timer_start(timer_, &TcpProber::OnTimer, timeout, 0);
  }
}

void TcpProber::Close(const Napi::CallbackInfo& /*info*/) {
  // Probes in flight are dropped, their sockets closed; no result comes for them.
  if (closed_) return;
  closed_ = true;
  if (cleanupHook_) napi_remove_env_cleanup_hook(env_, &TcpProber::EnvCleanup, this);
  cleanupHook_ = false;
  bool held = inFlight_ != 0;
  for (auto& a : slots_) {
    if (a.fd >= 0) close(a.fd);
    a.fd = -1;
  }
  inFlight_ = 0;
  timeouts_.clear();
  results_.clear();
  if (held) Unref();
  uv_check_stop(check_);
  uv_close(reinterpret_cast<uv_handle_t*>(check_), [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
  check_ = nullptr;
  uv_idle_stop(idle_);
  uv_close(reinterpret_cast<uv_handle_t*>(idle_), [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
  idle_ = nullptr;
  uv_poll_stop(ready_);
  // The poll handle is closed before the descriptor it watches.
  int epfd = epfd_;
  epfd_ = -1;
  ready_->data = reinterpret_cast<void*>(static_cast<intptr_t>(epfd));
  uv_close(reinterpret_cast<uv_handle_t*>(ready_), [](uv_handle_t* h) {
    close(static_cast<int>(reinterpret_cast<intptr_t>(h->data)));
    delete reinterpret_cast<uv_poll_t*>(h);
  });
  ready_ = nullptr;
  uv_timer_stop(timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(timer_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  timer_ = nullptr;
  delete asyncContext_;
  asyncContext_ = nullptr;
  batch_.Reset();
}
