/**
 * libc through koffi, for the system calls Node does not offer: an AF_PACKET
 * socket for gratuitous ARP (garp-sender.ts) and an AF_NETLINK socket for VIPs
 * (netlink-addresses.ts), and an AF_UNIX datagram socket for systemd's
 * notify protocol (unix-datagram.ts). Loaded once per process; when it cannot be loaded (no
 * koffi build for this platform) the Error says why and callers fall back or
 * report it.
 */
import { createRequire } from 'node:module'

/** socket(2) type flags shared by the packet and netlink sockets. */
export const SOCK_RAW = 3
export const SOCK_CLOEXEC = 0o2000000

export interface Libc {
  socket(domain: number, type: number, protocol: number): number
  sendto(fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrlen: number): number | bigint
  recv(fd: number, buf: Buffer, len: number, flags: number): number | bigint
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number
  bind(fd: number, addr: Buffer, addrlen: number): number
  close(fd: number): number
  if_nametoindex(name: string): number
  strerror(errnum: number): string
  errno(): number
}

let loaded: Libc | Error | undefined

/** libc, or the reason it cannot be used. */
export function loadLibc(): Libc | Error {
  loaded ??= load()
  return loaded
}

function load(): Libc | Error {
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi')
    const lib = koffi.load('libc.so.6')
    return {
      socket: lib.func('int socket(int domain, int type, int protocol)'),
      // Addresses go as bytes (struct sockaddr_ll / sockaddr_nl built in JS) to keep the bindings trivial.
      sendto: lib.func('intptr_t sendto(int fd, const uint8_t *buf, size_t len, int flags, const uint8_t *addr, uint32_t addrlen)'),
      // koffi passes a Buffer's own memory for a pointer argument, so the kernel's answer lands in it.
      recv: lib.func('intptr_t recv(int fd, _Out_ uint8_t *buf, size_t len, int flags)'),
      setsockopt: lib.func('int setsockopt(int fd, int level, int optname, const uint8_t *optval, uint32_t optlen)'),
      bind: lib.func('int bind(int fd, const uint8_t *addr, uint32_t addrlen)'),
      close: lib.func('int close(int fd)'),
      if_nametoindex: lib.func('unsigned int if_nametoindex(const char *ifname)'),
      strerror: lib.func('const char *strerror(int errnum)'),
      errno: () => koffi.errno(),
    }
  } catch (error) {
    return new Error(`koffi/libc could not be loaded: ${(error as Error).message}`)
  }
}
