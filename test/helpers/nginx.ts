/**
 * Real nginx in a lab host for tests, serving "served by NAME" on port 80 of the
 * host's namespace (the same site the demo lab runs).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NginxSite } from '../../src/lab/nginx.js'
import type { Lab } from './netns.js'
import { processHost } from './keepalived.js'

/** A started nginx; `remove()` stops it and deletes its directory. */
export interface TestNginx extends NginxSite {
  remove(): Promise<void>
}

/** Start nginx in `host`; the page says "served by <name>" (default: the host name). */
export async function startNginx(lab: Pick<Lab, 'spawn'>, host: string, opts: { name?: string } = {}): Promise<TestNginx> {
  const dir = mkdtempSync(join(tmpdir(), `vrt-nginx-${host}-`))
  const site = new NginxSite(processHost(lab), host, dir, opts.name ?? host)
  const remove = async (): Promise<void> => {
    await site.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await site.start()
  } catch (err) {
    await remove()
    throw err
  }
  return Object.assign(site, { remove })
}
