/**
 * FRR 8.4 (Debian package `frr`) as a VRRP peer in a lab host: its zebra and
 * vrrpd run in the foreground inside the host's namespace with every path
 * (config, pid files, vty sockets, the zebra API socket) in a private temp
 * dir, so several instances never touch /etc/frr or /var/run/frr.
 *
 *     const f = await startFrr(lab, 'f', { vrid: 51, priority: 90, vips: [vip] })
 *     await f.waitForLog(/Backup -> Master/, 8000)
 *     (await f.status()).status // 'Master' | 'Backup' | 'Initialize'
 *
 * FRR's VRRP needs a macvlan per virtual router carrying the virtual MAC
 * (00:00:5e:00:01:VRID): it finds the interface by that MAC, sends from it and
 * keeps it protodown while not master. It does not add the VIPs itself, so
 * they are put on the macvlan here, and the parent gets arp_ignore=1 and
 * arp_announce=2 so that neighbours learn the VIPs at the VMAC only.
 */
import { existsSync, mkdtempSync, rmSync, chmodSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LoggedProcess, type LogLine } from '../../src/lab/proc.js'
import { waitFor, type Lab } from './netns.js'

/** Where Debian's frr package puts its daemons. */
export const FRR_DIR = '/usr/lib/frr'

/** True when FRR's zebra and vrrpd are installed. */
export function frrInstalled(): boolean {
  return existsSync(join(FRR_DIR, 'zebra')) && existsSync(join(FRR_DIR, 'vrrpd'))
}

/** Options of {@link startFrr}: one IPv4 virtual router on the host's lab interface. */
export interface FrrOptions {
  vrid: number
  priority: number
  vips: string[]
  /** Advertisement interval in ms (FRR's unit); default 1000. */
  advertIntMs?: number
  /** VRRP version; default 3 (FRR's default too). */
  version?: 2 | 3
  /** IPv6 VIPs of the same VRID (VRRPv3 over IPv6): a second macvlan with 00:00:5e:00:02:VRID. */
  vips6?: string[]
}

/** The IPv4 virtual router as `show vrrp json` reports it (the fields used here). */
export interface FrrRouterStatus {
  vrid: number
  /** 'Initialize' | 'Backup' | 'Master'. */
  status: string
  adverTx: number
  adverRx: number
  raw: Record<string, unknown>
}

/** FRR zebra + vrrpd running in a lab host. */
export interface Frr {
  readonly dir: string
  readonly zebra: LoggedProcess
  readonly vrrpd: LoggedProcess
  /** The macvlan FRR sends from, and its MAC (the virtual MAC). */
  readonly macvlan: string
  readonly vmac: string
  /** Waits for a line of vrrpd's log (e.g. `[VRID 51] [IPv4] Backup -> Master`). */
  waitForLog(re: RegExp, timeoutMs: number, since?: number): Promise<LogLine>
  /** The IPv4 router's state via `vtysh -c 'show vrrp json'` over the private vty socket. */
  status(): Promise<FrrRouterStatus>
  /** The IPv6 router's state (with `vips6`). */
  status6(): Promise<FrrRouterStatus>
  /** The IPv6 macvlan and its MAC (with `vips6`). */
  readonly macvlan6?: string
  readonly vmac6?: string
  /** Stops vrrpd then zebra (SIGTERM), removes the macvlan; safe to call twice. */
  stop(): Promise<void>
}

/** The virtual MAC of an IPv4 virtual router (RFC 5798 7.3). */
export function vmacV4(vrid: number): string {
  return `00:00:5e:00:01:${vrid.toString(16).padStart(2, '0')}`
}

/** The virtual MAC of an IPv6 virtual router (RFC 9568 7.3). */
export function vmacV6(vrid: number): string {
  return `00:00:5e:00:02:${vrid.toString(16).padStart(2, '0')}`
}

/** The vtysh-style config FRR's vrrpd reads. */
export function renderFrrConf(iface: string, o: FrrOptions): string {
  const v = o.vrid
  return [
    `interface ${iface}`,
    ` vrrp ${v} version ${o.version ?? 3}`,
    ` vrrp ${v} priority ${o.priority}`,
    ` vrrp ${v} advertisement-interval ${o.advertIntMs ?? 1000}`,
    ...o.vips.map((ip) => ` vrrp ${v} ip ${ip}`),
    ...(o.vips6 ?? []).map((ip) => ` vrrp ${v} ipv6 ${ip}`),
    '!',
    '',
  ].join('\n')
}

/**
 * Start FRR's zebra and vrrpd in `host`. They run as FRR's own user `frr`
 * (member of `frrvty`; `-u root` fails: root is not in the vty group), with
 * `-P 0` (no TCP vty), `-i` pid file, `-z` zebra socket, `--vty_socket` and
 * `-f` all under a private dir. Stopped at `t.teardown` by the caller (or by
 * the lab's teardown, which kills what it spawned).
 */
