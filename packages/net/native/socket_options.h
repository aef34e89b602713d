#pragma once
#include <napi.h>

void InitSocketOptions(Napi::Env env, Napi::Object exports);
