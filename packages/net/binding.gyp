{
  "targets": [
    {
      "target_name": "tandem_net",
      "sources": ["native/addon.cc", "native/raw_socket.cc", "native/packet_socket.cc", "native/tcp_prober.cc", "native/namespace.cc", "native/memory.cc", "native/file_lock.cc", "native/udp_socket.cc", "native/netlink_socket.cc", "native/ns_call.cc", "native/socket_options.cc", "native/tun.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
