/**
 * One minimal keepalived.conf per keepalived 2.2.7 keyword (fixtures/keepalived-2.2.7-keywords.tsv):
 * the keyword with a value keepalived 2.2.7 accepts, in the least file around it that is
 * whole (an instance has its interface, router id and address; a tracked script is
 * tracked). keywords.test.ts runs each through tandem's parser; the namespace test
 * keywords-oracle.test.ts runs each through `keepalived -t` as well, so that every example
 * here is one keepalived takes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A keyword of keepalived's table: the path of blocks it belongs to ('(top)' for the top level) and its name. */
export interface KeywordEntry {
  readonly section: string;
  readonly keyword: string;
  /** The keepalived version that added it, for the newer ones. */
  readonly since?: string;
}

// Compiled to dist/test/; the fixtures stay in test/.
const fixtures = join(__dirname, '..', '..', 'test', 'fixtures');

function readTable(name: string): KeywordEntry[] {
  return readFileSync(join(fixtures, name), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [section = '', keyword = '', since] = l.split('\t');
      return since !== undefined ? { section, keyword, since } : { section, keyword };
    });
}

/** keepalived 2.2.7's keywords, in its registration order. */
export const KEEPALIVED_227: readonly KeywordEntry[] = readTable('keepalived-2.2.7-keywords.tsv');
/** Keywords keepalived 2.2.8 and later add. */
export const KEEPALIVED_NEWER: readonly KeywordEntry[] = readTable('keepalived-newer-keywords.tsv');

/** The text after the keyword on its line ('' for a bare flag); it may open a block. */
type Examples = Readonly<Record<string, string>>;

const CHECKER_CONNECTION: Examples = {
  connect_ip: '10.0.0.2',
  connect_port: '8080',
  bindto: '192.0.2.10',
  bind_port: '40000',
  bind_if: 'eth0',
  connect_timeout: '3',
  fwmark: '7',
};
const CHECKER_COMMON: Examples = {
  retry: '2',
  delay_before_retry: '2',
  warmup: '2',
  delay_loop: '5',
  alpha: '',
  log_all_failures: '',
};
const URL: Examples = {
  path: '/healthz',
  digest: '9b3a0c85a887a256d6939da88aabd8cd',
  status_code: '200',
  virtualhost: 'www.example.com',
  regex: '"ok|ready"',
  regex_no_match: '!regex error\nregex_no_match',
  regex_options: '!regex ready\nregex_options caseless',
  regex_min_offset: '!regex ready\nregex_min_offset 0',
  regex_max_offset: '!regex ready\nregex_max_offset 100',
  regex_stack: '!regex ready\nregex_stack 32768 65536',
};
const HTTP: Examples = {
  ...CHECKER_CONNECTION,
  ...CHECKER_COMMON,
  nb_get_retry: '2',
  virtualhost: 'www.example.com',
  http_protocol: '1.1',
  enable_sni: '',
  fast_recovery: '',
  url: '{\n        path /\n      }',
};

