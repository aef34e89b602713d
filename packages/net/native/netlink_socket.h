#pragma once
#include <napi.h>
#include <uv.h>

#include <atomic>
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
// The kernel does a request's work inside the sendmsg that carries it: programming 10,000
// IPVS destinations is that much kernel time in whichever thread sends. The exchange runs in
// libuv's thread pool, a few milliseconds of it per work item, so the event loop stays free
// and the daemon can build the next batch meanwhile (on a second CPU, at the same time). A
// reply that is not there yet is waited for with poll(2), up to timeoutMs; a socket opened
// in a network namespace stays in it.
class NetlinkSocket : public Napi::ObjectWrap<NetlinkSocket> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports);
  explicit NetlinkSocket(const Napi::CallbackInfo& info);
  ~NetlinkSocket() override;

 private:
  Napi::Value Exchange(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);

  // Loop thread.
  void QueuePart();
  void Deliver();
  void ReleaseDescriptor();
  static void AfterPart(uv_work_t* req, int status);
  static void EnvCleanup(void* self);

  // Pool thread, while a part is queued: nothing else touches the exchange's state then.
  static void RunPart(uv_work_t* req);
  bool SendCurrent();
  bool ReadReplies(bool* finished);
  void Fail(int err, const char* syscall);

  int fd_ = -1;
  uv_loop_t* loop_ = nullptr;
  uv_work_t work_{};
  bool queued_ = false;  // a part of the exchange is in the pool (the loop thread's view)
  std::atomic<bool> cancel_{false};  // set by the loop thread: the pool thread stops waiting
  Napi::FunctionReference callback_;
  Napi::AsyncContext* asyncContext_ = nullptr;

  // The exchange in flight: its datagrams back to back, where each ends, which one is next.
  std::vector<uint8_t> requests_;
  std::vector<size_t> ends_;
  size_t next_ = 0;
  bool sent_ = false;
  uint32_t lastSeq_ = 0;  // the last request of the datagram in flight
  bool lastIsDump_ = false;
  bool lastWantsAck_ = false;
  uint64_t timeoutMs_ = 0;
  std::vector<uint8_t> replies_;
  std::vector<uint8_t> receive_;
  // How the exchange ended, as the pool thread found it: all answered, or the failing call.
  bool done_ = false;
  int err_ = 0;
  const char* syscall_ = nullptr;

  bool busy_ = false;
  bool closed_ = false;
  bool tornDown_ = false;  // the environment is gone: no JavaScript, no references
  bool cleanupHook_ = false;
  napi_env env_ = nullptr;
};
