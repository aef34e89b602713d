#include "memory.h"

#include <sys/mman.h>
#include <v8.h>

#include "errors.h"

// releaseMemory(): a full, memory-reducing collection (V8's low-memory notification): the
// garbage of reading a large configuration goes, the young generation shrinks back from
// the size that parsing grew it to, and freed pages go back to the system. JavaScript's
// own gc() collects but keeps the pages and the young generation's size.
static Napi::Value ReleaseMemory(const Napi::CallbackInfo& info) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate != nullptr) isolate->LowMemoryNotification();
  return info.Env().Undefined();
}

// lockMemory(lock): mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT), as keepalived's
// set_process_dont_swap (lib/process.c) for its *_no_swap keywords, or munlockall(). With
// MCL_ONFAULT a page is locked when it is first touched, so V8's large reserved (and never
// touched) regions cost nothing; without it every future mapping would be populated in full.
static Napi::Value LockMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBoolean()) {
    Napi::TypeError::New(env, "lockMemory(lock: boolean)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (info[0].As<Napi::Boolean>().Value()) {
    int flags = MCL_CURRENT | MCL_FUTURE;
#ifdef MCL_ONFAULT
    flags |= MCL_ONFAULT;
#endif
    if (mlockall(flags) != 0) return ThrowErrno(env, "mlockall", errno);
  } else if (munlockall() != 0) {
    return ThrowErrno(env, "munlockall", errno);
  }
  return env.Undefined();
}

void InitMemory(Napi::Env env, Napi::Object exports) {
  exports.Set("releaseMemory", Napi::Function::New(env, ReleaseMemory, "releaseMemory"));
  exports.Set("lockMemory", Napi::Function::New(env, LockMemory, "lockMemory"));
}
