/**
 * keepalived-exporter's parsing rules (github.com/mehdy/keepalived-exporter,
 * internal/collector/parser.go and setter.go), restated in TypeScript so that
 * vrrpd's dump files can be checked against what the exporter reads: in text
 * mode keepalived.data (instances and scripts) and keepalived.stats, in JSON
 * mode keepalived.json. Each function fails (throws) where the exporter
 * returns an error, and returns what the exporter would export.
 */

const VRRP_STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT']
const SCRIPT_STATUSES = ['BAD', 'GOOD']
const SCRIPT_STATES = ['idle', 'running', 'requested termination', 'forcing termination']

export interface ExporterVrrpData {
  iname: string
  state: number
  wantstate: number
  intf: string
  garpDelay: number
  vrid: number
  vips: string[]
  excludedVips: string[]
}

function atoi(s: string, what: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`exporter: ${what}: strconv.Atoi("${s}") fails`)
  return Number(s)
}

function stateNumber(s: string, what: string): number {
  const i = VRRP_STATES.indexOf(s)
  if (i < 0) throw new Error(`exporter: unknown ${what} found: ${s}`)
  return i
}

/** ParseVRRPData. */
export function parseVrrpData(text: string): Map<string, ExporterVrrpData> {
  const data = new Map<string, ExporterVrrpData>()
  let instance = ''
  let key = ''
  let val = ''
  for (const l of text.split('\n')) {
    if (l.startsWith(' VRRP Instance') && l.includes('=')) {
      instance = l.trim().split('=')[1]!.trim()
      data.set(instance, { iname: instance, state: 0, wantstate: 0, intf: '', garpDelay: 0, vrid: 0, vips: [], excludedVips: [] })
    } else if (l.startsWith('   ') && instance !== '') {
      const d = data.get(instance)!
      if (l.startsWith('     ')) val = l.trim()
      else {
        let args: string[]
        if (l.includes('=')) args = l.trim().split('=')
        else if (l.includes(':')) args = l.trim().split(':')
        else continue
        key = args[0]!.trim()
        if (key === 'Virtual IP') continue
        val = (args[1] ?? '').trim()
      }
      if ((key.startsWith('Virtual IP (') || key === 'Virtual IP') && val !== '') d.vips.push(val.trim())
      if (key.startsWith('Virtual IP Excluded') && val !== '') d.excludedVips.push(val.trim())
      switch (key) {
        case 'State': d.state = stateNumber(val, 'state'); break
        case 'Wantstate': d.wantstate = stateNumber(val, 'wantstate'); break
        case 'Interface': case 'Listening device': d.intf = val; break
        case 'Gratuitous ARP delay': d.garpDelay = atoi(val, 'Gratuitous ARP delay'); break
        case 'Virtual Router ID': d.vrid = atoi(val, 'Virtual Router ID'); break
      }
    } else if (l.startsWith(' VRRP Version') || l.startsWith(' VRRP Script')) continue
    else instance = ''
  }
  return data
}

/** ParseVIP: "ADDR/LEN dev IF ..." -> [address, interface]; the exporter skips VIPs with fewer than 3 words. */
export function parseVip(vip: string): [string, string] | undefined {
  const args = vip.split(' ')
  return args.length < 3 ? undefined : [args[0]!, args[2]!]
}

export interface ExporterScript {
  name: string
  status: string
  state: string
}

/** ParseVRRPScript, with the exporter's status/state lookups (getIntStatus/getIntState must succeed). */
export function parseVrrpScripts(text: string): ExporterScript[] {
  const scripts: ExporterScript[] = []
  let s: ExporterScript = { name: '', status: '', state: '' }
  for (const l of text.split('\n')) {
    if (l.startsWith(' VRRP Script') && l.includes('=')) {
      if (s.name !== '') scripts.push(s)
      s = { name: l.trim().split('=')[1]!.trim(), status: '', state: '' }
    } else if (l.startsWith('   ') && s.name !== '') {
      if (!l.includes('=')) continue
      const parts = l.trim().split('=')
      const key = parts[0]!.trim()
      const value = (parts[1] ?? '').trim()
      if (key === 'Status') s.status = value
      if (key === 'State') s.state = value
    } else if (!l.startsWith('    ')) {
      if (s.name !== '') scripts.push(s)
      s = { name: '', status: '', state: '' }
    }
  }
  if (s.name !== '') scripts.push(s)
  for (const x of scripts) {
    if (!SCRIPT_STATUSES.includes(x.status)) throw new Error(`exporter: unknown script status "${x.status}" of ${x.name}`)
    if (!SCRIPT_STATES.includes(x.state)) throw new Error(`exporter: unknown script state "${x.state}" of ${x.name}`)
  }
  return scripts
}

