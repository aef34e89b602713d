#pragma once
#include <napi.h>
#include <uv.h>

#include <vector>

// Non-blocking TCP connects for TCP_CHECK, as keepalived does them: socket, connect, wait
// for writability with a timeout, SO_ERROR, close. One object serves every check. Results
// are gathered and handed to JavaScript once per event-loop turn, as a Float64Array of
// (id, errno) pairs (0 = connected): one crossing into JavaScript for many checks.
class TcpProber : public Napi::ObjectWrap<TcpProber> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports);
  explicit TcpProber(const Napi::CallbackInfo& info);
  ~TcpProber() override;

  // Called by the probes when they finish (on the loop thread).
  void Report(double id, int err);
  void Forget();

 private:
  Napi::Value Probe(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);

  static void Deliver(uv_check_t* handle);

  Napi::FunctionReference onResult_;
  Napi::AsyncContext* asyncContext_ = nullptr;
  uv_check_t* check_ = nullptr;
  std::vector<double> results_;
  long inFlight_ = 0;
  bool closed_ = false;
};
