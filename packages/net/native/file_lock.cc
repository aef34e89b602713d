#include "file_lock.h"

#include <cerrno>
#include <cstring>
#include <sys/file.h>

#include "errors.h"

// tryLockFile(fd): an exclusive, non-blocking flock(2) on an open file. The kernel drops it
// when the process ends however it ends (kill -9 included), so a stale lock cannot outlive
// its daemon; Node has no flock of its own. Returns false when another process holds it.
static Napi::Value TryLockFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "tryLockFile(fd)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return Napi::Boolean::New(env, false);
    return ThrowErrno(env, "flock", errno);
  }
  return Napi::Boolean::New(env, true);
}

void InitFileLock(Napi::Env env, Napi::Object exports) {
  exports.Set("tryLockFile", Napi::Function::New(env, TryLockFile, "tryLockFile"));
}
