// Address parsing and formatting, socket options, and the per-packet ancillary
// data (TTL / hop limit, interface, destination) shared by the raw and UDP sockets.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

inline bool ParseAddress(int family, const std::string& text, sockaddr_storage* out, socklen_t* len) {
  std::memset(out, 0, sizeof(*out));
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(out);
    sin->sin_family = AF_INET;
    *len = sizeof(sockaddr_in);
    return inet_pton(AF_INET, text.c_str(), &sin->sin_addr) == 1;
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(out);
  sin6->sin6_family = AF_INET6;
  *len = sizeof(sockaddr_in6);
  return inet_pton(AF_INET6, text.c_str(), &sin6->sin6_addr) == 1;
}

inline std::string FormatAddress(int family, const void* addr) {
  char buf[INET6_ADDRSTRLEN] = {0};
  inet_ntop(family, addr, buf, sizeof(buf));
  return buf;
}

inline int SetInt(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof(value));
}

// What IP_RECVTTL / IP_PKTINFO / IPV6_RECVHOPLIMIT / IPV6_RECVPKTINFO delivered.
struct Ancillary {
  int ttl = -1;
  int ifindex = 0;
  std::string dst;
};

inline Ancillary ReadAncillary(msghdr* msg) {
  Ancillary out;
  for (cmsghdr* c = CMSG_FIRSTHDR(msg); c != nullptr; c = CMSG_NXTHDR(msg, c)) {
    if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
        (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
      int v;
      std::memcpy(&v, CMSG_DATA(c), sizeof(v));
      out.ttl = v;
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
      out.ifindex = pi.ipi_ifindex;
      out.dst = FormatAddress(AF_INET, &pi.ipi_addr);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
      out.ifindex = static_cast<int>(pi.ipi6_ifindex);
      out.dst = FormatAddress(AF_INET6, &pi.ipi6_addr);
    }
  }
  return out;
}
