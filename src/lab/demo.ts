/**
 * `vrrpd lab`: a client and two nginx web hosts in network namespaces, a VRRP
 * daemon on each web host holding one VIP, and the classic failovers shown step
 * by step with their timings (read from the daemons' own log lines).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebClient, errorWindow } from './client.js'
import { renderDemoConfig } from './config.js'
import { Daemon, defaultVrrpdMain, startDaemon, type DaemonKind } from './daemon.js'
import { LabNetwork, pruneStaleNamespaces } from './netns.js'
import { NginxSite } from './nginx.js'
import type { LoggedProcess } from './proc.js'
import { StepPrinter, rel, type StepResult } from './steps.js'

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Which daemon runs on the web hosts (default 'vrrpd'). */
  daemon?: DaemonKind
  /** Where the demo's lines go (default: console.log). */
  out?: (line: string) => void
  /** vrrpd's entry point when daemon is 'vrrpd' (default: dist/main.js). */
  vrrpdMain?: string
}

/** What {@link runDemo} reports back; `ok` is false when any step failed. */
export interface DemoResult {
  ok: boolean
  steps: StepResult[]
}

const VIP = '10.77.0.100'
const HOSTS = ['client', 'web-a', 'web-b'] as const
/** Generous limits: advert_int 1 gives a master-down interval of about 3.6 s. */
const ELECTION_MS = 12_000
const SCRIPT_MS = 6_000

/** Preconditions, as messages for people (empty when all is well). */
function preflight(kind: DaemonKind, vrrpdMain: string): string[] {
  const problems: string[] = []
  if (process.platform !== 'linux') problems.push('the lab needs Linux network namespaces')
  if (process.getuid?.() !== 0) problems.push('the lab needs root (network namespaces, VIPs): run it with sudo')
  for (const bin of ['/usr/sbin/ip', '/usr/sbin/nginx']) {
    if (!existsSync(bin) && !existsSync(bin.replace('/usr', ''))) problems.push(`${bin} is missing (run scripts/setup.sh)`)
  }
  if (kind === 'keepalived' && !existsSync('/usr/sbin/keepalived')) problems.push('/usr/sbin/keepalived is missing')
  if (kind === 'vrrpd' && !existsSync(vrrpdMain)) problems.push(`${vrrpdMain} is missing: run npm run build first`)
  return problems
}

