// Latency from kill(getpid(), SIGRTMIN+2) to its handler on the event loop, through
// src/io/signals.ts (Node's signal handle: libuv's self-pipe). Run after `npm run build`:
//   node bench/signal-delivery.mjs [count]
import { watchSignals } from '../dist/io/signals.js'

const count = Number(process.argv[2] ?? 2000)
const keepAlive = setInterval(() => {}, 1000) // the signal handles are unref'd, as process.on's
let delivered = () => {}
const watch = watchSignals({ JSON: () => delivered() }, (level, msg) => console.log(level, msg))
const us = []
for (let i = 0; i < count; i++) {
  const t0 = process.hrtime.bigint()
  await new Promise((resolve) => {
    delivered = resolve
    process.kill(process.pid, 36)
  })
  us.push(Number(process.hrtime.bigint() - t0) / 1e3)
}
us.sort((a, b) => a - b)
const at = (q) => us[Math.min(us.length - 1, Math.floor(us.length * q))].toFixed(1)
console.log(`modes: ${JSON.stringify(watch.modes)}`)
console.log(`SIGRTMIN+2 -> handler, n=${count}: median ${at(0.5)} us, p99 ${at(0.99)} us, max ${at(1)} us`)
watch.close()
clearInterval(keepAlive)
