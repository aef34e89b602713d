// An AF_PACKET socket that only sends whole Ethernet frames on one interface:
// gratuitous ARP and unsolicited neighbour advertisements.
#pragma once
#include <napi.h>

class PacketSocket : public Napi::ObjectWrap<PacketSocket> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports);
  explicit PacketSocket(const Napi::CallbackInfo& info);
  ~PacketSocket() override;

 private:
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  int fd_ = -1;
  int ifindex_ = 0;
};
