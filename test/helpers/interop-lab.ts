/**
 * vrrpd beside real keepalived 2.2.7 in one lab (hosts v: vrrpd, k: keepalived,
 * client), for the interop tests: one config renderer for the three modes, the
 * settle checks (right master by log, VIP placement by `ip addr`) and the
 * "never two masters" sampler.
 *
 *     const lab = await createInteropLab(t)
 *     const v = startVrrpd(lab, 'v', { config: interopConf(lab, 'v', 'v3', 100) })
 *     await settle(t, lab, { master: v, backup: k }, 'vrrpd master')
 */
import type { Test } from 'tap'
import type { Daemon, VrrpState } from '../../src/lab/daemon.js'
import { createLab, waitFor, type Lab, type LabTest } from './netns.js'
import { renderKeepalivedConf } from './keepalived.js'

/** The three wire modes both daemons are run in. */
export type InteropMode = 'v2-multicast' | 'v2-unicast' | 'v3'

/** Host names of the interop lab: v runs vrrpd, k runs keepalived. */
export const VRRPD_HOST = 'v'
export const KEEPALIVED_HOST = 'k'

/** The VIP every interop instance carries. */
export function interopVip(lab: Lab): string {
  return lab.address(100)
}

/** The lab with hosts v, k and client. */
export function createInteropLab(t: LabTest): Promise<Lab> {
  return createLab(t, { hosts: [VRRPD_HOST, KEEPALIVED_HOST, 'client'] })
}

/**
 * The same keepalived.conf text for either daemon on `host`, in `mode`, so the two
 * differ only in priority (and the password when a test wants a mismatch).
 */
export function interopConf(lab: Lab, host: string, mode: InteropMode, priority: number, opts: { authPass?: string } = {}): string {
  const peer = host === VRRPD_HOST ? KEEPALIVED_HOST : VRRPD_HOST
  const extra = mode === 'v2-unicast' ? [`unicast_src_ip ${lab.ip(host)}`, 'unicast_peer {', `  ${lab.ip(peer)}`, '}'] : []
  return renderKeepalivedConf({
    iface: lab.iface(host),
    priority,
    vips: [`${interopVip(lab)}/24`],
    version: mode === 'v3' ? 3 : 2,
    authPass: mode === 'v3' ? null : opts.authPass ?? 's3cret',
    extra,
  })
}

/** Whether `host` has the VIP on its lab interface, per `ip addr`. */
export async function hasVip(lab: Lab, host: string): Promise<boolean> {
  const r = await lab.exec(host, 'ip', ['-4', '-o', 'addr', 'show', 'dev', lab.iface(host)])
  return r.stdout.includes(` ${interopVip(lab)}/`)
}

/** A daemon's state by its log; a stopped daemon holds no state. */
export function liveState(d: Daemon): VrrpState | undefined {
  return d.proc.running ? d.state() : undefined
}

/** One sample of both sides. */
export interface Sample {
  at: number
  v: VrrpState | undefined
  k: VrrpState | undefined
  vipOnV: boolean
  vipOnK: boolean
}

/** The daemons of one settle point; the backup may be absent (stopped). */
export interface Roles {
  master: Daemon
  backup?: Daemon
  /** The state a running backup must log (default BACKUP; FAULT when its link is cut). */
  backupState?: VrrpState
}

async function sampleOnce(lab: Lab, v: Daemon | undefined, k: Daemon | undefined): Promise<Sample> {
  const [vipOnV, vipOnK] = await Promise.all([hasVip(lab, VRRPD_HOST), hasVip(lab, KEEPALIVED_HOST)])
  return { at: performance.now(), v: v && liveState(v), k: k && liveState(k), vipOnV, vipOnK }
}

function sideOf(d: Daemon): 'v' | 'k' {
  return d.kind === 'vrrpd' ? 'v' : 'k'
}

function sideState(s: Sample, side: 'v' | 'k'): { state: VrrpState | undefined; vip: boolean } {
  return side === 'v' ? { state: s.v, vip: s.vipOnV } : { state: s.k, vip: s.vipOnK }
}

