// The core's election against keepalived 2.2.7, in the same lab (issue 8 item 6,
// issue 12): two hosts each run a keepalived pair member (VRID 61) and a vrrpd
// pair member (VRID 62), same configs, unicast.
// 1. Equal priority, a's unicast_src_ip (.250) is not its primary address (.11)
//    but is higher than b's (.12): keepalived compares the configured source
//    address (vrrp.c vrrp_saddr_cmp), so a must win, on both.
// 2. A flood of lower-priority adverts at the master: keepalived "forces a new
//    election" per advert; vrrpd answers at most once per advert interval.
import t from 'tap'
import { AUTH_TYPE, buildIpv4Header, encodeAdvert, type Advert } from '../../src/protocol/index.js'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { startKeepalived } from '../helpers/keepalived.js'
import { startVrrpd } from '../helpers/vrrpd.js'
import { holders, startInjector } from '../helpers/pair-lab.js'
import { startCapture } from '../helpers/capture.js'
import { setPort } from '../helpers/switch-port.js'
import type { Daemon } from '../../src/lab/daemon.js'

const KA_VRID = 61
const VD_VRID = 62
const FLOOD = 1000

function conf(vrid: number, vip: string, peer: string, src?: string): string {
  return `vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id ${vrid}
  priority 100
  advert_int 1
${src ? `  unicast_src_ip ${src}\n` : ''}  unicast_peer {
    ${peer}
  }
  virtual_ipaddress {
    ${vip}/24
  }
}
`
}

async function sampleHolders(lab: Lab, vip: string, ms: number): Promise<Set<string>> {
  const seen = new Set<string>()
  const end = Date.now() + ms
  while (Date.now() < end) {
    seen.add((await holders(lab, ['a', 'b'], vip)).join(','))
    await new Promise((r) => setTimeout(r, 100))
  }
  return seen
}

t.test('equal priority, unicast_src_ip not the primary: one master, the one keepalived elects; a lower-priority flood is not amplified', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['a', 'b', 'x'] })
  const src = lab.address(250)
  await lab.exec('a', 'ip', ['addr', 'add', `${src}/24`, 'dev', 'eth0'])
  t.ok(lab.ip('a') < lab.ip('b') && lab.ip('b') < src, `a's primary ${lab.ip('a')} < b's ${lab.ip('b')} < a's unicast_src_ip ${src}`)
  const kaVip = lab.address(161)
  const vdVip = lab.address(162)

  // A BACKUP accepts an equal priority from any address (RFC 3768 6.4.2), so the
  // tie-break only decides between two MASTERs: a starts cut off (carrier kept), both
  // become MASTER, then they meet.
  await setPort(lab, 'a', 'eth0', false)
  const daemons: Array<[string, Daemon]> = [
    ['keepalived a', startKeepalived(lab, 'a', { config: conf(KA_VRID, kaVip, lab.ip('b'), src) })],
    ['keepalived b', startKeepalived(lab, 'b', { config: conf(KA_VRID, kaVip, src) })],
    ['vrrpd a', startVrrpd(lab, 'a', { config: conf(VD_VRID, vdVip, lab.ip('b'), src) })],
    ['vrrpd b', startVrrpd(lab, 'b', { config: conf(VD_VRID, vdVip, src) })],
  ]
  for (const [, d] of daemons) t.teardown(() => d.stop('SIGKILL'))

  for (const [, d] of daemons) await d.waitForLog(/\(VI_1\) Entering MASTER STATE/, 20_000)
  await setPort(lab, 'a', 'eth0', true)
  for (const vip of [kaVip, vdVip]) await waitFor(`one holder of ${vip}`, async () => (await holders(lab, ['a', 'b'], vip)).length === 1 || undefined, 20_000, 100)
  await new Promise((r) => setTimeout(r, 3000))
  const [ka, vd] = [await sampleHolders(lab, kaVip, 4000), await sampleHolders(lab, vdVip, 4000)]
  t.same([...ka], ['a'], 'keepalived: a (source .250) holds the VIP, steadily')
  t.same([...vd], [...ka], 'vrrpd: the same host, steadily')
  for (const [name, d] of daemons) {
    const want = name.endsWith(' a') ? 'MASTER' : 'BACKUP'
    t.equal(d.state(), want, `${name} ${want}`)
  }
  const vrrpdB = daemons[3]![1]
  t.ok(vrrpdB.proc.lines.some((l) => l.text.includes(`(VI_1) Entering BACKUP STATE`)), 'vrrpd b yields')

  // 2. The flood: FLOOD adverts at priority 50, "from b" (as b's unicast peer a expects), to a.
  const injector = await startInjector(lab, 'x')
  t.teardown(() => injector.stop())
  const capture = await startCapture(lab, 'a', `vrrp and src host ${src}`)
  t.teardown(() => capture.stop())
  const lower = (vrid: number, vip: string): Buffer => {
    const advert: Advert = { version: 2, type: 1, virtualRouterId: vrid, priority: 50, adverIntervalMs: 1000, authType: AUTH_TYPE.none, authData: Buffer.alloc(8), ipAddresses: [vip], family: 4 }
    const vrrp = encodeAdvert(advert, { source: lab.ip('b'), destination: src })
    return Buffer.concat([buildIpv4Header({ source: lab.ip('b'), destination: src, payloadLength: vrrp.length }), vrrp])
  }
  const [kaPacket, vdPacket] = [lower(KA_VRID, kaVip), lower(VD_VRID, vdVip)]
  const started = Date.now()
  for (let i = 0; i < FLOOD; i++) {
    await injector.send(kaPacket, src)
    await injector.send(vdPacket, src)
  }
  const seconds = (Date.now() - started) / 1000
  await new Promise((r) => setTimeout(r, 300))
  const sent = await capture.stop()
  const from = (vrid: number) => sent.filter((p) => p.kind === 'vrrp' && p.vrid === vrid).length
  const [kaSent, vdSent] = [from(KA_VRID), from(VD_VRID)]
  t.comment(`${FLOOD} lower-priority adverts each in ${seconds.toFixed(1)} s: keepalived sent ${kaSent} adverts, vrrpd ${vdSent}`)
  // Regular adverts (one a second) plus at most one forced answer a second.
  t.ok(vdSent <= 2 * Math.ceil(seconds + 0.3) + 2, `vrrpd: ${vdSent} adverts in ${seconds.toFixed(1)} s, not one per received advert`)
  t.ok(vdSent >= Math.floor(seconds) - 1, 'vrrpd kept advertising through the flood')
  t.ok(kaSent > vdSent, 'keepalived answers far more of them')
  t.same(await holders(lab, ['a', 'b'], vdVip), ['a'], 'the roles never changed')
  t.same(await holders(lab, ['a', 'b'], kaVip), ['a'])
})
