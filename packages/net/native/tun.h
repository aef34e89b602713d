#pragma once
#include <napi.h>

void InitTun(Napi::Env env, Napi::Object exports);
