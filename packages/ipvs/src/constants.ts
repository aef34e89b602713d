// Numbers from include/uapi/linux/ip_vs.h and linux/netlink.h / genetlink.h.

export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

export const enum Cmd {
  NewService = 1,
  SetService = 2,
  DelService = 3,
  GetService = 4,
  NewDest = 5,
  SetDest = 6,
  DelDest = 7,
  GetDest = 8,
  NewDaemon = 9,
  DelDaemon = 10,
  GetDaemon = 11,
  SetConfig = 12,
  GetConfig = 13,
  SetInfo = 14,
  GetInfo = 15,
  Zero = 16,
  Flush = 17,
}

export const enum CmdAttr {
  Service = 1,
  Dest = 2,
  Daemon = 3,
  TimeoutTcp = 4,
  TimeoutTcpFin = 5,
  TimeoutUdp = 6,
}

export const enum SvcAttr {
  Af = 1,
  Protocol = 2,
  Addr = 3,
  Port = 4,
  Fwmark = 5,
  SchedName = 6,
  Flags = 7,
  Timeout = 8,
  Netmask = 9,
  Stats = 10,
  PeName = 11,
  Stats64 = 12,
}

export const enum DestAttr {
  Addr = 1,
  Port = 2,
  FwdMethod = 3,
  Weight = 4,
  UThresh = 5,
  LThresh = 6,
  ActiveConns = 7,
  InactConns = 8,
  PersistConns = 9,
  Stats = 10,
  AddrFamily = 11,
  Stats64 = 12,
  TunType = 13,
  TunPort = 14,
  TunFlags = 15,
}

export const enum DaemonAttr {
  State = 1,
  McastIfn = 2,
  SyncId = 3,
  SyncMaxlen = 4,
  McastGroup = 5,
  McastGroup6 = 6,
  McastPort = 7,
  McastTtl = 8,
}

export const enum StatsAttr {
  Conns = 1,
  InPkts = 2,
  OutPkts = 3,
  InBytes = 4,
  OutBytes = 5,
  Cps = 6,
  InPps = 7,
  OutPps = 8,
  InBps = 9,
  OutBps = 10,
}

export const enum InfoAttr {
  Version = 1,
  ConnTabSize = 2,
}

export const SVC_F_PERSISTENT = 0x0001;
export const SVC_F_HASHED = 0x0002;
export const SVC_F_ONEPACKET = 0x0004;
export const SVC_F_SCHED1 = 0x0008;
export const SVC_F_SCHED2 = 0x0010;
export const SVC_F_SCHED3 = 0x0020;

export const CONN_F_FWD_MASK = 0x0007;
export const CONN_F_MASQ = 0x0000;
export const CONN_F_LOCALNODE = 0x0001;
export const CONN_F_TUNNEL = 0x0002;
export const CONN_F_DROUTE = 0x0003;
export const CONN_F_BYPASS = 0x0004;

export const TUN_TYPE_IPIP = 0;
export const TUN_TYPE_GUE = 1;
export const TUN_TYPE_GRE = 2;
export const TUN_FLAG_CSUM = 1 << 0;
export const TUN_FLAG_REMCSUM = 1 << 1;

export const STATE_MASTER = 1;
export const STATE_BACKUP = 2;

export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

// Netlink framing.
export const NLMSG_HDRLEN = 16;
export const GENL_HDRLEN = 4;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300;
export const NLA_F_NESTED = 0x8000;
export const NLA_TYPE_MASK = 0x3fff;
export const GENL_ID_CTRL = 0x10;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
