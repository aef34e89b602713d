#include "socket_options.h"

#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "errors.h"

// openSocket(family, datagram, device, mark[, address, port]): a non-blocking, close-on-exec
// TCP (or UDP) socket with SO_BINDTODEVICE (device, '' for none) and SO_MARK (mark, 0 for
// none) set before anything is sent, bound to address and port when given (bindto, bind_port), for the checkers' bind_if and fwmark (keepalived's check_api.c sets both
// on its checker sockets). Returns the descriptor; Node's net.Socket({ fd }) and dgram's
// bind({ fd }) take it from there.
static Napi::Value OpenSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsBoolean() || !info[2].IsString() || !info[3].IsNumber()) {
    Napi::TypeError::New(env, "openSocket(family, datagram, device, mark)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int family = info[0].As<Napi::Number>().Int32Value() == 6 ? AF_INET6 : AF_INET;
  const bool datagram = info[1].As<Napi::Boolean>().Value();
  const std::string device = info[2].As<Napi::String>().Utf8Value();
  const uint32_t mark = info[3].As<Napi::Number>().Uint32Value();
  int fd = socket(family, (datagram ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ThrowErrno(env, "socket", errno);
  if (!device.empty() && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device.c_str(), device.size()) < 0) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, "setsockopt(SO_BINDTODEVICE)", err);
  }
  if (mark != 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, "setsockopt(SO_MARK)", err);
  }
  const std::string address = info.Length() > 4 && info[4].IsString() ? info[4].As<Napi::String>().Utf8Value() : "";
  const int port = info.Length() > 5 && info[5].IsNumber() ? info[5].As<Napi::Number>().Int32Value() : 0;
  if (!address.empty() || port != 0) {
    sockaddr_storage ss{};
    socklen_t len;
    if (family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(static_cast<uint16_t>(port));
      if (!address.empty() && inet_pton(AF_INET6, address.c_str(), &a->sin6_addr) != 1) { close(fd); return ThrowErrno(env, "inet_pton", EINVAL); }
      len = sizeof(sockaddr_in6);
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      a->sin_port = htons(static_cast<uint16_t>(port));
      if (!address.empty() && inet_pton(AF_INET, address.c_str(), &a->sin_addr) != 1) { close(fd); return ThrowErrno(env, "inet_pton", EINVAL); }
      len = sizeof(sockaddr_in);
    }
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) < 0) {
      int err = errno;
      close(fd);
      return ThrowErrno(env, "bind", err);
    }
  }
  return Napi::Number::New(env, fd);
}

void InitSocketOptions(Napi::Env env, Napi::Object exports) {
  exports.Set("openSocket", Napi::Function::New(env, OpenSocket));
}
