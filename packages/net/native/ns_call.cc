#include "ns_call.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "errors.h"

// callInNetworkNamespace(path, fn): calls fn with the calling (main) thread in the network
// namespace `path` refers to (/proc/1/ns/net, /run/netns/NAME), then moves it back, also when
// fn throws. A socket fn opens stays in that namespace: the kernel's process connector
// (NETLINK_CONNECTOR) exists only in the initial one, so a tandemd running in another
// (net_namespace, a test's namespace) opens its track_process socket this way.
static Napi::Value CallInNetworkNamespace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsFunction()) {
    Napi::TypeError::New(env, "callInNetworkNamespace(path, fn)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) return ThrowErrno(env, "open", errno);
  int target = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    int err = errno;
    close(self);
    return ThrowErrno(env, "open", err);
  }
  if (setns(target, CLONE_NEWNET) < 0) {
    int err = errno;
    close(self);
    close(target);
    return ThrowErrno(env, "setns", err);
  }
  close(target);
  // With C++ exceptions off, a throw in fn leaves a pending exception and an empty value.
  Napi::Value result = info[1].As<Napi::Function>().Call({});
  // The thread must not stay in the other namespace: every socket it opened later would land there.
  if (setns(self, CLONE_NEWNET) < 0) abort();
  close(self);
  return result;
}

void InitNsCall(Napi::Env env, Napi::Object exports) {
  exports.Set("callInNetworkNamespace", Napi::Function::New(env, CallInNetworkNamespace));
}