/** A value for each keyword of each section; a section missing here, or a keyword, makes the test fail. */
export const EXAMPLES: Readonly<Record<string, Examples>> = {
  '(top)': {
    linkbeat_use_polling: '',
    net_namespace: 'tFns',
    net_namespace_ipvs: 'tFipvs',
    namespace_with_ipsets: '',
    use_pid_dir: '',
    instance: 'blue',
    child_wait_time: '10',
    global_defs: '{\n  router_id lb1\n}',
    track_group: 'TG {\n  group {\n    VI_1\n  }\n}',
    static_ipaddress: '{\n  192.0.2.200/24 dev eth0\n}',
    static_routes: '{\n  198.51.100.0/24 via 192.0.2.1 dev eth0\n}',
    static_rules: '{\n  from 192.0.2.200 table 100 priority 100\n}',
    vrrp_sync_group: 'G {\n  group {\n    VI_1\n    VI_2\n  }\n}',
    garp_group: '{\n  garp_interval 0.1\n  interface eth0\n}',
    linkbeat_interfaces: '{\n  eth0\n}',
    vrrp_instance: 'VI_2 {\n  interface eth0\n  virtual_router_id 52\n  virtual_ipaddress {\n    192.0.2.2\n  }\n}',
    vrrp_script: 'chk2 {\n  script "/bin/true"\n}',
    vrrp_track_process: 'proc2 {\n  process sshd\n}',
    interface_up_down_delays: '{\n  eth0 1 2\n}',
    SSL: '{\n  ca /etc/ssl/certs/ca-certificates.crt\n}',
    virtual_server_group: 'VSG {\n  192.0.2.50 80\n}',
    virtual_server: '192.0.2.60 80 {\n  protocol TCP\n  lb_algo wlc\n  lb_kind NAT\n  real_server 10.0.0.2 80 {\n    TCP_CHECK {\n    }\n  }\n}',
    bfd_instance: 'bfd1 {\n  neighbor_ip 192.0.2.20\n}',
    track_file: 'tf2 {\n  file /tmp/tF-track2\n}',
    vrrp_track_file: 'tf3 {\n  file /tmp/tF-track3\n}',
  },
  global_defs: {
    process_names: '',
    process_name: 'ka',
    vrrp_process_name: 'ka_vrrp',
    checker_process_name: 'ka_check',
    lvs_process_name: 'ka_lvs',
    bfd_process_name: 'ka_bfd',
    router_id: 'lb1',
    notification_email_from: 'lb1@example.com',
    smtp_server: '127.0.0.1',
    smtp_helo_name: 'lb1.example.com',
    smtp_connect_timeout: '30',
    notification_email: '{\n  ops@example.com\n}',
    smtp_alert: '',
    startup_script: '/bin/true',
    startup_script_timeout: '10',
    shutdown_script: '/bin/true',
    shutdown_script_timeout: '10',
    max_auto_priority: '10',
    min_auto_priority_delay: '1000',
    smtp_alert_vrrp: '',
    smtp_alert_checker: '',
    checker_log_all_failures: '',
    dynamic_interfaces: '',
    no_email_faults: '',
    default_interface: 'eth0',
    disable_local_igmp: '',
    lvs_timeouts: 'tcp 900 tcpfin 120 udp 300',
    lvs_flush: '',
    lvs_flush_on_stop: '',
    lvs_flush_onstop: '',
    lvs_sync_daemon: 'eth0 VI_1 id 5',
    vrrp_mcast_group4: '224.0.0.18',
    vrrp_mcast_group6: 'ff02::12',
    vrrp_garp_master_delay: '5',
    vrrp_garp_master_repeat: '5',
    vrrp_garp_master_refresh: '60',
    vrrp_garp_master_refresh_repeat: '2',
    vrrp_garp_lower_prio_delay: '5',
    vrrp_garp_lower_prio_repeat: '2',
    vrrp_down_timer_adverts: '3',
    vrrp_garp_interval: '0.01',
    vrrp_gna_interval: '0.01',
    vrrp_min_garp: '',
    vrrp_garp_extra_if: '60',
    vrrp_vmac_garp_intvl: '60',
    vrrp_lower_prio_no_advert: '',
    vrrp_higher_prio_send_advert: '',
    vrrp_version: '2',
    vrrp_iptables: '',
    vrrp_ipsets: '',
    nftables: 'keepalived',
    nftables_priority: '-1',
    nftables_ifindex: '',
    nftables_ipvs: '',
    nftables_ipvs_priority: '!nftables_ipvs\nnftables_ipvs_priority -1',
    nftables_ipvs_start_fwmark: '!nftables_ipvs\nnftables_ipvs_start_fwmark 1000',
    nftables_counters: '',
    vrrp_check_unicast_src: '',
    vrrp_skip_check_adv_addr: '',
    vrrp_strict: '',
    vrrp_priority: '-10',
    vrrp_no_swap: '',
    vrrp_rt_priority: '10',
    vrrp_cpu_affinity: '0',
    vrrp_rlimit_rttime: '10000',
    vrrp_rlimit_rtime: '10000',
    notify_fifo: '/run/tF-all.fifo',
    notify_fifo_script: '/bin/true',
    vrrp_notify_fifo: '/run/tF-vrrp.fifo',
    vrrp_notify_fifo_script: '/bin/true',
    vrrp_notify_priority_changes: '',
    fifo_write_vrrp_states_on_reload: '',
    lvs_notify_fifo: '/run/tF-lvs.fifo',
    lvs_notify_fifo_script: '/bin/true',
    checker_priority: '-10',
    checker_no_swap: '',
    checker_rt_priority: '10',
    checker_cpu_affinity: '0',
    checker_rlimit_rttime: '10000',
    checker_rlimit_rtime: '10000',
    bfd_priority: '-10',
    bfd_no_swap: '',
    bfd_rt_priority: '10',
    bfd_cpu_affinity: '0',
    bfd_rlimit_rttime: '10000',
    bfd_rlimit_rtime: '10000',
    snmp_socket: 'udp:127.0.0.1:705',
    enable_traps: '',
    enable_snmp_vrrp: '',
    enable_snmp_keepalived: '',
    enable_snmp_rfc: '',
    enable_snmp_rfcv2: '',
    enable_snmp_rfcv3: '',
    enable_snmp_checker: '',
    enable_dbus: '',
    dbus_service_name: 'org.keepalived.Vrrp1',
    script_user: 'root',
    enable_script_security: '',
    vrrp_netlink_cmd_rcv_bufs: '1048576',
    vrrp_netlink_cmd_rcv_bufs_force: '',
    vrrp_netlink_monitor_rcv_bufs: '1048576',
    vrrp_netlink_monitor_rcv_bufs_force: '',
    process_monitor_rcv_bufs: '1048576',
    process_monitor_rcv_bufs_force: '',
    lvs_netlink_cmd_rcv_bufs: '1048576',
    lvs_netlink_cmd_rcv_bufs_force: '',
    lvs_netlink_monitor_rcv_bufs: '1048576',
    lvs_netlink_monitor_rcv_bufs_force: '',
    rs_init_notifies: '',
    no_checker_emails: '',
    vrrp_rx_bufs_policy: 'MTU',
    vrrp_rx_bufs_multiplier: '4',
    vrrp_startup_delay: '5',
    log_unknown_vrids: '',
    vmac_prefix: 'vrrp',
    vmac_addr_prefix: 'vmac',
    umask: '0077',
    random_seed: '42',
    reload_check_config: '',
    reload_time_file: '/run/tF-reload-time',
    reload_repeat: '',
    reload_file: '/run/tF-reload',
    include_check: '',
    config_save_dir: '/tmp',
    tmp_config_directory: '/tmp',
    data_use_instance: '',
  },
  track_group: { group: '{\n  VI_1\n}' },
  vrrp_sync_group: {
    group: '{\n  VI_1\n  VI_2\n}',
    track_interface: '{\n  eth1\n}',
    track_script: '{\n  chk\n}',
    track_file: '{\n  tf\n}',
    track_process: '{\n  proc\n}',
    track_bfd: '{\n  bfd1\n}',
    notify_backup: '/bin/true',
    notify_master: '/bin/true',
    notify_fault: '/bin/true',
    notify_stop: '/bin/true',
    notify: '/bin/true',
    smtp_alert: '',
    global_tracking: '',
    sync_group_tracking_weight: '',
    notify_priority_changes: '',
  },
  garp_group: {
    garp_interval: '!garp_interval 0.1\ninterface eth0',
    gna_interval: '!gna_interval 0.1\ninterface eth0',
    interface: '!interface eth0\ngarp_interval 0.1',
    interfaces: '!interfaces {\n  eth0\n}\ngarp_interval 0.1',
  },
  vrrp_instance: {
    use_vmac: '',
    use_vmac_addr: '',
    vmac_xmit_base: '!use_vmac\nvmac_xmit_base',
    use_ipvlan: 'ipvlan1 192.0.2.11/24',
    unicast_peer: '{\n  192.0.2.20\n}',
    unicast_fault_no_peer: '',
    check_unicast_src: '!check_unicast_src\nunicast_peer {\n  192.0.2.20\n}',
    old_unicast_checksum: '!old_unicast_checksum\nunicast_peer {\n  192.0.2.20\n}',
    native_ipv6: '!native_ipv6\nvirtual_ipaddress {\n  fe80::1\n}',
    state: 'BACKUP',
    interface: 'eth0',
    vrf: '!-interface\nvrf vrf-blue\nunicast_src_ip 192.0.2.10\nunicast_peer {\n  192.0.2.20\n}\nvirtual_ipaddress {\n  192.0.2.1 dev eth0\n}',
    dont_track_primary: '',
    track_interface: '{\n  eth1\n}',
    track_script: '{\n  chk\n}',
    track_file: '{\n  tf\n}',
    track_process: '{\n  proc\n}',
    track_bfd: '{\n  bfd1\n}',
    mcast_src_ip: '192.0.2.10',
    unicast_src_ip: '!unicast_src_ip 192.0.2.10\nunicast_peer {\n  192.0.2.20\n}',
    mcast_dst_ip: '224.0.0.18',
    track_src_ip: '',
    virtual_router_id: '51',
    unicast_ttl: '!unicast_ttl 10\nunicast_peer {\n  192.0.2.20\n}',
    version: '2',
    priority: '100',
    advert_int: '1',
    virtual_ipaddress: '{\n  192.0.2.1\n}',
    virtual_ipaddress_excluded: '{\n  2001:db8::1\n}',
    promote_secondaries: '',
    linkbeat_use_polling: '',
    virtual_routes: '{\n  198.51.100.0/24 via 192.0.2.1 dev eth0\n}',
    virtual_rules: '{\n  from 192.0.2.1 table 100 priority 100\n}',
    accept: '',
    no_accept: '',
    skip_check_adv_addr: '',
    strict_mode: 'off',
    preempt: '',
    nopreempt: '',
    preempt_delay: '10',
    debug: '1',
    notify_backup: '/bin/true',
    notify_master: '/bin/true',
    notify_fault: '/bin/true',
    notify_stop: '/bin/true',
    notify_deleted: '/bin/true',
    notify: '/bin/true',
    notify_master_rx_lower_pri: '/bin/true',
    smtp_alert: '',
    notify_priority_changes: '',
    lvs_sync_daemon_interface: 'eth0',
    garp_master_delay: '5',
    garp_master_refresh: '60',
    garp_master_repeat: '5',
    garp_master_refresh_repeat: '2',
    garp_lower_prio_delay: '5',
    garp_lower_prio_repeat: '2',
    down_timer_adverts: '3',
    garp_extra_if: '60',
    vmac_garp_intvl: '60',
    lower_prio_no_advert: '',
    higher_prio_send_advert: '',
    kernel_rx_buf_size: '65536',
    authentication: '{\n    auth_type PASS\n    auth_pass secret\n  }',
  },
  'vrrp_instance > authentication': { auth_type: 'PASS', auth_pass: 'secret' },
  vrrp_script: {
    script: '"/bin/true"',
    interval: '2',
    timeout: '1',
    weight: '-10',
    rise: '2',
    fall: '2',
    user: 'root',
    init_fail: '',
  },
  vrrp_track_process: {
    process: 'sshd',
    param_match: 'partial',
    weight: '-10',
    quorum: '1',
    quorum_max: '4',
    delay: '1',
    terminate_delay: '1',
    fork_delay: '1',
    full_command: '',
  },
  SSL: {
    password: 'secret',
    ca: '/etc/ssl/certs/ca-certificates.crt',
    certificate: '/etc/ssl/certs/ssl-cert-snakeoil.pem',
    key: '/etc/ssl/private/ssl-cert-snakeoil.key',
  },
  virtual_server: {
    ip_family: 'inet',
    retry: '2',
    delay_before_retry: '2',
    warmup: '2',
    connect_timeout: '3',
    delay_loop: '5',
    inhibit_on_failure: '',
    lb_algo: 'rr',
    lvs_sched: 'rr',
    hashed: '!lb_algo sh\nhashed',
    ops: '!protocol UDP\nops',
    'flag-1': '',
    'flag-2': '',
    'flag-3': '',
    'sh-port': '!lb_algo sh\nsh-port',
    'sh-fallback': '!lb_algo sh\nsh-fallback',
    'mh-port': '!lb_algo mh\nmh-port',
    'mh-fallback': '!lb_algo mh\nmh-fallback',
    lb_kind: 'NAT',
    lvs_method: 'NAT',
    persistence_engine: 'sip',
    persistence_timeout: '300',
    persistence_granularity: '255.255.255.0',
    protocol: 'TCP',
    ha_suspend: '',
    smtp_alert: '',
    virtualhost: 'www.example.com',
    snmp_name: 'web',
    alpha: '',
    omega: '',
    quorum_up: '/bin/true',
    quorum_down: '/bin/true',
    quorum: '1',
    hysteresis: '0',
    weight: '2',
    sorry_server: '10.0.0.9 80',
    sorry_server_inhibit: '!sorry_server 10.0.0.9 80\nsorry_server_inhibit',
    sorry_server_lvs_method: '!sorry_server 10.0.0.9 80\nsorry_server_lvs_method NAT',
    real_server: '10.0.0.3 80 {\n    TCP_CHECK {\n    }\n  }',
  },
  'virtual_server > real_server': {
    weight: '2',
    lvs_method: 'NAT',
    uthreshold: '100',
    lthreshold: '10',
    inhibit_on_failure: '',
    notify_up: '/bin/true',
    notify_down: '/bin/true',
    alpha: '',
    retry: '2',
    delay_before_retry: '2',
    warmup: '2',
    connect_timeout: '3',
    delay_loop: '5',
    smtp_alert: '',
    virtualhost: 'www.example.com',
    snmp_name: 'web1',
    MISC_CHECK: '{\n      misc_path "/bin/true"\n    }',
    SMTP_CHECK: '{\n    }',
    TCP_CHECK: '{\n    }',
    PING_CHECK: '{\n    }',
    UDP_CHECK: '{\n    }',
    HTTP_GET: '{\n      url {\n        path /\n      }\n    }',
    SSL_GET: '{\n      url {\n        path /\n      }\n    }',
    DNS_CHECK: '{\n    }',
    FILE_CHECK: '{\n      track_file tf\n    }',
    BFD_CHECK: '{\n      name bfd1\n    }',
  },
  'virtual_server > real_server > MISC_CHECK': {
    ...CHECKER_COMMON,
    misc_path: '"/bin/true"',
    misc_timeout: '5',
    misc_dynamic: '',
    user: 'root',
  },
  'virtual_server > real_server > SMTP_CHECK': { ...CHECKER_CONNECTION, ...CHECKER_COMMON, helo_name: 'lb1.example.com', host: '{\n        connect_ip 10.0.0.2\n      }' },
  'virtual_server > real_server > SMTP_CHECK > host': { ...CHECKER_CONNECTION, ...CHECKER_COMMON },
  'virtual_server > real_server > TCP_CHECK': { ...CHECKER_CONNECTION, ...CHECKER_COMMON },
  'virtual_server > real_server > PING_CHECK': { ...CHECKER_CONNECTION, ...CHECKER_COMMON },
  'virtual_server > real_server > UDP_CHECK': {
    ...CHECKER_CONNECTION,
    ...CHECKER_COMMON,
    payload: '0a0b0c',
    require_reply: '0a0b',
    min_reply_length: '2',
    max_reply_length: '100',
  },
  'virtual_server > real_server > HTTP_GET': HTTP,
  'virtual_server > real_server > HTTP_GET > url': URL,
  'virtual_server > real_server > SSL_GET': HTTP,
  'virtual_server > real_server > SSL_GET > url': URL,
  'virtual_server > real_server > DNS_CHECK': { ...CHECKER_CONNECTION, ...CHECKER_COMMON, type: 'A', name: 'www.example.com' },
  'virtual_server > real_server > FILE_CHECK': { track_file: 'tf', weight: '-10' },
  'virtual_server > real_server > BFD_CHECK': { name: 'bfd1', alpha: '' },
  bfd_instance: {
    source_ip: '192.0.2.10',
    neighbor_ip: '192.0.2.20',
    neighbour_ip: '192.0.2.20',
    min_rx: '100',
    min_tx: '100',
    idle_tx: '1000',
    multiplier: '3',
    passive: '',
    ttl: '255',
    hoplimit: '255',
    max_hops: '1',
    weight: '-10',
    vrrp: '',
    checker: '',
  },
  track_file: { file: '/tmp/tF-track', weight: '-10', init_file: '0' },
  vrrp_track_file: { file: '/tmp/tF-track', weight: '-10', init_file: '0' },
};