/**
 * Run the demo from start to teardown. Never throws for a failed step: each one
 * is printed with ✔/✘ and the result says whether all passed. SIGINT/SIGTERM
 * during the run tear the lab down before the demo returns.
 */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const kind = opts.daemon ?? 'vrrpd'
  const out = opts.out ?? ((line: string) => console.log(line))
  const vrrpdMain = opts.vrrpdMain ?? defaultVrrpdMain()
  const steps = new StepPrinter(out)
  const problems = preflight(kind, vrrpdMain)
  if (problems.length) {
    for (const p of problems) out(`✘ ${p}`)
    return { ok: false, steps: [] }
  }

  out(`vrrpd lab: client + web-a + web-b in network namespaces, VIP ${VIP}, daemon: ${kind}`)
  let net: LabNetwork | undefined
  let dir: string | undefined
  let cleaning: Promise<void> | undefined
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await net?.teardown()
      if (dir) rmSync(dir, { recursive: true, force: true })
    })())
  let interrupted: NodeJS.Signals | undefined
  const onSignal = (sig: NodeJS.Signals): void => {
    // A second Ctrl-C while tearing down means "now": namespaces left behind are
    // pruned by the next run (their names carry this pid).
    if (interrupted) process.exit(130)
    interrupted = sig
    out(`✘ ${sig}: tearing the lab down`)
    void cleanup()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  try {
    const stale = await pruneStaleNamespaces()
    if (stale.length) out(`(removed ${stale.length} namespaces left by an earlier run)`)
    const web = { a: undefined as NginxSite | undefined, b: undefined as NginxSite | undefined }
    const vrrp = { a: undefined as Daemon | undefined, b: undefined as Daemon | undefined }
    let client: WebClient | undefined
    let neigh: LoggedProcess | undefined
    const url = `http://${VIP}/`

    const ok = await sequence([
      ['Build the lab: 3 namespaces on one bridge', async () => {
        net = await LabNetwork.create({ hosts: [...HOSTS] })
        dir = mkdtempSync(join(tmpdir(), 'vrrpd-lab-'))
        steps.note(`client ${net.ip('client')}, web-a ${net.ip('web-a')} (${net.mac('web-a')}), web-b ${net.ip('web-b')} (${net.mac('web-b')})`)
      }],
      ['Start nginx on web-a and web-b', async () => {
        web.a = new NginxSite(net!, 'web-a', join(dir!, 'nginx-a'), 'web-a')
        web.b = new NginxSite(net!, 'web-b', join(dir!, 'nginx-b'), 'web-b')
        await Promise.all([web.a.start(), web.b.start()])
      }],
      [`Start ${kind} on web-a (priority 100) and web-b (priority 90); web-a becomes MASTER`, async () => {
        const t0 = performance.now()
        vrrp.a = startVrrp(net!, dir!, kind, vrrpdMain, 'web-a', 100, web.a!)
        vrrp.b = startVrrp(net!, dir!, kind, vrrpdMain, 'web-b', 90, web.b!)
        await timeline(t0, [
          ['web-a', vrrp.a.waitForLog(/\(VI_1\) Entering MASTER STATE/, ELECTION_MS)],
          ['web-b', vrrp.b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, ELECTION_MS)],
        ])
        await expectVip(net!, 'web-a', 'web-b')
      }],
      [`The client fetches ${url} through the VIP`, async () => {
        neigh = net!.spawn('client', 'neigh@client', 'ip', ['monitor', 'neigh'])
        client = new WebClient(net!, 'client', url)
        const r = await client.waitForServedBy('web-a', 5000)
        steps.note(`"${r.body}"; the client's ARP entry for ${VIP}: ${await macOf(net!, 'client')}`)
        await expectNeighbour(net!, 'web-a')
      }],
      ['Stop nginx on web-a: its check fails and web-b takes over', async () => {
        const t0 = performance.now()
        await web.a!.stop()
        steps.note(`${rel(performance.now(), t0)}  nginx on web-a stopped`)
        await timeline(t0, [
          ['web-a', vrrp.a!.waitForLog(/VRRP_Script\(chk_nginx\) failed/, SCRIPT_MS, t0)],
          ['web-a', vrrp.a!.waitForLog(/Changing effective priority from 100 to 80/, SCRIPT_MS, t0)],
          ['web-b', vrrp.b!.waitForLog(/\(VI_1\) Entering MASTER STATE/, ELECTION_MS, t0)],
          ['client', garp(neigh!, net!, 'web-b', t0)],
          ['client', served(client!, 'web-b', t0)],
        ])
        await vrrp.a!.waitForLog(/\(VI_1\) Entering BACKUP STATE/, ELECTION_MS, t0)
        await expectVip(net!, 'web-b', 'web-a')
        reportErrors(client!, t0)
        steps.note('(web-b ignores the lower-priority adverts and takes over when its master-down timer,')
        steps.note(' 3 x advert_int + skew, runs out; until then web-a keeps the VIP with nginx down)')
      }],
      ['Start nginx on web-a again: web-a takes the VIP back', async () => {
        const t0 = performance.now()
        await web.a!.start()
        steps.note(`${rel(performance.now(), t0)}  nginx on web-a started`)
        await timeline(t0, [
          ['web-a', vrrp.a!.waitForLog(/VRRP_Script\(chk_nginx\) succeeded/, SCRIPT_MS, t0)],
          ['web-a', vrrp.a!.waitForLog(/Changing effective priority from 80 to 100/, SCRIPT_MS, t0)],
          ['web-a', vrrp.a!.waitForLog(/\(VI_1\) Entering MASTER STATE/, ELECTION_MS, t0)],
          ['web-b', vrrp.b!.waitForLog(/\(VI_1\) Entering BACKUP STATE/, ELECTION_MS, t0)],
          ['client', garp(neigh!, net!, 'web-a', t0)],
          ['client', served(client!, 'web-a', t0)],
        ])
        await expectVip(net!, 'web-a', 'web-b')
        reportErrors(client!, t0)
        steps.note('(web-b keeps serving until web-a, back at priority 100, preempts it)')
      }],
      [`Stop ${kind} on web-a (SIGTERM): it hands the VIP to web-b`, async () => {
        const t0 = performance.now()
        const exit = vrrp.a!.stop('SIGTERM', 5000)
        const exited = exit.then((code) => ({ at: performance.now(), text: `${kind} exited (${code})` }))
        await timeline(t0, [
          ['web-a', exited],
          ['web-b', vrrp.b!.waitForLog(/\(VI_1\) Entering MASTER STATE/, ELECTION_MS, t0)],
          ['client', garp(neigh!, net!, 'web-b', t0)],
          ['client', served(client!, 'web-b', t0)],
        ])
        await expectVip(net!, 'web-b', 'web-a')
        reportErrors(client!, t0)
        steps.note('(the stopping master sends priority 0: web-b waits only its skew time, (256 - 90) / 256 s)')
        const code = await exit
        if (code !== 0) throw new Error(`${kind} on web-a exited with ${code}, expected 0`)
      }],
    ])
    const down = await steps.run('Tear down the lab', async () => {
      await client?.stop()
      await cleanup()
    })
    if (interrupted) out(`✘ interrupted by ${interrupted}`)
    const all = ok && down && !interrupted
    out(all ? '✔ demo complete' : '✘ demo failed')
    return { ok: all, steps: steps.results }
  } finally {
    await cleanup()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }

  /** Run the steps in order; stop at the first failure (later ones would only cascade). */
  async function sequence(list: Array<[string, () => Promise<void>]>): Promise<boolean> {
    for (const [title, fn] of list) {
      if (interrupted || !(await steps.run(title, fn))) return false
    }
    return true
  }

  /** Print each event as it is reached, relative to t0; throw if one never came. */
  async function timeline(t0: number, events: Array<[string, Promise<{ at: number; text: string }>]>): Promise<void> {
    // Lines are stamped on receipt, so printing in order of arrival is in time order.
    const printed = events.map(([who, p]) => p.then((v) => steps.note(`${rel(v.at, t0)}  ${who}: ${stripStamp(v.text)}`)))
    const failed = (await Promise.allSettled(printed)).find((s) => s.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
  }

  function reportErrors(c: WebClient, t0: number): void {
    const w = errorWindow(c.results(t0), t0, performance.now())
    steps.note(`the client saw errors for ${Math.round(w.spanMs)} ms (${w.failed} of ${w.total} fetches failed)`)
  }
}

