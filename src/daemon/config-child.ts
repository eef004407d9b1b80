/**
 * The reload parser's process (see config-isolated.ts): reads the config named
 * on the command line and sends the LoadResult back over the IPC channel. It
 * asks the kernel to kill it when vrrpd dies (PR_SET_PDEATHSIG), so a parse
 * stuck on a FIFO can never outlive a vrrpd killed with -9.
 */
import { loadConfig } from '../config/index.js'
import { loadLibc } from '../io/libc.js'

const PR_SET_PDEATHSIG = 1
const SIGKILL = 9

const libc = loadLibc()
if (!(libc instanceof Error)) libc.prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0)
// vrrpd may have died between fork and prctl: then nobody would kill us.
if (String(process.ppid) !== process.env.VRRPD_PARENT_PID) process.exit(1)

const [file, configId] = process.argv.slice(2)
const result = loadConfig(file!, configId ? { configId } : {})
process.send!(result, () => process.disconnect())
