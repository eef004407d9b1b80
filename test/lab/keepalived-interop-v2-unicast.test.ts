// vrrpd beside real keepalived 2.2.7, VRRPv2 unicast (unicast_src_ip +
// unicast_peer on both, PASS auth): the right master both ways round, failover
// both ways, never two masters once settled (issue #4). The scenario lives in
// test/helpers/interop-scenario.ts.
import t from 'tap'
import { requireRoot } from '../helpers/netns.js'
import { failoverScenario } from '../helpers/interop-scenario.js'

// RFC 3768 6.4: election and failover; RFC 3768 6.4.3 priority 0 on shutdown.
t.test('VRRPv2 unicast: vrrpd and keepalived elect and fail over both ways', async (t) => {
  if (!requireRoot(t)) return
  await failoverScenario(t, 'v2-unicast')
})
