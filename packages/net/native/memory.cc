#include "memory.h"

#include <v8.h>

// releaseMemory(): a full, memory-reducing collection (V8's low-memory notification): the
// garbage of reading a large configuration goes, the young generation shrinks back from
// the size that parsing grew it to, and freed pages go back to the system. JavaScript's
// own gc() collects but keeps the pages and the young generation's size.
static Napi::Value ReleaseMemory(const Napi::CallbackInfo& info) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate != nullptr) isolate->LowMemoryNotification();
  return info.Env().Undefined();
}

void InitMemory(Napi::Env env, Napi::Object exports) {
  exports.Set("releaseMemory", Napi::Function::New(env, ReleaseMemory, "releaseMemory"));
}
