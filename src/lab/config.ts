/**
 * The demo's keepalived.conf: the classic two-node web setup every keepalived
 * tutorial shows, so that the same text runs under keepalived and vrrpd.
 */

/** What differs between the demo's hosts. */
export interface DemoConfigOptions {
  routerId: string
  priority: number
  /** The VIP with its prefix, e.g. '10.77.0.100/24'. */
  vip: string
  /** Interface name inside the host (eth0). */
  iface: string
  /** The health check command line (its exit status says whether nginx is up). */
  checkCommand: string
  virtualRouterId?: number
  authPass?: string
}

/**
 * Render one host's config. The check runs every second and needs two results in
 * a row to change (fall 2, rise 2); a failure lowers the priority by 20, so host A
 * (100) drops below host B (90).
 */
export function renderDemoConfig(o: DemoConfigOptions): string {
  return `! vrrpd demo lab: ${o.routerId}
global_defs {
  router_id ${o.routerId}
  # The check script is root's, in a root-only directory: say so, and
  # keepalived's (and vrrpd's) script security check passes.
  enable_script_security
  script_user root
}

vrrp_script chk_nginx {
  script "${o.checkCommand}"
  interval 1
  timeout 1
  fall 2
  rise 2
  weight -20
}

vrrp_instance VI_1 {
  state BACKUP
  interface ${o.iface}
  virtual_router_id ${o.virtualRouterId ?? 51}
  priority ${o.priority}
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass ${o.authPass ?? 'demo1234'}
  }
  virtual_ipaddress {
    ${o.vip} dev ${o.iface}
  }
  track_script {
    chk_nginx
  }
}
`
}
