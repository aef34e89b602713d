#pragma once
#include <napi.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

// Non-blocking TCP connects for TCP_CHECK, as keepalived does them: socket, connect, wait
// for writability with a timeout, SO_ERROR, close. One object serves every check. The
// connects of one event-loop turn arrive together, as (slot, target, timeout) triples in one
// Float64Array, and results
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
  // Where connects go, parsed once: a check connects to the same place every time.
  struct Target {
    sockaddr_storage dst;
    socklen_t dstLen;
    sockaddr_storage src;
    socklen_t srcLen;  // 0: no bind
  };
  // The attempt in a slot (the caller's id). `generation` tells a stale epoll event or
  // timeout entry (for an earlier attempt in the same slot) from the current one.
  struct Attempt {
    int fd = -1;
    uint32_t generation = 0;
  };
  // Timeouts of one length, oldest first: their deadlines only grow.
  struct TimeoutQueue {
    uint64_t timeoutMs;
    std::deque<std::pair<uint64_t, uint64_t>> entries;  // (deadline, key)
  };

  Napi::Value AddTarget(const Napi::CallbackInfo& info);
  Napi::Value Submit(const Napi::CallbackInfo& info);
  void Start(uint32_t slot, uint32_t target, double timeoutMs);
  void Close(const Napi::CallbackInfo& info);

  void Report(uint32_t slot, int err);
  Attempt* Current(uint64_t key);
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
  std::vector<Target> targets_;
  // Targets by their address bytes: a reload that makes new check objects for the same
  // servers finds their targets again, so the table grows only with distinct servers.
  std::unordered_map<std::string, uint32_t> targetIndex_;
  // Attempts by slot; epoll and the timeout queues carry keys (generation << 32 | slot),
  // not pointers: an event may still arrive for a socket already closed here (a forked
  // child held it), and its key no longer matches.
  std::vector<Attempt> slots_;
  size_t inFlight_ = 0;
  std::vector<TimeoutQueue> timeouts_;
  uint64_t timerDue_ = 0;  // 0: not armed
  std::vector<double> results_;
  bool closed_ = false;
  bool cleanupHook_ = false;
  napi_env env_ = nullptr;
};
