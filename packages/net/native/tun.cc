#include "tun.h"

#include <cstring>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>

#include "errors.h"

// attachTun(fd, name): makes the open /dev/net/tun descriptor `fd` a new layer-3 TUN
// interface called `name` (TUNSETIFF with IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL: an interface
// of that name that already exists, whoever holds it, is an error rather than adopted), and
// clears its persist flag, so the interface, with every route through it, is deleted by the
// kernel when the last descriptor closes, however the process ends. Node cannot issue ioctls.
static Napi::Value AttachTun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsString()) {
    Napi::TypeError::New(env, "attachTun(fd, name)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  std::string name = info[1].As<Napi::String>().Utf8Value();
  if (name.empty() || name.size() >= IFNAMSIZ) {
    Napi::RangeError::New(env, "attachTun: the name must have 1-15 characters").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL;
  if (ioctl(fd, TUNSETIFF, &ifr) != 0) return ThrowErrno(env, "ioctl(TUNSETIFF)", errno);
  if (ioctl(fd, TUNSETPERSIST, 0) != 0) return ThrowErrno(env, "ioctl(TUNSETPERSIST)", errno);
  return Napi::String::New(env, ifr.ifr_name);
}

void InitTun(Napi::Env env, Napi::Object exports) {
  exports.Set("attachTun", Napi::Function::New(env, AttachTun, "attachTun"));
}
