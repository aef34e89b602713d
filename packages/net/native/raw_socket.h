// A raw IP socket driven by libuv's poll, delivering each datagram with the
// per-packet metadata VRRP needs (TTL / hop limit, interface, addresses).
#pragma once
#include <napi.h>
#include <uv.h>

class RawSocket : public Napi::ObjectWrap<RawSocket> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports);
  explicit RawSocket(const Napi::CallbackInfo& info);
  ~RawSocket() override;

 private:
  Napi::Value Bind(const Napi::CallbackInfo& info);
  Napi::Value AddMembership(const Napi::CallbackInfo& info);
  Napi::Value DropMembership(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value SetTtl(const Napi::CallbackInfo& info);
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);

  static void OnPoll(uv_poll_t* handle, int status, int events);
  void Drain();
  void StopPolling();

  int fd_ = -1;
  int family_ = 0;
  int ifindex_ = 0;
  bool headerIncluded_ = false;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference onMessage_;
  Napi::FunctionReference onError_;
  Napi::ObjectReference self_;
  napi_async_context asyncContext_ = nullptr;
};