export async function startFrr(lab: Pick<Lab, 'spawn' | 'exec' | 'iface' | 'prefixLength'>, host: string, o: FrrOptions): Promise<Frr> {
  const iface = lab.iface(host)
  const dir = mkdtempSync(join(tmpdir(), `vrt-frr-${host}-`))
  // The daemons drop to user frr right away and must create sockets and pid files here.
  chmodSync(dir, 0o777)
  const zebraConf = join(dir, 'zebra.conf')
  const vrrpdConf = join(dir, 'vrrpd.conf')
  writeFileSync(zebraConf, '!\n')
  writeFileSync(vrrpdConf, renderFrrConf(iface, o))
  const zapi = join(dir, 'zserv.api')

  const vmac = vmacV4(o.vrid)
  const macvlan = `vrrp4-${o.vrid}`
  await lab.exec(host, 'ip', ['link', 'add', macvlan, 'link', iface, 'type', 'macvlan', 'mode', 'bridge'])
  await lab.exec(host, 'ip', ['link', 'set', macvlan, 'address', vmac])
  for (const vip of o.vips) await lab.exec(host, 'ip', ['addr', 'add', `${vip}/${lab.prefixLength}`, 'dev', macvlan])
  await lab.exec(host, 'ip', ['link', 'set', macvlan, 'up'])
  // The parent must neither answer ARP for the VIPs (arp_ignore=1) nor send
  // ARP requests with a VIP as the sender (arp_announce=2): either would point
  // neighbours at the parent's MAC instead of the VMAC.
  await lab.exec(host, 'sysctl', ['-qw', `net.ipv4.conf.${iface}.arp_ignore=1`, `net.ipv4.conf.${iface}.arp_announce=2`])
  const vmac6 = o.vips6?.length ? vmacV6(o.vrid) : undefined
  const macvlan6 = vmac6 ? `vrrp6-${o.vrid}` : undefined
  if (macvlan6 && vmac6) {
    // FRR sends IPv6 adverts from the macvlan's link-local address; a random one (not EUI-64 of
    // the shared virtual MAC) so that it never collides with the other router's.
    await lab.exec(host, 'ip', ['link', 'add', macvlan6, 'link', iface, 'type', 'macvlan', 'mode', 'bridge'])
    await lab.exec(host, 'ip', ['link', 'set', macvlan6, 'address', vmac6, 'addrgenmode', 'random'])
    await lab.exec(host, 'sysctl', ['-qw', `net.ipv6.conf.${macvlan6}.disable_ipv6=0`, `net.ipv6.conf.${macvlan6}.accept_dad=0`])
    for (const vip of o.vips6 ?? []) await lab.exec(host, 'ip', ['addr', 'add', `${vip}/64`, 'dev', macvlan6, 'nodad'])
    await lab.exec(host, 'ip', ['link', 'set', macvlan6, 'up'])
  }

  const common = ['-P', '0', '-z', zapi, '--vty_socket', dir, '--log', 'stdout', '--log-level', 'debug']
  const zebra = new LoggedProcess(`zebra@${host}`, lab.spawn(host, join(FRR_DIR, 'zebra'), [...common, '-i', join(dir, 'zebra.pid'), '-f', zebraConf]))
  let vrrpd: LoggedProcess | undefined
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    if (vrrpd) await vrrpd.stop('SIGTERM', 3000)
    await zebra.stop('SIGTERM', 3000)
    await lab.exec(host, 'ip', ['link', 'del', macvlan], { allowFail: true })
    if (macvlan6) await lab.exec(host, 'ip', ['link', 'del', macvlan6], { allowFail: true })
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitFor(`zebra@${host} to open its API socket`, () => existsSync(zapi) || (!zebra.running && Promise.reject(new Error(`zebra@${host} exited:\n${zebra.tail()}`))), 10_000, 50)
    vrrpd = new LoggedProcess(`frr-vrrpd@${host}`, lab.spawn(host, join(FRR_DIR, 'vrrpd'), [...common, '-i', join(dir, 'vrrpd.pid'), '-f', vrrpdConf]))
    const vr = vrrpd
    await vr.waitForLog(new RegExp(`\\[VRID ${o.vrid}\\] \\[IPv4\\] Initialize -> Backup`), 10_000)
    if (macvlan6) await vr.waitForLog(new RegExp(`\\[VRID ${o.vrid}\\] \\[IPv6\\] Initialize -> Backup`), 10_000)
    const statusOf = async (family: 'v4' | 'v6'): Promise<FrrRouterStatus> => {
      const r = await lab.exec(host, 'vtysh', ['--vty_socket', dir, '-d', 'vrrpd', '-c', 'show vrrp json'])
      const list = JSON.parse(r.stdout) as Record<string, unknown>[]
      const raw = list.find((x) => x.vrid === o.vrid)
      if (!raw) throw new Error(`show vrrp json has no VRID ${o.vrid}: ${r.stdout}`)
      const fam = raw[family] as { status?: unknown; stats?: { adverTx?: unknown; adverRx?: unknown } } | undefined
      return { vrid: o.vrid, status: String(fam?.status), adverTx: Number(fam?.stats?.adverTx), adverRx: Number(fam?.stats?.adverRx), raw }
    }
    return {
      dir,
      zebra,
      vrrpd: vr,
      macvlan,
      vmac,
      ...(macvlan6 && vmac6 ? { macvlan6, vmac6 } : {}),
      status6: () => statusOf('v6'),
      waitForLog: (re, timeoutMs, since) => vr.waitForLog(re, timeoutMs, { since }),
      async status() {
        const r = await lab.exec(host, 'vtysh', ['--vty_socket', dir, '-d', 'vrrpd', '-c', 'show vrrp json'])
        const list = JSON.parse(r.stdout) as Record<string, unknown>[]
        const raw = list.find((x) => x.vrid === o.vrid)
        if (!raw) throw new Error(`show vrrp json has no VRID ${o.vrid}: ${r.stdout}`)
        const v4 = raw.v4 as { status?: unknown; stats?: { adverTx?: unknown; adverRx?: unknown } } | undefined
        return { vrid: o.vrid, status: String(v4?.status), adverTx: Number(v4?.stats?.adverTx), adverRx: Number(v4?.stats?.adverRx), raw }
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
