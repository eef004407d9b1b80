/**
 * Real nginx inside a lab host: its own minimal nginx.conf in a private directory
 * (pid, logs and temp paths there too, nothing under /var or /etc), listening on
 * port 80 of the host's namespace and serving a page that names the host.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LoggedProcess } from './proc.js'
import type { ProcessHost } from './daemon.js'

/** Render the nginx.conf for a site rooted at `dir`. */
export function renderNginxConfig(dir: string): string {
  const p = (name: string): string => join(dir, name)
  return `# vrrpd demo lab
worker_processes 1;
# The lab's files live in a root-only temp dir; workers must read them.
user root;
pid ${p('nginx.pid')};
error_log stderr notice;
events { worker_connections 64; }
http {
  access_log off;
  default_type text/plain;
  client_body_temp_path ${p('tmp/body')};
  proxy_temp_path ${p('tmp/proxy')};
  fastcgi_temp_path ${p('tmp/fastcgi')};
  uwsgi_temp_path ${p('tmp/uwsgi')};
  scgi_temp_path ${p('tmp/scgi')};
  server {
    listen 80;
    root ${p('www')};
    location / { try_files /index.txt =404; }
  }
}
`
}

/** nginx serving "served by NAME" in one lab host. */
export class NginxSite {
  readonly confPath: string
  readonly pidPath: string
  /** A shell script whose exit status says whether this nginx is running. */
  readonly checkScript: string
  private proc: LoggedProcess | undefined

  /** Lay out `dir` (created if needed) for a site that names itself `name`. */
  constructor(
    private readonly lab: ProcessHost,
    readonly host: string,
    readonly dir: string,
    readonly name: string,
  ) {
    mkdirSync(join(dir, 'www'), { recursive: true })
    mkdirSync(join(dir, 'tmp'), { recursive: true })
    writeFileSync(join(dir, 'www', 'index.txt'), `served by ${name}\n`, { mode: 0o644 })
    this.confPath = join(dir, 'nginx.conf')
    this.pidPath = join(dir, 'nginx.pid')
    writeFileSync(this.confPath, renderNginxConfig(dir))
    this.checkScript = join(dir, 'check-nginx.sh')
    // The pid file disappears when nginx stops; kill -0 also catches a crash.
    writeFileSync(this.checkScript, `#!/bin/sh\nkill -0 "$(cat '${this.pidPath}' 2>/dev/null)" 2>/dev/null\n`, { mode: 0o755 })
  }

  /** True while the nginx master we started is alive. */
  get running(): boolean {
    return this.proc?.running ?? false
  }

  /** Start nginx and wait until it has written its pid file (sockets are bound by then). */
  async start(timeoutMs = 5000): Promise<void> {
    if (this.running) return
    // -e: without it nginx opens /var/log/nginx/error.log before reading the config.
    const p = this.lab.spawn(this.host, `nginx@${this.host}`, '/usr/sbin/nginx', [
      '-e', 'stderr', '-p', this.dir, '-c', this.confPath, '-g', 'daemon off;',
    ])
    this.proc = p
    const deadline = Date.now() + timeoutMs
    while (!existsSync(this.pidPath)) {
      if (!p.running) throw new Error(`nginx in ${this.host} exited at start:\n${p.tail()}`)
      if (Date.now() > deadline) throw new Error(`nginx in ${this.host} did not start in ${timeoutMs} ms:\n${p.tail()}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  /** Stop nginx (fast shutdown) and wait for it to exit. */
  async stop(): Promise<void> {
    await this.proc?.stop('SIGTERM', 3000)
  }
}