const HMAC_KEY = 'key 1 hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';

/** Values for the keywords newer keepalived versions add (keepalived-newer-keywords.tsv). */
export const NEWER_EXAMPLES: Readonly<Record<string, Examples>> = {
  bfd_instance: { multihop: '' },
  global_defs: {
    json_version: '2',
    v3_checksum_as_v2: '',
    dbus_no_interface_name: '',
    snmp_rs_stats_update_interval: '10',
    snmp_vs_stats_update_interval: '10',
    use_symlink_paths: '',
    iproute_etc_dir: '/etc/iproute2',
    iproute_usr_dir: '/usr/lib/iproute2',
    json_dump_file: '/tmp/keepalived.json',
    state_dump_file: '/tmp/keepalived.data',
    stats_dump_file: '/tmp/keepalived.stats',
    vrrp_owner_ignore_adverts: '',
    vrrp_delay_after_boot: '60',
    set_supplementary_groups: '',
  },
  'virtual_server > real_server > HTTP_GET': { sni_name: 'www.example.com' },
  'virtual_server > real_server > SSL_GET': { tls_compliant: '', sni_name: 'www.example.com' },
  'virtual_server > real_server > SSL_GET > url': { tls_compliant: '' },
  vrrp_instance: {
    no_virtual_ipaddress: '!-virtual_ipaddress\nno_virtual_ipaddress',
    timer_expired_backup: '!timer_expired_backup 200\nnopreempt',
    v3_checksum_as_v2: '',
    thread_timer_expired: '!thread_timer_expired\nnopreempt',
    owner_ignore_adverts: '',
    auth_hmac: `{\n  ${HMAC_KEY}\n  active_key 1\n}`,
  },
  'vrrp_instance > auth_hmac': {
    key: '!key 2 hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\nactive_key 2',
    active_key: '1',
    anti_replay: 'monotonic',
    mode: 'permissive',
    time_window: '5',
  },
};

