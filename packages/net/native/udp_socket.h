// A UDP socket driven by libuv's poll that reports, per datagram, what Node's
// dgram cannot: the received TTL / hop limit (BFD's RFC 5881 §5 / RFC 5883 checks),
// the arrival interface and the destination address. Optionally bound to one
// interface (SO_BINDTODEVICE).
#pragma once
#include <napi.h>
#include <uv.h>

class UdpSocket : public Napi::ObjectWrap<UdpSocket> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports);
  explicit UdpSocket(const Napi::CallbackInfo& info);
  ~UdpSocket() override;

 private:
  Napi::Value Bind(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value SetTtl(const Napi::CallbackInfo& info);
  Napi::Value SetTos(const Napi::CallbackInfo& info);
  Napi::Value Ifindex(const Napi::CallbackInfo& info);
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);

  static void OnPoll(uv_poll_t* handle, int status, int events);
  void Drain();
  void StopPolling();
  void ReportError(const char* what, int err);

  int fd_ = -1;
  int family_ = 0;
  int ifindex_ = 0;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference onMessage_;
  Napi::FunctionReference onError_;
  Napi::ObjectReference self_;
  napi_async_context asyncContext_ = nullptr;
};