/** ParseStats: instance -> exported counters (by the exporter's JSON names). */
export function parseStats(text: string): Map<string, Record<string, number>> {
  const stats = new Map<string, Record<string, number>>()
  const names: Record<string, Record<string, string>> = {
    Advertisements: { Received: 'advert_rcvd', Sent: 'advert_sent' },
    'Packet Errors': { Length: 'packet_len_err', TTL: 'ip_ttl_err', 'Invalid Type': 'invalid_type_rcvd', 'Advertisement Interval': 'advert_interval_err', 'Address List': 'addr_list_err' },
    'Authentication Errors': { 'Invalid Type': 'invalid_authtype', 'Type Mismatch': 'authtype_mismatch', Failure: 'auth_failure' },
    'Priority Zero': { Received: 'pri_zero_rcvd', Sent: 'pri_zero_sent' },
  }
  let instance = ''
  let section = ''
  for (const l of text.split('\n')) {
    if (l.startsWith('VRRP Instance') && l.includes(':')) {
      instance = l.trim().split(':')[1]!.trim()
      stats.set(instance, {})
    } else if (l.startsWith('  ') && l.endsWith(':')) {
      section = l.trim().split(':')[0]!.trim()
    } else if (l.startsWith('    ') && section !== '') {
      const sp = l.trim().split(':')
      const key = sp[0]!.trim()
      const value = atoi((sp[1] ?? '').trim(), `keepalived.stats ${key}`)
      const name = names[section]?.[key]
      if (name) stats.get(instance)![name] = value
    } else if (l.startsWith('  ') && !l.endsWith(':') && !l.startsWith('    ')) {
      const sp = l.trim().split(':')
      const key = sp[0]!.trim()
      section = ''
      const value = atoi((sp[1] ?? '').trim(), `keepalived.stats ${key}`)
      if (key === 'Became master') stats.get(instance)!.become_master = value
      if (key === 'Released master') stats.get(instance)!.release_master = value
    }
  }
  return stats
}

/** The exporter's VRRP struct (JSON mode): these keys with these Go types must decode. */
const JSON_DATA: Record<string, 'string' | 'int' | 'string[]'> = {
  iname: 'string', state: 'int', wantstate: 'int', ifp_ifname: 'string', garp_delay: 'int', vrid: 'int', vips: 'string[]', evips: 'string[]',
}
const JSON_STATS = [
  'advert_rcvd', 'advert_sent', 'become_master', 'release_master', 'packet_len_err', 'advert_interval_err', 'ip_ttl_err',
  'invalid_type_rcvd', 'addr_list_err', 'invalid_authtype', 'authtype_mismatch', 'auth_failure', 'pri_zero_rcvd', 'pri_zero_sent',
]

/**
 * ParseJSON: encoding/json into []VRRP. Go fails on a type mismatch (a float
 * into an int field, a string into an int); missing keys decode as zero values,
 * so the keys the exporter exports must be there to be right.
 */
export function parseJson(text: string): Array<{ data: Record<string, unknown>; stats: Record<string, number> }> {
  const list = JSON.parse(text) as unknown
  if (!Array.isArray(list)) throw new Error('exporter: keepalived.json is not an array')
  for (const e of list as Array<{ data: Record<string, unknown>; stats: Record<string, unknown> }>) {
    for (const [k, type] of Object.entries(JSON_DATA)) {
      const v = e.data?.[k]
      if (v === undefined) {
        if (k !== 'evips' && k !== 'vips') throw new Error(`exporter: data.${k} missing (would export a zero value)`)
        continue
      }
      if (type === 'string' && typeof v !== 'string') throw new Error(`exporter: data.${k} is not a string`)
      if (type === 'int' && !Number.isInteger(v)) throw new Error(`exporter: data.${k}: json: cannot unmarshal ${JSON.stringify(v)} into Go int`)
      if (type === 'string[]' && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) throw new Error(`exporter: data.${k} is not a list of strings`)
    }
    for (const k of JSON_STATS) if (!Number.isInteger(e.stats?.[k])) throw new Error(`exporter: stats.${k} is not an integer`)
  }
  return list as Array<{ data: Record<string, unknown>; stats: Record<string, number> }>
}