const VS_HEAD = 'virtual_server 192.0.2.60 80 {\n  protocol TCP\n  lb_algo wlc\n  lb_kind NAT';
const INSTANCE_HEAD = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.1\n  }';

/**
 * The lines around a keyword of each section: `@` stands where the keyword goes. A base
 * line whose keyword the example sets gives way to it (an instance's `interface` is then
 * the example's).
 */
const SKELETONS: Readonly<Record<string, string>> = {
  '(top)': '@',
  global_defs: 'global_defs {\n  @\n}',
  track_group: 'track_group TG {\n  @\n}',
  vrrp_sync_group: 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  @\n}',
  garp_group: 'garp_group {\n  @\n}',
  vrrp_instance: `${INSTANCE_HEAD}\n  @\n}`,
  'vrrp_instance > auth_hmac': `${INSTANCE_HEAD}\n  version 3\n  auth_hmac {\n    ${HMAC_KEY}\n    active_key 1\n    @\n  }\n}`,
  'vrrp_instance > authentication': `${INSTANCE_HEAD}\n  authentication {\n    auth_type PASS\n    auth_pass secret\n    @\n  }\n}`,
  vrrp_script: `vrrp_script chk {\n  script "/bin/true"\n  @\n}\n${INSTANCE_HEAD}\n  track_script {\n    chk\n  }\n}`,
  vrrp_track_process: `vrrp_track_process proc {\n  process sshd\n  @\n}\n${INSTANCE_HEAD}\n  track_process {\n    proc\n  }\n}`,
  SSL: 'SSL {\n  @\n}',
  virtual_server: `${VS_HEAD}\n  real_server 10.0.0.2 80 {\n    TCP_CHECK {\n    }\n  }\n  @\n}`,
  'virtual_server > real_server': `${VS_HEAD}\n  real_server 10.0.0.2 80 {\n    @\n  }\n}`,
  bfd_instance: 'bfd_instance bfd1 {\n  neighbor_ip 192.0.2.20\n  @\n}',
  track_file: 'track_file tf {\n  file /tmp/tF-track\n  @\n}',
  vrrp_track_file: 'vrrp_track_file tf {\n  file /tmp/tF-track\n  @\n}',
};