/**
 * Drop the daemon's own time stamp (the timeline has its own times): keepalived
 * prints "Wed Nov 25 19:16:07 2026: ", vrrpd's text log "2026-11-25T19:16:07.123Z INFO  ".
 */
export function stripStamp(text: string): string {
  return text.replace(/^(?:\w{3} \w{3} +\d+ [\d:]+ \d{4}: |\d{4}-\d\d-\d\dT\S+ +[A-Z]+ +)/, '')
}

function startVrrp(net: LabNetwork, dir: string, kind: DaemonKind, vrrpdMain: string, host: string, priority: number, site: NginxSite): Daemon {
  const configPath = join(dir, `${host}.conf`)
  writeFileSync(configPath, renderDemoConfig({
    routerId: host, priority, vip: `${VIP}/24`, iface: net.iface, checkCommand: site.checkScript,
  }))
  // One run directory per host: two daemons sharing pid files would clash.
  const runDir = join(dir, `run-${host}`)
  mkdirSync(runDir, { recursive: true })
  return startDaemon(net, host, kind, { configPath, runDir, vrrpdMain })
}

async function macOf(net: LabNetwork, host: string): Promise<string> {
  const n = await net.neighbour(host, VIP)
  return n.mac ? `${n.mac} (${n.state})` : 'none'
}

/**
 * The VIP on `holder` and not on `other`. The daemon logs "Entering MASTER STATE"
 * before `ip addr add` has finished, so this waits a little for the address.
 */
async function expectVip(net: LabNetwork, holder: string, other: string, withinMs = 2000): Promise<void> {
  const deadline = Date.now() + withinMs
  for (;;) {
    const [has, hasNot] = await Promise.all([net.addresses(holder), net.addresses(other)])
    if (has.includes(VIP) && !hasNot.includes(VIP)) return
    if (Date.now() >= deadline) {
      if (!has.includes(VIP)) throw new Error(`${holder} does not hold ${VIP} (has ${has.join(', ')})`)
      throw new Error(`${other} still holds ${VIP}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function expectNeighbour(net: LabNetwork, owner: string): Promise<void> {
  const n = await net.neighbour('client', VIP)
  if (n.mac !== net.mac(owner)) throw new Error(`the client's ARP entry for ${VIP} is ${n.mac ?? 'missing'}, not ${owner}'s ${net.mac(owner)}`)
}

/** The client's neighbour table switching the VIP to `owner`'s MAC (a gratuitous ARP). */
async function garp(neigh: LoggedProcess, net: LabNetwork, owner: string, since: number): Promise<{ at: number; text: string }> {
  const re = new RegExp(`^${VIP.replace(/\./g, '\\.')} .*lladdr ${net.mac(owner)}`)
  const l = await neigh.waitForLog(re, ELECTION_MS, { since })
  return { at: l.at, text: `ARP entry for ${VIP} -> ${owner}'s MAC ${net.mac(owner)}` }
}

async function served(c: WebClient, name: string, since: number): Promise<{ at: number; text: string }> {
  const r = await c.waitForServedBy(name, ELECTION_MS + SCRIPT_MS, since)
  return { at: r.at, text: `first page "${r.body}"` }
}