/** Whether a sample shows `roles`: master MASTER with the VIP, a running backup BACKUP, the VIP nowhere else. */
function shows(roles: Roles, s: Sample): boolean {
  const m = sideState(s, sideOf(roles.master))
  const b = sideState(s, sideOf(roles.master) === 'v' ? 'k' : 'v')
  const backupOk = roles.backup === undefined || !roles.backup.proc.running || b.state === (roles.backupState ?? 'BACKUP')
  return m.state === 'MASTER' && m.vip && !b.vip && backupOk
}

function sidesOf(roles: Roles): { v: Daemon | undefined; k: Daemon | undefined } {
  const { master, backup } = roles
  return sideOf(master) === 'v' ? { v: master, k: backup } : { v: backup, k: master }
}

/**
 * Waits until `roles.master` logs MASTER and holds the VIP while the backup (if
 * running) logs BACKUP and holds none, per the logs and `ip addr` in both hosts.
 */
export async function waitSettled(t: Test, lab: Lab, roles: Roles, label: string, timeoutMs = 12_000): Promise<void> {
  const { v, k } = sidesOf(roles)
  let last: Sample | undefined
  try {
    await waitFor(`${label}: ${roles.master.kind} MASTER with the VIP`, async () => shows(roles, (last = await sampleOnce(lab, v, k))), timeoutMs, 50)
  } catch (error) {
    t.fail(`${label}: did not settle`, { last, master: roles.master.proc.tail(12), backup: roles.backup?.proc.tail(12) })
    throw error
  }
  const peer = roles.backup?.proc.running ? `${roles.backup.kind} ${roles.backupState ?? 'BACKUP'} (log) without it` : 'the stopped peer holds no VIP'
  t.pass(`${label}: ${roles.master.kind} MASTER (log) with the VIP, ${peer}`)
}

/**
 * Samples both sides every `everyMs` for `windowMs` (a few advert intervals):
 * never two masters by log, never the VIP on both hosts, and the roles hold.
 */
export async function holdsSettled(t: Test, lab: Lab, roles: Roles, label: string, opts: { windowMs?: number; everyMs?: number } = {}): Promise<Sample[]> {
  const { v, k } = sidesOf(roles)
  const samples: Sample[] = []
  const deadline = performance.now() + (opts.windowMs ?? 3000)
  while (performance.now() < deadline) {
    samples.push(await sampleOnce(lab, v, k))
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 100))
  }
  t.same(samples.filter((s) => s.v === 'MASTER' && s.k === 'MASTER'), [], `${label}: never both MASTER (${samples.length} samples)`)
  t.same(samples.filter((s) => s.vipOnV && s.vipOnK), [], `${label}: never the VIP on both hosts (${samples.length} samples)`)
  t.same(samples.filter((s) => !shows(roles, s)), [], `${label}: the roles held over the window`)
  return samples
}

/** {@link waitSettled} then {@link holdsSettled}. */
export async function settle(t: Test, lab: Lab, roles: Roles, label: string): Promise<void> {
  await waitSettled(t, lab, roles, label)
  await holdsSettled(t, lab, roles, label)
}

/**
 * What each mode must look like on the wire: the master's adverts as captured on
 * the other host (RFC 3768 5.1/5.3; RFC 5798 5.1/5.2 for v3).
 */
export function expectedAdvert(lab: Lab, mode: InteropMode, from: string, priority: number): Record<string, unknown> {
  const to = from === VRRPD_HOST ? KEEPALIVED_HOST : VRRPD_HOST
  const base = {
    src: lab.ip(from),
    dst: mode === 'v2-unicast' ? lab.ip(to) : '224.0.0.18',
    srcMac: lab.mac(from),
    vrid: 51,
    prio: priority,
    intvlMs: 1000,
    addrs: [interopVip(lab)],
    badChecksum: false,
    badIpChecksum: false,
    malformed: false,
  }
  return mode === 'v3' ? { ...base, version: 3 } : { ...base, version: 2, authtype: 'simple', auth: 's3cret' }
}
