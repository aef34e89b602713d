#include "tcp_prober.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cstring>

#include "errors.h"

namespace {

struct Attempt {
  TcpProber* owner;
  double id;
  int fd;
  int pendingErr;  // an error connect() gave at once, reported from the loop
  bool finished;
  bool polling;
  int openHandles;
  uv_poll_t poll;
  uv_timer_t timer;
};

void OnHandleClosed(uv_handle_t* h) {
  Attempt* p = static_cast<Attempt*>(h->data);
  if (--p->openHandles == 0) {
    if (p->fd >= 0) close(p->fd);
    p->owner->Forget();
    delete p;
  }
}

void Finish(Attempt* p, int err) {
  if (p->finished) return;
  p->finished = true;
  uv_timer_stop(&p->timer);
  if (p->polling) {
    uv_poll_stop(&p->poll);
    uv_close(reinterpret_cast<uv_handle_t*>(&p->poll), OnHandleClosed);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&p->timer), OnHandleClosed);
  p->owner->Report(p->id, err);
}

void OnWritable(uv_poll_t* h, int status, int /*events*/) {
  Attempt* p = static_cast<Attempt*>(h->data);
  // libuv reports POLLERR as UV_EBADF: the socket's own error says what happened.
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0 && status < 0) err = -status;
  Finish(p, err);
}

void OnTimer(uv_timer_t* h) {
  Attempt* p = static_cast<Attempt*>(h->data);
  Finish(p, p->pendingErr != 0 ? p->pendingErr : ETIMEDOUT);
}

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
  onResult_ = Napi::Persistent(info[0].As<Napi::Function>());
  asyncContext_ = new Napi::AsyncContext(env, "tandem:TcpProber");
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  check_ = new uv_check_t;
  uv_check_init(loop, check_);
  check_->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(check_));
}

// Freed by close(), while the environment is alive: at process exit the loop and the
// environment may already be gone when a finalizer runs.
TcpProber::~TcpProber() = default;

void TcpProber::Report(double id, int err) {
  if (closed_ || check_ == nullptr) return;
  if (results_.empty()) uv_check_start(check_, &TcpProber::Deliver);
  results_.push_back(id);
  results_.push_back(err);
}

void TcpProber::Deliver(uv_check_t* handle) {
  TcpProber* self = static_cast<TcpProber*>(handle->data);
  uv_check_stop(handle);
  if (self->results_.empty() || self->closed_) {
    self->results_.clear();
    return;
  }
  Napi::Env env = self->onResult_.Env();
  Napi::HandleScope scope(env);
  Napi::Float64Array batch = Napi::Float64Array::New(env, self->results_.size());
  std::copy(self->results_.begin(), self->results_.end(), batch.Data());
  self->results_.clear();
  self->onResult_.MakeCallback(env.Global(), {batch}, *self->asyncContext_);
}

void TcpProber::Forget() {
  // The JS object stays alive while probes point at it.
  if (--inFlight_ == 0) Unref();
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

  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  Attempt* p = new Attempt{this, id, -1, 0, false, false, 1, {}, {}};
  p->poll.data = p;
  p->timer.data = p;
  uv_timer_init(loop, &p->timer);

  p->fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int started = p->fd < 0 ? errno : 0;
  if (started == 0 && (!bindAddress.empty() || bindPort != 0)) {
    sockaddr_storage src;
    socklen_t srcLen = bindAddress.empty() ? 0 : MakeAddress(bindAddress, bindPort, &src);
    if (bindAddress.empty()) {
      std::memset(&src, 0, sizeof(src));
      src.ss_family = dst.ss_family;
      srcLen = dst.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
      if (dst.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&src)->sin_port = htons(static_cast<uint16_t>(bindPort));
      else reinterpret_cast<sockaddr_in6*>(&src)->sin6_port = htons(static_cast<uint16_t>(bindPort));
    }
    int one = 1;
    setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (srcLen == 0 || bind(p->fd, reinterpret_cast<sockaddr*>(&src), srcLen) != 0) started = srcLen == 0 ? EINVAL : errno;
  }
  if (started == 0 && connect(p->fd, reinterpret_cast<sockaddr*>(&dst), dstLen) != 0 && errno != EINPROGRESS) started = errno;

  inFlight_++;
  if (inFlight_ == 1) Ref();
  if (started != 0 || p->fd < 0) {
    // Refused at once (loopback answers synchronously): report from the loop, never from here.
    p->pendingErr = started != 0 ? started : EBADF;
    uv_timer_start(&p->timer, OnTimer, 0, 0);
    return env.Undefined();
  }
  p->polling = true;
  p->openHandles = 2;
  uv_poll_init(loop, &p->poll, p->fd);
  uv_poll_start(&p->poll, UV_WRITABLE, OnWritable);
  uv_timer_start(&p->timer, OnTimer, static_cast<uint64_t>(timeoutMs), 0);
  return env.Undefined();
}

void TcpProber::Close(const Napi::CallbackInfo& /*info*/) {
  // Probes in flight finish on their own; their results are dropped.
  if (closed_) return;
  closed_ = true;
  results_.clear();
  uv_check_stop(check_);
  uv_close(reinterpret_cast<uv_handle_t*>(check_), [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
  check_ = nullptr;
  delete asyncContext_;
  asyncContext_ = nullptr;
}
