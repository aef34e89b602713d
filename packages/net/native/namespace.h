#pragma once
#include <napi.h>

void InitNamespace(Napi::Env env, Napi::Object exports);
