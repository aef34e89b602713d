#pragma once
#include <napi.h>

void InitNsCall(Napi::Env env, Napi::Object exports);
