// vrrpd beside real keepalived 2.2.7, VRRPv3 over IPv4 (vrrp_version 3, no auth):
// the right master both ways round, failover both ways, never two masters once
// settled (issue #4). The scenario lives in test/helpers/interop-scenario.ts.
import t from 'tap'
import { requireRoot } from '../helpers/netns.js'
import { failoverScenario } from '../helpers/interop-scenario.js'

// RFC 5798 6.4: election and failover; RFC 5798 6.4.3 priority 0 on shutdown.
t.test('VRRPv3 IPv4: vrrpd and keepalived elect and fail over both ways', async (t) => {
  if (!requireRoot(t)) return
  await failoverScenario(t, 'v3')
})