/** What a file must define for a name an example uses; a definition the file has already is not added. */
const DEFINITIONS: ReadonlyArray<readonly [RegExp, RegExp, string]> = [
  [/^\s+chk$/m, /^vrrp_script chk\b/m, 'vrrp_script chk {\n  script "/bin/true"\n}'],
  [/^\s+proc$/m, /^vrrp_track_process proc\b/m, 'vrrp_track_process proc {\n  process sshd\n}'],
  [/^\s+(track_file )?tf$/m, /^(vrrp_)?track_file tf\b/m, 'track_file tf {\n  file /tmp/tF-track\n}'],
  [/^\s+(bfd1|name bfd1)$/m, /^bfd_instance bfd1\b/m, 'bfd_instance bfd1 {\n  neighbor_ip 192.0.2.20\n}'],
  [/\bVI_1\b/, /^vrrp_instance VI_1\b/m, `${INSTANCE_HEAD}\n}`],
  [/^\s+VI_2$/m, /^vrrp_instance VI_2\b/m, 'vrrp_instance VI_2 {\n  interface eth0\n  virtual_router_id 52\n  virtual_ipaddress {\n    192.0.2.2\n  }\n}'],
];

const CHECKER_BASE: Readonly<Record<string, string>> = {
  MISC_CHECK: 'misc_path "/bin/true"\n',
  HTTP_GET: 'url {\n  path /\n}\n',
  SSL_GET: 'url {\n  path /\n}\n',
  FILE_CHECK: 'track_file tf\n',
  BFD_CHECK: 'name bfd1\n',
};

