// Steps per second of the pure core's stepRouter with 1,000 instances:
// a steady mix of advertReceived (500 backups hearing their master) and
// timerFired (500 masters sending their adverts). Build first: npx tsc -p .
//   node bench/core-steps.mjs [instances] [steps]
import { createRouter, stepRouter } from '../dist/core/index.js'

const N = Number(process.argv[2] ?? 1000)
const STEPS = Number(process.argv[3] ?? 1_000_000)
const IFACES = ['eth0', 'eth1', 'eth2', 'eth3']
const at = { file: 'bench.conf', line: 1 }
const garp = { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1, intervalMs: 0, gnaIntervalMs: 0, lowerPrioDelayMs: 5000, lowerPrioRepeat: 5 }

const instances = []
for (let i = 0; i < N; i++) {
  const iface = IFACES[i % IFACES.length]
  const vrid = 1 + Math.floor(i / IFACES.length)
  instances.push({
    name: `VI_${i}`, at, initialState: 'BACKUP', interface: iface, virtualRouterId: vrid,
    priority: i < N / 2 ? 100 : 200, advertIntervalMs: 1000, version: 2, family: 4,
    nopreempt: false, preemptDelayMs: 0,
    virtualIpAddresses: [{ address: `10.${i >> 8}.${i & 255}.100`, family: 4, prefixLength: 32, dev: iface, at }],
    virtualIpAddressesExcluded: [], virtualRoutes: [], trackScripts: [], trackInterfaces: [], trackFiles: [],
    unicastPeers: [], useVmac: false, garp, notify: {}, dontTrackPrimary: false, skipCheckAdvAddr: false,
    strictMode: false, accept: false, lowerPrioNoAdvert: false, higherPrioSendAdvert: false, v3ChecksumPseudoHeader: true,
  })
}
const config = {
  file: 'bench.conf',
  globalDefs: { vrrpVersion: 2, mcastGroup4: '224.0.0.18', mcastGroup6: 'ff02::12', garp, vrrpStrict: false, skipCheckAdvAddr: false, checkUnicastSrc: false, startupDelayMs: 0, lowerPrioNoAdvert: false, higherPrioSendAdvert: false, enableScriptSecurity: false, notificationEmail: [], smtpConnectTimeoutMs: 30000 },
  scripts: {}, trackFiles: {}, instances, syncGroups: [], staticIpAddresses: [], ignored: [],
}
const primaryAddresses = Object.fromEntries(IFACES.map((i) => [i, { 4: '10.255.0.1' }]))
const interfacesUp = Object.fromEntries(IFACES.map((i) => [i, true]))
let router = createRouter(config, { primaryAddresses, interfacesUp })
let now = 0
;({ router } = stepRouter(router, { type: 'startup' }, now))
// Bring the upper half to MASTER by firing their down timers.
for (const inst of router.instances.values()) {
  if (inst.basePriority === 200) ({ router } = stepRouter(router, { type: 'timerFired', instance: inst.name }, Math.max(now, inst.armedAt)))
}
now = 10_000

const adverts = instances.slice(0, N / 2).map((c) => ({
  type: 'advertReceived', interface: c.interface, source: '10.255.0.2',
  advert: { version: 2, type: 1, virtualRouterId: c.virtualRouterId, priority: 150, adverIntervalMs: 1000, authType: 0, authData: Buffer.alloc(8), ipAddresses: c.virtualIpAddresses.map((v) => v.address), family: 4 },
}))
const masters = instances.slice(N / 2).map((c) => c.name)

let actions = 0
const started = process.hrtime.bigint()
for (let s = 0; s < STEPS; s++) {
  now += 0.002
  let out
  if (s & 1) out = stepRouter(router, adverts[(s >> 1) % adverts.length], now)
  else {
    const name = masters[(s >> 1) % masters.length]
    const inst = router.instances.get(name)
    now = Math.max(now, inst.armedAt ?? now)
    out = stepRouter(router, { type: 'timerFired', instance: name }, now)
  }
  router = out.router
  actions += out.actions.length
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9
const states = {}
for (const inst of router.instances.values()) states[inst.state] = (states[inst.state] ?? 0) + 1
console.log(JSON.stringify({ instances: N, steps: STEPS, seconds: +seconds.toFixed(3), stepsPerSecond: Math.round(STEPS / seconds), actionsPerStep: +(actions / STEPS).toFixed(2), states }))
