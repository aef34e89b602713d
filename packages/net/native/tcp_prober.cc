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
int StartConnect(const sockaddr_storage& dst, socklen_t dstLen, const std::string& bindAddress, int bindPort, int* fd) {
  *fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (*fd < 0) return errno;
  if (!bindAddress.empty() || bindPort != 0) {
    sockaddr_storage src;
    socklen_t srcLen;
    if (bindAddress.empty()) {
      std::memset(&src, 0, sizeof(src));
      src.ss_family = dst.ss_family;
      srcLen = dst.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
      if (dst.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&src)->sin_port = htons(static_cast<uint16_t>(bindPort));
      else reinterpret_cast<sockaddr_in6*>(&src)->sin6_port = htons(static_cast<uint16_t>(bindPort));
    } else {
      srcLen = MakeAddress(bindAddress, bindPort, &src);
      if (srcLen == 0) return EINVAL;
    }
    int one = 1;
    setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(*fd, reinterpret_cast<sockaddr*>(&src), srcLen) != 0) return errno;
  }
  if (connect(*fd, reinterpret_cast<const sockaddr*>(&dst), dstLen) != 0 && errno != EINPROGRESS) return errno;
  return 0;
}

}  // namespace

Napi::Object TcpProber::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "TcpProber", {InstanceMethod<&TcpProber::Probe>("probe"), InstanceMethod<&TcpProber::Close>("close")});
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

void TcpProber::Report(double id, int err) {
  if (results_.empty()) {
    uv_check_start(check_, &TcpProber::Deliver);
    uv_idle_start(idle_, [](uv_idle_t*) {});
  }
  results_.push_back(id);
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

void TcpProber::Finish(uint64_t key, int err) {
  auto it = live_.find(key);
  if (it == live_.end()) return;
  // Closing the socket also takes it out of the epoll set.
  close(it->second.fd);
  Report(it->second.id, err);
  live_.erase(it);
  if (live_.empty()) {
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
      auto it = live_.find(key);
      if (it == live_.end()) continue;
      int err = 0;
      socklen_t len = sizeof(err);
      if (getsockopt(it->second.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
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
    while (!q.entries.empty() && live_.find(q.entries.front().second) == live_.end()) q.entries.pop_front();
    if (!q.entries.empty() && (due == 0 || q.entries.front().first < due)) due = q.entries.front().first;
  }
  if (due == 0 || due == timerDue_) return;
  timerDue_ = due;
  uint64_t now = uv_now(loop_);
  uv_timer_start(timer_, &TcpProber::OnTimer, due > now ? due - now : 0, 0);
}

// probe(id, address, port, bindAddress | '', bindPort, timeoutMs): starts one connect.
// Throws only for bad arguments; every network outcome comes through onResult.
Napi::Value TcpProber::Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) return ThrowErrno(env, "probe", EBADF);
  double id = info[0].As<Napi::Number>().DoubleValue();
  std::string address = info[1].As<Napi::String>().Utf8Value();
  int port = info[2].As<Napi::Number>().Int32Value();
  std::string bindAddress = info[3].As<Napi::String>().Utf8Value();
  int bindPort = info[4].As<Napi::Number>().Int32Value();
  double timeoutMs = info[5].As<Napi::Number>().DoubleValue();

  sockaddr_storage dst;
  socklen_t dstLen = MakeAddress(address, port, &dst);
  if (dstLen == 0) return ThrowErrno(env, "probe: address", EINVAL);

  int fd = -1;
  int err = StartConnect(dst, dstLen, bindAddress, bindPort, &fd);
  uint64_t key = nextKey_++;
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.u64 = key;
  if (err == 0 && epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) err = errno;
  if (err != 0) {
    // Refused at once: reported from the loop like every other outcome, never from here.
    if (fd >= 0) close(fd);
    Report(id, err);
    return env.Undefined();
  }
  if (live_.empty()) {
    Ref();
    uv_poll_start(ready_, UV_READABLE, &TcpProber::OnReady);
  }
  live_.emplace(key, Attempt{id, fd});
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
  return env.Undefined();
}

void TcpProber::Close(const Napi::CallbackInfo& /*info*/) {
  // Probes in flight are dropped, their sockets closed; no result comes for them.
  if (closed_) return;
  closed_ = true;
  if (cleanupHook_) napi_remove_env_cleanup_hook(env_, &TcpProber::EnvCleanup, this);
  cleanupHook_ = false;
  bool held = !live_.empty();
  for (auto& [key, a] : live_) close(a.fd);
  live_.clear();
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
