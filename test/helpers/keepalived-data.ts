/**
 * keepalived's parsed view of a config, and vrrpd's, in one shape for a field by
 * field comparison. keepalived's comes from its SIGUSR1 dump ($TMPDIR/keepalived.data)
 * of a briefly started keepalived, in a network namespace and a private $TMPDIR
 * (other keepalived runs would write the same /tmp path); vrrpd's from `vrrpd -d`.
 */
import type { Config } from '../../src/config/model.js'
import { vmacSpecs, withVmacs } from '../../src/daemon/vmac-plan.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { OracleNamespace } from './config-oracle.js'
import { splitCommandLine } from '../../src/config/tokenize.js'

/** The instance fields both dumps show. */
export interface InstanceView {
  version: number
  interface: string
  sourceIp: string
  vrid: number
  priority: number
  advertIntervalMs: number
  preempt: boolean
  preemptDelayMs: number
  auth: string
  vips: string[]
  unicastPeers: string[]
  trackScripts: string[]
  garp: { delayS: number; repeat: number; refreshS: number; refreshRepeat: number; lowerPrioDelayS: number; lowerPrioRepeat: number }
  /** `Master: true 0:0` - the command's file name and arguments, and who runs it. */
  notify: string[]
}

export interface ConfigView {
  instances: Record<string, InstanceView>
}

// keepalived writes its dumps in $TMPDIR (lib/utils.c set_tmp_dir): a private directory
// per run, so runs never share /tmp's files. (Not a tmpfs over /tmp: the config, and the
// whole checkout, may live under /tmp themselves.)
const KEEPALIVED_SCRIPT = `
d=$2
TMPDIR=$d keepalived -n -l -P -f "$1" -p $d/k.pid -r $d/v.pid -c $d/c.pid -b $d/b.pid >$d/log 2>&1 &
pid=$!
i=0; while [ ! -s $d/v.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
sleep 0.3
kill -USR1 $pid
i=0; while [ ! -s $d/keepalived.data ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
sleep 0.3
cat $d/keepalived.data || { echo "NO DATA"; cat $d/log; }
kill -TERM $pid; wait $pid
`

