#include "namespace.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "errors.h"

// enterNetworkNamespace(path): moves the calling (main) thread into the network
// namespace that `path` (/run/netns/NAME) refers to. Sockets the main thread
// opens afterwards, and processes it spawns, live there; libuv's thread pool
// stays where it was, so namespace-dependent files are touched synchronously.
static Napi::Value EnterNetworkNamespace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "enterNetworkNamespace(path)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ThrowErrno(env, "open", errno);
  if (setns(fd, CLONE_NEWNET) < 0) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, "setns", err);
  }
  close(fd);
  return env.Undefined();
}

void InitNamespace(Napi::Env env, Napi::Object exports) {
  exports.Set("enterNetworkNamespace", Napi::Function::New(env, EnterNetworkNamespace));
}
