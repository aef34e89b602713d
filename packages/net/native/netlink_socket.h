#pragma once
#include <napi.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <vector>

// A netlink socket that exchanges datagrams of requests for their replies in native code.
// exchange(datagrams, timeoutMs, callback) sends each datagram in turn, the next once the
// previous one's last request has had its final reply (an acknowledgement or error, the end
// of a dump, or the reply to a plain get), and calls back once with every reply message
// received, back to back in one buffer. A full IPVS read is 1,001 dumps: they cost a system
// call pair each and no crossing into JavaScript.
//
// The kernel answers a netlink request inside the sendmsg that carries it (a dump's first
// part too), so the replies are nearly always waiting when the socket is read: the exchange
// runs straight through, without the event loop, for at most a few milliseconds at a time
// before it lets the loop turn. Only when a reply is not there does it wait for readability,
// with a deadline of timeoutMs; a socket opened in a network namespace stays in it.
class NetlinkSocket : public Napi::ObjectWrap<NetlinkSocket> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports);
  explicit NetlinkSocket(const Napi::CallbackInfo& info);
  ~NetlinkSocket() override;

 private:
  Napi::Value Exchange(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);

  void Pump();
  bool SendCurrent();
  bool ReadReplies(bool* finished);
  void Finish(int err, const char* syscall);
  void Stop();
  void CloseHandles();

  static void OnIdle(uv_idle_t* handle);
  static void OnReadable(uv_poll_t* handle, int status, int events);
  static void OnTimeout(uv_timer_t* handle);
  static void EnvCleanup(void* self);

  int fd_ = -1;
  uv_loop_t* loop_ = nullptr;
  uv_idle_t* idle_ = nullptr;   // runs the exchange in the next loop turn
  uv_poll_t* poll_ = nullptr;   // waits for a reply that is not there yet
  uv_timer_t* timer_ = nullptr; // the deadline of that wait
  Napi::FunctionReference callback_;
  Napi::AsyncContext* asyncContext_ = nullptr;

  // The exchange in flight: its datagrams back to back, where each ends, which one is next.
  std::vector<uint8_t> requests_;
  std::vector<size_t> ends_;
  size_t next_ = 0;
  bool sent_ = false;
  uint32_t lastSeq_ = 0;     // the last request of the datagram in flight
  bool lastIsDump_ = false;
  bool lastWantsAck_ = false;
  uint64_t timeoutMs_ = 0;
  std::vector<uint8_t> replies_;
  std::vector<uint8_t> receive_;
  bool busy_ = false;
  bool closed_ = false;
  bool cleanupHook_ = false;
  napi_env env_ = nullptr;
};
