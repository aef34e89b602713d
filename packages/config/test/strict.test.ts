import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, type LoadResult } from '../src/index.js';

function loadText(text: string): LoadResult {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-strict-'));
  writeFileSync(join(dir, 'k.conf'), text);
  return load(join(dir, 'k.conf'));
}

const where = (r: LoadResult): string[] => r.errors.map((e) => `${e.pos.line}:${e.pos.col} ${e.message}`);

// The global_defs and first instance of keepalived's shipped sample (keepalived.conf.sample).
const shipped = `global_defs {
   router_id LVS_DEVEL
   vrrp_skip_check_adv_addr
   vrrp_strict
   vrrp_garp_interval 0
   vrrp_gna_interval 0
}

vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        192.168.200.16
    }
}
`;

test('vrrp_strict: keepalived\'s shipped sample runs as keepalived runs it: state MASTER below 255 starts as BACKUP, the authentication is ignored, each said', (t) => {
  const r = loadText(shipped);
  t.deepEqual(where(r), []);
  t.deepEqual(
    r.warnings.map((w) => `${w.pos.line}:${w.pos.col} ${w.message}`),
    [
      '10:5 strict mode (vrrp_strict / strict_mode): state MASTER is only for the address owner (priority 255): this one (priority 100) starts as BACKUP, as keepalived resets it',
      '15:5 strict mode (vrrp_strict / strict_mode): no authentication: the authentication block is ignored, as keepalived resets it',
    ],
  );
  t.like(r.config!.vrrpInstances[0], { state: 'BACKUP', authentication: undefined, strict: true });
});

test('vrrp_strict: a compliant instance gets keepalived\'s strict defaults; strict_mode off opts one instance out', (t) => {
  const r = loadText(`global_defs {
    vrrp_strict
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        192.0.2.16
    }
}
vrrp_instance OWNER {
    state MASTER
    interface eth0
    virtual_router_id 52
    priority 255
    virtual_ipaddress {
        192.0.2.17
    }
}
vrrp_instance LOOSE {
    strict_mode off
    interface eth0
    virtual_router_id 53
    priority 100
    unicast_peer {
        192.0.2.2
    }
    virtual_ipaddress {
        192.0.2.18
    }
}
`);
  t.deepEqual(r.errors, []);
  const [vi, owner, loose] = r.config!.vrrpInstances;
  t.like(vi, { strict: true, accept: false, lowerPrioNoAdvert: true, higherPrioSendAdvert: false });
  t.like(owner, { strict: true, accept: true, lowerPrioNoAdvert: true });
  t.like(loose, { strict: false, accept: true, lowerPrioNoAdvert: false, higherPrioSendAdvert: true });
});

test('strict_mode: each setting it forbids is reset with a warning at its own position, as keepalived resets it; unicast peers stay an error', (t) => {
  const r = loadText(`vrrp_instance VI_1 {
    strict_mode
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 255
    preempt_delay 5
    accept
    down_timer_adverts 5
    higher_prio_send_advert
    lower_prio_no_advert off
    garp_lower_prio_repeat 2
    virtual_ipaddress {
        192.0.2.16
    }
}
vrrp_instance V6 {
    strict_mode
    interface eth0
    virtual_router_id 52
    virtual_ipaddress {
        2001:db8::16
    }
}
vrrp_instance U {
    strict_mode
    interface eth0
    virtual_router_id 53
    unicast_peer {
        192.0.2.2
    }
    virtual_ipaddress {
        192.0.2.17
    }
}
`);
  t.deepEqual(where(r), ['29:5 strict mode (vrrp_strict / strict_mode): no unicast peers (adverts go to the multicast group; keepalived does not start such an instance)']);
  t.deepEqual(
    r.warnings.map((w) => `${w.pos.line}:${w.pos.col} ${w.message.replace(/^strict mode \(vrrp_strict \/ strict_mode\): /, '').replace(/, as keepalived resets it$/, '')}`),
    [
      '3:5 the address owner (priority 255) starts as MASTER',
      '7:5 no preempt_delay: 0',
      '9:5 down_timer_adverts is 3 (RFC 5798)',
      '10:5 higher_prio_send_advert is off',
      '11:5 lower_prio_no_advert is on',
      '12:5 no gratuitous ARPs in answer to a lower priority (garp_lower_prio_repeat 0)',
      '22:9 the first IPv6 virtual address should be link-local (keepalived says so too)',
    ],
  );
});

test('lower_prio_no_advert outside strict mode; owner_ignore_adverts is what tandem does (off is refused, below 255 a warning)', (t) => {
  const r = loadText(`global_defs {
    vrrp_lower_prio_no_advert
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    owner_ignore_adverts
    virtual_ipaddress {
        192.0.2.16
    }
}
`);
  t.deepEqual(r.errors, []);
  t.like(r.config!.vrrpInstances[0], { strict: false, lowerPrioNoAdvert: true, accept: true });
  t.deepEqual(r.warnings.map((w) => `${w.pos.line}:${w.pos.col} ${w.message}`), ['8:5 owner_ignore_adverts applies only to the address owner (priority 255); ignored']);
  const off = loadText('global_defs {\n    vrrp_owner_ignore_adverts off\n}\n');
  t.deepEqual(where(off), ["2:5 vrrp_owner_ignore_adverts off is not supported: tandem's address owner (priority 255) always ignores adverts, as RFC 3768 §7.1 says"]);
});
