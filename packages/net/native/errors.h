#pragma once
#include <napi.h>
#include <cerrno>
#include <cstring>
#include <string>

// Throws a JS Error carrying `errno` and `syscall`, so the TypeScript side can
// wrap it into a coded error once, at the edge.
inline Napi::Value ThrowErrno(Napi::Env env, const char* syscall, int err) {
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + ": " + std::strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.Set("code", Napi::String::New(env, "NET_ERR_SYSCALL"));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}
