// vrrpd beside real keepalived 2.2.7, VRRPv2 multicast with PASS auth: the right
// master both ways round, failover both ways, never two masters once settled
// (issue #4); and a password mismatch is an error line, not a silent split brain.
import t from 'tap'
import { requireRoot } from '../helpers/netns.js'
import { failoverScenario, interopDaemons } from '../helpers/interop-scenario.js'
import { createInteropLab, KEEPALIVED_HOST } from '../helpers/interop-lab.js'

// RFC 3768 6.4: election and failover; RFC 3768 6.4.3 priority 0 on shutdown.
t.test('VRRPv2 multicast: vrrpd and keepalived elect and fail over both ways', async (t) => {
  if (!requireRoot(t)) return
  await failoverScenario(t, 'v2-multicast')
})

// RFC 3768 7.1: an advert with the wrong password is dropped; vrrpd also says so
// at error level (src/core/mismatch.ts) and counts it.
t.test('a different auth_pass is a CONFIG MISMATCH error in vrrpd', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createInteropLab(t)
  const start = interopDaemons(t, lab, 'v2-multicast')
  const v = start.vrrpd(100, 's3cret')
  const k = start.keepalived(90, 'other')
  // Each drops the other's adverts, so keepalived ends up sending as MASTER too.
  const line = await v.waitForLog(/CONFIG MISMATCH/, 15_000)
  t.match(line.text, new RegExp(`CONFIG MISMATCH: advert from ${lab.ip(KEEPALIVED_HOST).replaceAll('.', '\\.')} has a different auth_pass`), 'names the peer and the password')
  t.match(line.text, /\bERROR\b/, 'at error level')
  const status = await v.status()
  const inst = status.instances.find((i) => i.name === 'VI_1')
  t.ok((inst?.stats.configMismatch ?? 0) >= 1, `counted in the stats (configMismatch ${inst?.stats.configMismatch})`)
  t.match(inst?.configMismatches, [{ source: lab.ip(KEEPALIVED_HOST), reason: 'authData' }], 'listed by source and reason in `vrrpd status`')
  t.ok((inst?.stats.dropped.authData ?? 0) >= 1, 'and the adverts are dropped (authData)')
  t.equal(v.proc.lines.filter((l) => /CONFIG MISMATCH/.test(l.text)).length, 1, 'reported once, not once per advert')
  t.ok(k.proc.running, 'keepalived still runs')
})
