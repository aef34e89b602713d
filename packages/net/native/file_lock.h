#pragma once
#include <napi.h>

void InitFileLock(Napi::Env env, Napi::Object exports);
