#pragma once
#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

// Non-blocking TCP connects for TCP_CHECK, as keepalived does them: socket, connect, wait
// for writability with a timeout, SO_ERROR, close. One object serves every check. Results
// are gathered and handed to JavaScript once per event-loop turn, as (id, errno) pairs
// (0 = connected) in a Float64Array that every batch reuses: one crossing into JavaScript
// for many checks, and no garbage per batch.
//
// The sockets wait in the prober's own epoll instance rather than in one libuv handle
// each: a libuv poll handle costs six epoll_ctl calls and an ioctl per socket, this costs
// one epoll_ctl (closing the socket takes it out again). libuv watches only the epoll
// descriptor, and one libuv timer serves every timeout.
class TcpProber : public Napi::ObjectWrap<TcpProber> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports);
  explicit TcpProber(const Napi::CallbackInfo& info);
  ~TcpProber() override;

 private:
  struct Attempt {
    double id;  // the caller's id, reported back
    int fd;
  };
  // Timeouts of one length, oldest first: their deadlines only grow.
  struct TimeoutQueue {
    uint64_t timeoutMs;
    std::deque<std::pair<uint64_t, uint64_t>> entries;  // (deadline, key)
  };

  Napi::Value Probe(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);

  void Report(double id, int err);
  void Finish(uint64_t key, int err);
  void Expire();
  void ArmTimer();
  void Drain();

  static void Deliver(uv_check_t* handle);
  static void EnvCleanup(void* self);
  static void OnReady(uv_poll_t* handle, int status, int events);
  static void OnTimer(uv_timer_t* handle);

  Napi::FunctionReference onResult_;
  Napi::Reference<Napi::Float64Array> batch_;  // grows to the largest batch yet
  size_t batchCapacity_ = 0;
  Napi::AsyncContext* asyncContext_ = nullptr;
  uv_loop_t* loop_ = nullptr;
  uv_check_t* check_ = nullptr;
  // Runs while results wait for delivery: it keeps the loop alive and stops the poll phase
  // from blocking, so the check phase delivers them in this same turn (setImmediate's trick).
  uv_idle_t* idle_ = nullptr;
  uv_poll_t* ready_ = nullptr;
  uv_timer_t* timer_ = nullptr;
  int epfd_ = -1;
  // Attempts in flight by key. epoll reports keys, not pointers: an event may still
  // arrive for a socket already closed here (a forked child held it), and finds nothing.
  std::unordered_map<uint64_t, Attempt> live_;
  std::vector<TimeoutQueue> timeouts_;
  uint64_t nextKey_ = 1;
  uint64_t timerDue_ = 0;  // 0: not armed
  std::vector<double> results_;
  bool closed_ = false;
  bool cleanupHook_ = false;
  napi_env env_ = nullptr;
};
