/**
 * The no_accept filter (keepalived's vrrp_nftables.c, done with the `nft`
 * command of Debian's nftables package): while an instance without accept mode
 * is MASTER, its VIPs sit in the sets of vrrpd's own table and traffic to and
 * from them is dropped. Tables are created on first use; old ones of the same
 * name are deleted first ("Deleting old ip vrrpd table"); `close()` deletes them.
 *
 * Elements are reference-counted per owner (an instance), so two instances with
 * one VIP do not take it out of the set from under each other. All changes run
 * one after the other; a failure is logged and never thrown (the VIPs are still
 * added: a missing filter is better than a missing address).
 */
import { execFile } from 'node:child_process'
import type { VipEntry } from '../config/model.js'
import type { ProcLog } from './proc-log.js'
import {
  deleteTableScript,
  elementsScript,
  linkLocalScript,
  setElementFor,
  tablesNamed,
  tableScript,
  type FilterSettings,
  type NftFamily,
  type SetElement,
} from './nftables-script.js'

export interface VipFilter {
  /** Puts `vips` in the drop sets for `owner` (before the addresses are added). */
  add(owner: string, vips: VipEntry[], opts: { dontTrackPrimary: boolean }): Promise<void>
  /** Takes `owner`'s claim on `vips` out (after the addresses are removed). */
  remove(owner: string, vips: VipEntry[]): Promise<void>
  /** Deletes the tables this filter created (at stop). */
  close(): Promise<void>
}

/** Runs `nft -f -` with this script; resolves with the outcome, never rejects. */
export type NftRunner = (args: string[], stdin?: string) => Promise<{ ok: boolean; stdout: string; error: string }>

export interface NftablesOptions extends FilterSettings {
  /** nftables_ifindex: link-local VIPs always keyed by index. */
  ifindex: boolean
  log: ProcLog
  run?: NftRunner
}

export const runNft: NftRunner = (args, stdin) =>
  new Promise((resolve) => {
    const child = execFile('nft', args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, stdout: String(stdout), error: '' })
      const code = (err as NodeJS.ErrnoException).code
      const error = code === 'ENOENT' ? 'nft: command not found (install the nftables package)' : String(stderr).trim() || err.message
      resolve({ ok: false, stdout: String(stdout), error })
    })
    child.stdin?.on('error', () => {})
    child.stdin?.end(stdin ?? '')
  })

export function createNftablesFilter(opts: NftablesOptions): VipFilter {
  const run = opts.run ?? runNft
  const { log, table } = opts
  const tables = new Set<NftFamily>()
  const linkLocalSets = new Set<string>()
  /** element key -> the owners that want it in its set. */
  const claims = new Map<string, { element: SetElement; owners: Set<string> }>()
  let checkedOld = false
  let chain: Promise<void> = Promise.resolve()
  let closed = false
  let lastError = ''

  const serial = (work: () => Promise<void>): Promise<void> => {
    const next = chain.then(work, work)
    chain = next.catch(() => {})
    return next
  }

  async function apply(lines: string[], what: string): Promise<boolean> {
    if (lines.length === 0) return true
    const r = await run(['-f', '-'], `${lines.join('\n')}\n`)
    if (r.ok) {
      lastError = ''
      return true
    }
    // A missing nft would repeat this at every transition: once is enough.
    if (r.error !== lastError) log('error', `nftables: cannot ${what}: ${r.error}`)
    lastError = r.error
    return false
  }

  /** keepalived's check_and_delete_tables: a table of our name left by an earlier run goes first. */
  async function deleteOld(): Promise<string[]> {
    const r = await run(['list', 'tables'])
    if (!r.ok) return []
    return tablesNamed(r.stdout, table).map((f) => {
      log('info', `Deleting old ${f} ${table} table`)
      return deleteTableScript(table, [f])[0]!
    })
  }

  /** The setup lines `elements` need; `commit` records them as done once the script went through. */
  async function setUp(elements: SetElement[]): Promise<{ lines: string[]; commit: () => void }> {
    const lines: string[] = checkedOld ? [] : await deleteOld()
    const newTables = new Set<NftFamily>()
    const newSets = new Set<'vips_link_local' | 'vips_link_local_name'>()
    for (const e of elements) {
      if (!tables.has(e.family) && !newTables.has(e.family)) {
        newTables.add(e.family)
        lines.push(...tableScript(opts, e.family))
      }
      if (e.set !== 'vips' && !linkLocalSets.has(e.set) && !newSets.has(e.set)) {
        newSets.add(e.set)
        lines.push(...linkLocalScript(opts, e.set))
      }
    }
    return {
      lines,
      commit: () => {
        checkedOld = true
        for (const f of newTables) tables.add(f)
        for (const set of newSets) linkLocalSets.add(set)
      },
    }
  }

  return {
    add(owner, vips, o) {
      return serial(async () => {
        if (closed) return
        const fresh: SetElement[] = []
        for (const vip of vips) {
          const element = setElementFor(vip, { dontTrackPrimary: o.dontTrackPrimary, ifindex: opts.ifindex })
          const key = `${element.family} ${element.set} ${element.element}`
          const claim = claims.get(key)
          if (claim) claim.owners.add(owner)
          else {
            claims.set(key, { element, owners: new Set([owner]) })
            fresh.push(element)
          }
        }
        if (fresh.length === 0) return
        const setup = await setUp(fresh)
        if (await apply([...setup.lines, ...elementsScript(table, 'add', fresh)], `add ${owner}'s VIPs to the drop sets`)) setup.commit()
        // Not in the set after all: a later add tries again.
        else for (const e of fresh) claims.delete(`${e.family} ${e.set} ${e.element}`)
      })
    },
    remove(owner, vips) {
      return serial(async () => {
        if (closed) return
        const gone: SetElement[] = []
        for (const [key, claim] of claims) {
          if (!claim.owners.has(owner)) continue
          if (!vips.some((v) => claimedBy(claim.element, v))) continue
          claim.owners.delete(owner)
          if (claim.owners.size > 0) continue
          claims.delete(key)
          gone.push(claim.element)
        }
        await apply(elementsScript(table, 'delete', gone), `remove ${owner}'s VIPs from the drop sets`)
      })
    },
    close() {
      return serial(async () => {
        if (closed) return
        closed = true
        claims.clear()
        if (tables.size === 0) return
        await apply(deleteTableScript(table, [...tables]), `delete table ${table}`)
        tables.clear()
      })
    },
  }
}

/** Whether `element` is the one `vip` put in (either link-local keying). */
function claimedBy(element: SetElement, vip: VipEntry): boolean {
  if (vip.family === 4) return element.family === 'ip' && element.element === vip.address
  return element.family === 'ip6' && (element.element === vip.address || element.element === `${vip.address} . "${vip.dev}"`)
}
