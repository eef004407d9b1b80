/**
 * AF_UNIX datagram sockets through libc (Node's dgram has only UDP): the
 * transport of systemd's notify protocol. A name starting with `@` is in the
 * abstract namespace, as in $NOTIFY_SOCKET.
 */
import { loadLibc, SOCK_CLOEXEC, type Libc } from './libc.js'

const AF_UNIX = 1
const SOCK_DGRAM = 2
const SOCK_NONBLOCK = 0o4000
const MSG_DONTWAIT = 0x40
const MSG_NOSIGNAL = 0x4000
const EAGAIN = 11
/** sizeof(sun_path) in struct sockaddr_un */
const SUN_PATH_MAX = 108

/**
 * struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; } for `name`;
 * the length to pass is exact, so an abstract name carries no trailing NUL.
 */
export function sockaddrUn(name: string): { addr: Buffer; len: number } {
  const abstract = name.startsWith('@')
  const path = Buffer.from(abstract ? name.slice(1) : name)
  // One byte more either way: the leading NUL of an abstract name, or a path's terminating NUL.
  const pathLen = path.length + 1
  if (pathLen > SUN_PATH_MAX) throw new Error(`socket name too long (${pathLen} bytes, at most ${SUN_PATH_MAX}): ${name}`)
  const addr = Buffer.alloc(2 + SUN_PATH_MAX)
  addr.writeUInt16LE(AF_UNIX, 0) // sa_family_t is host order; every Linux target Node runs on here is little-endian
  path.copy(addr, abstract ? 3 : 2)
  return { addr, len: 2 + pathLen }
}

export interface UnixDatagramSocket {
  /** Sends one datagram to `name`; false with the reason when the kernel refused it. */
  send(name: string, data: Buffer): { ok: true } | { ok: false; error: string }
  /** Reads one waiting datagram without blocking; undefined when none is waiting. */
  tryReceive(max?: number): Buffer | undefined
  close(): void
}

function libcOrThrow(): Libc {
  const libc = loadLibc()
  if (libc instanceof Error) throw libc
  return libc
}

function errorText(libc: Libc): string {
  return libc.strerror(libc.errno())
}

/** Opens an unbound AF_UNIX datagram socket, or a bound one when `bindTo` is given (tests listen so). */
export function openUnixDatagram(bindTo?: string): UnixDatagramSocket {
  const libc = libcOrThrow()
  const fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)
  if (fd < 0) throw new Error(`socket(AF_UNIX, SOCK_DGRAM): ${errorText(libc)}`)
  if (bindTo !== undefined) {
    const { addr, len } = sockaddrUn(bindTo)
    if (libc.bind(fd, addr, len) < 0) {
      const error = errorText(libc)
      libc.close(fd)
      throw new Error(`bind ${bindTo}: ${error}`)
    }
  }
  let open = true
  return {
    send(name, data) {
      if (!open) return { ok: false, error: 'socket closed' }
      let target: { addr: Buffer; len: number }
      try {
        target = sockaddrUn(name)
      } catch (e) {
        return { ok: false, error: (e as Error).message }
      }
      const sent = Number(libc.sendto(fd, data, data.length, MSG_NOSIGNAL | MSG_DONTWAIT, target.addr, target.len))
      return sent < 0 ? { ok: false, error: errorText(libc) } : { ok: true }
    },
    tryReceive(max = 4096) {
      if (!open) return undefined
      const buf = Buffer.alloc(max)
      const n = Number(libc.recv(fd, buf, max, MSG_DONTWAIT))
      if (n < 0) {
        if (libc.errno() === EAGAIN) return undefined
        throw new Error(`recv: ${errorText(libc)}`)
      }
      return buf.subarray(0, n)
    },
    close() {
      if (open) libc.close(fd)
      open = false
    },
  }
}
