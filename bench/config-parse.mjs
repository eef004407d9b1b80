// Times loadConfig on a generated 1,000-instance keepalived.conf (split over an
// include glob, with macros and a track script), after `npm run build`.
// Usage: node bench/config-parse.mjs [instances=1000] [runs=10]
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { loadConfig } from '../dist/config/index.js'

const instances = Number(process.argv[2] ?? 1000)
const runs = Number(process.argv[3] ?? 10)
const dir = mkdtempSync(join(tmpdir(), 'vrrpd-bench-config-'))
try {
  mkdirSync(join(dir, 'conf.d'))
  writeFileSync(
    join(dir, 'keepalived.conf'),
    [
      'global_defs {', '  router_id bench', '  vrrp_garp_master_delay 2', '  enable_script_security', '  script_user root', '}',
      '$AUTH=authentication { \\', '  auth_type PASS \\', '  auth_pass secret \\', '}',
      'vrrp_script chk {', '  script "/usr/bin/pgrep nginx"', '  interval 2', '  weight -20', '}',
      'include conf.d/*.conf', '',
    ].join('\n'),
  )
  const perFile = 100
  for (let f = 0; f * perFile < instances; f++) {
    const out = []
    for (let n = f * perFile; n < Math.min(instances, (f + 1) * perFile); n++) {
      const iface = `eth${Math.floor(n / 250)}`
      const vrid = (n % 250) + 1
      out.push(
        `vrrp_instance VI_${n} {  # instance ${n}`,
        `  state ${n % 2 ? 'BACKUP' : 'MASTER'}`,
        `  interface ${iface}`,
        `  virtual_router_id ${vrid}`,
        `  priority ${100 + (n % 50)}`,
        '  advert_int 1',
        '  $AUTH',
        '  virtual_ipaddress {',
        `    10.${n >> 8}.${n & 255}.1/24 dev ${iface} label ${iface}:v${vrid}`,
        `    10.${n >> 8}.${n & 255}.2/24`,
        '  }',
        '  track_script {', '    chk', '  }',
        '  notify_master "/etc/keepalived/notify.sh master"',
        '}',
      )
    }
    writeFileSync(join(dir, 'conf.d', `${String(f).padStart(3, '0')}.conf`), out.join('\n') + '\n')
  }
  const file = join(dir, 'keepalived.conf')
  // The scripts "exist and are safe": the host's files must not decide the result.
  const opts = { configId: 'bench', interfaceExists: () => true, checkScript: (path) => ({ ok: true, path }) }
  const first = loadConfig(file, opts)
  if (first.config.instances.length !== instances || first.exitCode !== 0) {
    console.error(`unexpected result: ${first.config.instances.length} instances, exit ${first.exitCode}`)
    for (const d of first.diagnostics.slice(0, 5)) console.error(d)
    process.exit(1)
  }
  const times = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    loadConfig(file, opts)
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)]
  console.log(`config-parse: ${instances} instances, loadConfig median ${median.toFixed(1)} ms, min ${times[0].toFixed(1)} ms over ${runs} runs after one warm-up`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
