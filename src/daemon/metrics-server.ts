/**
 * The opt-in metrics endpoint (`--metrics-listen [ADDR:]PORT`): GET /metrics
 * answers Prometheus' text format with vrrpd's own metrics, keepalived-exporter's
 * names beside them (so dashboards built on that exporter keep working), and the
 * event-loop delay. A command-line flag, not a keepalived.conf keyword, so the
 * same config file still works under keepalived.
 */
import { createServer, type Server } from 'node:http'
import type { StatusView } from './status-files.js'
import { renderKeepalivedExporter, renderPrometheus, type ExporterConfig } from './metrics.js'
import type { ListenAddress } from '../cli.js'

export interface MetricsServer {
  readonly address: ListenAddress
  close(): Promise<void>
}

/**
 * Listens on `at`; rejects when the address cannot be bound (the daemon reports it and runs on).
 * `config` answers what keepalived-exporter takes from keepalived's config dump (the GARP delay).
 */
export async function startMetricsServer(at: ListenAddress, status: () => StatusView, config?: ExporterConfig): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (path !== '/metrics') {
      res.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8' }).end(path === '/' ? 'vrrpd: metrics at /metrics\n' : 'not found\n')
      return
    }
    let body: string
    try {
      const view = status()
      body = renderPrometheus(view) + renderKeepalivedExporter(view, config)
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics unavailable: ${(err as Error).message}\n`)
      return
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : body)
  })
  // A scraper that hangs up early is not our error.
  server.on('clientError', (_err, socket) => socket.destroy())
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(at.port, at.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = server.address()
  const address = bound && typeof bound === 'object' ? { host: bound.address, port: bound.port } : at
  return {
    address,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}
