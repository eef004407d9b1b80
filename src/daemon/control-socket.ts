/**
 * A Unix socket that answers `vrrpd status`: connect, read one JSON document, done.
 * keepalived only dumps state to /tmp on a signal; operators asked for a live
 * view (state, priority, master, counters) without signals or file races.
 */
import { createServer, createConnection, type Server } from 'node:net'
import { unlinkSync, chmodSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Logger } from '../log.js'
import { checkEntry, ensureDirectory } from '../io/safe-file.js'

/** Only root (and vrrpd's own user) may ask: rw------- */
export const CONTROL_SOCKET_MODE = 0o600

/** The status socket lives beside the pid file: /run/vrrpd/vrrpd.pid -> /run/vrrpd/vrrpd.sock. */
export function controlSocketPath(pidFile: string | undefined): string {
  return (pidFile ?? DEFAULT_PID_FILE).replace(/\.pid$/, '') + '.sock'
}

/** Beside the systemd unit's RuntimeDirectory, so `vrrpd status` finds the service without flags. */
export const DEFAULT_PID_FILE = '/run/vrrpd/vrrpd.pid'

export interface ControlServer {
  path: string
  close(): Promise<void>
}

export async function startControlSocket(path: string, status: () => unknown, log: Logger): Promise<ControlServer> {
  // Throws UnsafePathError (the caller logs it) for a planted link, a foreign file or an unsafe directory.
  ensureDirectory(dirname(path), 'the control socket')
  if (checkEntry(path, 'socket', 'control socket')) {
    unlinkSync(path) // our socket left by a crash; the pid file already proved nobody else runs
  }
  const server: Server = createServer((conn) => {
    // A client that goes away before reading it all (EPIPE, ECONNRESET) is its business, not an error of ours.
    conn.on('error', (err: NodeJS.ErrnoException) => log.debug(`status client went away: ${err.code ?? err.message}`))
    try {
      conn.end(`${JSON.stringify(status(), null, 2)}\n`)
    } catch (err) {
      log.error({ err }, 'status request failed')
      conn.destroy()
    }
  })
  // bind(2) creates the socket file with the daemon's umask (022 unless -u says
  // otherwise): no write bit for group and others, and connect(2) needs write
  // permission, so nobody else can connect before the chmod to 0600 below. (The
  // umask is not narrowed around the bind: it is the process's, so a script started
  // meanwhile inherited 0177, and a lab test saw it from outside.)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => {
      server.off('error', reject)
      resolve()
    })
  })
  chmodSync(path, CONTROL_SOCKET_MODE)
  server.unref()
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        try {
          unlinkSync(path)
        } catch {
          // gone
        }
      }),
  }
}

/** Client side of `vrrpd status`: the daemon's JSON status, or an error for people. */
export function queryControlSocket(path: string, timeoutMs = 3000): Promise<{ ok: true; status: unknown } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const conn = createConnection(path)
    let data = ''
    const timer = setTimeout(() => {
      conn.destroy()
      resolve({ ok: false, error: `no answer from ${path} within ${timeoutMs} ms` })
    }, timeoutMs)
    conn.on('data', (chunk) => (data += chunk.toString()))
    conn.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      const why = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? 'is vrrpd running? (use --pid / --control-socket as the daemon does)' : err.message
      resolve({ ok: false, error: `cannot connect to ${path}: ${why}` })
    })
    conn.on('end', () => {
      clearTimeout(timer)
      try {
        resolve({ ok: true, status: JSON.parse(data) })
      } catch {
        resolve({ ok: false, error: `unreadable answer from ${path}` })
      }
    })
  })
}