/** The skeleton of a checker block, or of a block inside one (`url`, SMTP_CHECK's `host`). */
function checkerSkeleton(section: string): string | undefined {
  const m = /^virtual_server > real_server > ([A-Z_]+)(?: > (url|host))?$/.exec(section);
  if (m === null) return undefined;
  const [, kind = '', inner] = m;
  const body = inner === 'url' ? 'url {\n  path /\n  @\n}\n' : inner === 'host' ? 'host {\n  @\n}\n' : `${CHECKER_BASE[kind] ?? ''}@\n`;
  return `${VS_HEAD}\n  real_server 10.0.0.2 80 {\n    ${kind} {\n${indent(body, 6)}    }\n  }\n}`;
}

function indent(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : ' '.repeat(n) + l))
    .join('\n');
}

/**
 * The whole file for one keyword: the section's skeleton with the example in place of `@`,
 * and before it what the example names (a script, an instance) when the file lacks it.
 * `text`, given, replaces the example's lines: the keyword and what follows it; an example
 * starting with `!` is such lines already, for a keyword that needs another beside it
 * (`-KEYWORD` there drops the base line of KEYWORD, as when `vrf` wants no `interface`).
 */
export function exampleFile(section: string, keyword: string, text?: string): string {
  const value = EXAMPLES[section]?.[keyword] ?? NEWER_EXAMPLES[section]?.[keyword];
  if (text === undefined && value === undefined) throw new Error(`no example for ${keyword} in ${section}`);
  let lines = text ?? (value!.startsWith('!') ? value!.slice(1) : value === '' ? keyword : `${keyword} ${value}`);
  const skeleton = SKELETONS[section] ?? checkerSkeleton(section);
  if (skeleton === undefined) throw new Error(`no skeleton for ${section}`);
  // The base lines of the keywords the example sets give way to it.
  const set = new Set(lines.split('\n').flatMap((l) => (/^-?[A-Za-z]/.test(l) ? [l.replace(/^-/, '').split(/\s/)[0]!] : [])));
  const base = dropBaseLines(skeleton, set);
  // `-KEYWORD`: only drops the base line.
  lines = lines.replace(/^-\S+\n/gm, '');
  const at = /^( *)@$/m.exec(base);
  const depth = at?.[1] ?? '';
  const file = base.replace(/^( *)@$/m, () => depth + lines.replace(/\n/g, `\n${depth}`));
  const needs = DEFINITIONS.filter(([uses, defines]) => uses.test(file) && !defines.test(file)).map(([, , def]) => def);
  return `${[...needs, file].join('\n')}\n`;
}

/** The skeleton without the lines (and blocks) of these keywords, except the `@` line and top-level lines. */
function dropBaseLines(skeleton: string, keywords: ReadonlySet<string>): string {
  const lines = skeleton.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const m = /^( +)(\S+)/.exec(l);
    if (m === null || !keywords.has(m[2]!)) {
      out.push(l);
      continue;
    }
    // A block: skip to its closing brace.
    let depth = 0;
    for (; i < lines.length; i++) {
      depth += (lines[i]!.match(/\{/g) ?? []).length - (lines[i]!.match(/\}/g) ?? []).length;
      if (depth <= 0) break;
    }
  }
  return out.join('\n');
}