/** Starts keepalived on `file` in the namespace, with its own $TMPDIR, and returns its SIGUSR1 dump. */
export async function keepalivedData(ns: OracleNamespace, file: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'vrt-kdump-'))
  try {
    const r = await ns.exec('sh', ['-c', KEEPALIVED_SCRIPT, 'kdump', file, dir], { timeoutMs: 60_000 })
    return r.stdout
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const notifyLabel: Record<string, string> = { master: 'Master', backup: 'Backup', fault: 'Fault', stop: 'Stop', any: 'Generic' }

function notifyEntry(label: string, argv: string[], uidGid: string): string {
  const [cmd, ...args] = argv
  return `${label}: ${[basename(cmd ?? ''), ...args].join(' ')} ${uidGid}`
}

/** Parses the VRRP Topology part of keepalived.data. */
export function parseKeepalivedData(text: string): ConfigView {
  const instances: Record<string, InstanceView> = {}
  const topo = text.split('------< VRRP Topology >------')[1]?.split(/\n------< /)[0] ?? ''
  for (const block of topo.split(/\n(?= VRRP Instance = )/)) {
    const name = /^ VRRP Instance = (\S+)/m.exec(block)?.[1]
    if (!name) continue
    const field = (label: string): string => new RegExp(`^   ${label.replace(/[()]/g, '\\$&')} = (.*)$`, 'm').exec(block)?.[1]?.trim() ?? ''
    const list = (header: RegExp): string[] => {
      const lines = block.split('\n')
      const i = lines.findIndex((l) => header.test(l))
      if (i < 0) return []
      const out: string[] = []
      for (const l of lines.slice(i + 1)) {
        if (!l.startsWith('     ')) break
        out.push(l.trim())
      }
      return out
    }
    const advert = field('Advert interval')
    const [n, unit] = advert.split(' ')
    const src = field('Using src_ip')
    const auth = field('Authentication type')
    const notify: string[] = []
    for (const m of block.matchAll(/^ {3}(\w+) state transition script = (.*), uid:gid (\d+:\d+)$/gm)) {
      if (m[1] === 'Deleted') continue
      notify.push(notifyEntry(m[1] as string, splitCommandLine(m[2] as string), m[3] as string))
    }
    instances[name] = {
      version: Number(field('VRRP Version')),
      interface: field('Interface'),
      // Only a configured source is config: otherwise keepalived shows the interface's
      // address of the moment (a VIP another instance added, in this shared namespace).
      sourceIp: src.endsWith('(from configuration)') ? (src.split(' ')[0] as string) : '',
      vrid: Number(field('Virtual Router ID')),
      priority: Number(field('Priority')),
      advertIntervalMs: unit === 'sec' ? Number(n) * 1000 : Number(n),
      preempt: field('Preempt') === 'enabled',
      preemptDelayMs: Math.round(Number(/^[\d.]+/.exec(field('Preempt delay'))?.[0] ?? 0) * 1000),
      auth: auth === '' || auth === 'none' ? 'none' : auth === 'SIMPLE_PASSWORD' ? `PASS ${field('Password')}` : auth,
      vips: list(/^ {3}Virtual IP \(\d+\):/).map((l) => {
        const [addr, , dev] = l.split(' ')
        return `${addr?.includes('/') ? addr : `${addr}/${addr?.includes(':') ? 128 : 32}`} dev ${dev}`
      }).sort(),
      unicastPeers: list(/^ {3}Unicast Peer :/).map((l) => l.split(' ')[0] as string).sort(),
      trackScripts: list(/^ {3}Tracked scripts :/).sort(),
      garp: {
        delayS: Number(field('Gratuitous ARP delay')),
        repeat: Number(field('Gratuitous ARP repeat')),
        refreshS: Number(field('Gratuitous ARP refresh')),
        refreshRepeat: Number(field('Gratuitous ARP refresh repeat')),
        lowerPrioDelayS: Number(field('Gratuitous ARP lower priority delay')),
        lowerPrioRepeat: Number(field('Gratuitous ARP lower priority repeat')),
      },
      notify: notify.sort(),
    }
  }
  return { instances }
}

interface DumpInstance {
  name: string
  version: number
  interface: string
  unicastSrcIp?: string
  mcastSrcIp?: string
  virtualRouterId: number
  priority: number
  advertIntervalMs: number
  nopreempt: boolean
  preemptDelayMs: number
  authentication?: { type: string; password: string }
  virtualIpAddresses: Array<{ address: string; prefixLength: number; dev: string }>
  unicastPeers: Array<{ address: string }>
  trackScripts: Array<{ name: string; weight: number; reverse: boolean }>
  garp: { masterDelayMs: number; masterRepeat: number; masterRefreshMs: number; masterRefreshRepeat: number; lowerPrioDelayMs: number; lowerPrioRepeat: number }
  notify: Record<string, string>
  notifyUsers?: Record<string, { user: string; group?: string }>
}

/** The same view from `vrrpd -d` JSON; `uidOf` turns a user (and group) into `uid:gid`. */
export function viewOfVrrpdDump(json: string, uidOf: (user: string | undefined, group?: string) => string): ConfigView {
  const parsed = JSON.parse(json) as Config
  // use_vmac: the daemon runs such an instance on its VMAC (vrrp.VRID), which keepalived's dump
  // shows as "vrrp.51, vmac on eth0" and its VIPs as "dev vrrp.51@eth0".
  const specs = vmacSpecs(parsed)
  const model = withVmacs(parsed, specs) as unknown as { instances: DumpInstance[] }
  const instances: Record<string, InstanceView> = {}
  for (const i of model.instances) {
    const vmac = specs.find((s) => s.instance === i.name)
    const dev = (d: string): string => (vmac && d === vmac.name ? `${d}@${vmac.base}` : d)
    instances[i.name] = {
      version: i.version,
      interface: vmac ? `${vmac.name}, vmac on ${vmac.base}${vmac.xmitBase ? ', xmit base i/f' : ''}` : i.interface,
      sourceIp: i.unicastSrcIp ?? i.mcastSrcIp ?? '',
      vrid: i.virtualRouterId,
      priority: i.priority,
      advertIntervalMs: i.advertIntervalMs,
      preempt: !i.nopreempt,
      preemptDelayMs: i.preemptDelayMs,
      auth: i.authentication ? `${i.authentication.type} ${i.authentication.password}` : 'none',
      vips: i.virtualIpAddresses.map((v) => `${v.address}/${v.prefixLength} dev ${dev(v.dev)}`).sort(),
      unicastPeers: i.unicastPeers.map((p) => p.address).sort(),
      trackScripts: i.trackScripts.map((s) => `${s.name} weight ${s.weight}${s.reverse ? ' reverse' : ''}`).sort(),
      garp: {
        delayS: i.garp.masterDelayMs / 1000,
        repeat: i.garp.masterRepeat,
        refreshS: i.garp.masterRefreshMs / 1000,
        refreshRepeat: i.garp.masterRefreshRepeat,
        lowerPrioDelayS: i.garp.lowerPrioDelayMs / 1000,
        lowerPrioRepeat: i.garp.lowerPrioRepeat,
      },
      notify: Object.entries(i.notify)
        .filter(([k]) => k in notifyLabel)
        .map(([k, cmd]) => notifyEntry(notifyLabel[k] as string, splitCommandLine(cmd), uidOf(i.notifyUsers?.[k]?.user, i.notifyUsers?.[k]?.group)))
        .sort(),
    }
  }
  return { instances }
}
