/**
 * libc through koffi, for the system calls Node does not offer: an AF_PACKET
 * socket for gratuitous ARP (garp-sender.ts), an AF_NETLINK socket for VIPs
 * (netlink-addresses.ts), an AF_UNIX datagram socket for systemd's notify
 * protocol (unix-datagram.ts) and the IPv6 VRRP socket with recvmsg/sendmsg
 * (ipv6-transport.ts). Loaded once per process; when it cannot be loaded (no
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
  /** fcntl(2) with an int argument (F_GETFD / F_SETFD). */
  fcntl(fd: number, cmd: number, arg: number): number
  if_nametoindex(name: string): number
  strerror(errnum: number): string
  errno(): number
  /** recvmsg(2); `msg` is a {@link MsgHdr} whose pointer fields are Buffers the kernel fills. */
  recvmsg(fd: number, msg: MsgHdr, flags: number): number | bigint
  sendmsg(fd: number, msg: MsgHdr, flags: number): number | bigint
  /** poll(2) over `nfds` struct pollfd in `fds` (8 bytes each); use `.async` off the event loop. */
  poll: PollFn
  eventfd(initval: number, flags: number): number
  read(fd: number, buf: Buffer, len: number): number | bigint
  write(fd: number, buf: Buffer, len: number): number | bigint
  /** The address of a Buffer's memory, for struct iovec (stable: Buffer memory never moves). */
  address(buf: Buffer): bigint
}

/** struct msghdr with Buffers for its pointers; recvmsg writes back the lengths and flags. */
export interface MsgHdr {
  msg_name: Buffer | null
  msg_namelen: number
  msg_iov: Buffer
  msg_iovlen: number
  msg_control: Buffer | null
  msg_controllen: number
  msg_flags: number
}

export interface PollFn {
  (fds: Buffer, nfds: number, timeoutMs: number): number
  async(fds: Buffer, nfds: number, timeoutMs: number, done: (error: unknown, ready: number) => void): void
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
    const msghdr = koffi.struct('vrrpd_msghdr', {
      msg_name: 'void *',
      msg_namelen: 'uint32_t',
      msg_iov: 'void *',
      msg_iovlen: 'size_t',
      msg_control: 'void *',
      msg_controllen: 'size_t',
      msg_flags: 'int',
    })
    return {
      socket: lib.func('int socket(int domain, int type, int protocol)'),
      // Addresses go as bytes (struct sockaddr_ll / sockaddr_nl built in JS) to keep the bindings trivial.
      sendto: lib.func('intptr_t sendto(int fd, const uint8_t *buf, size_t len, int flags, const uint8_t *addr, uint32_t addrlen)'),
      // koffi passes a Buffer's own memory for a pointer argument, so the kernel's answer lands in it.
      recv: lib.func('intptr_t recv(int fd, _Out_ uint8_t *buf, size_t len, int flags)'),
      setsockopt: lib.func('int setsockopt(int fd, int level, int optname, const uint8_t *optval, uint32_t optlen)'),
      bind: lib.func('int bind(int fd, const uint8_t *addr, uint32_t addrlen)'),
      close: lib.func('int close(int fd)'),
      fcntl: (() => {
        const fcntl = lib.func('int fcntl(int fd, int cmd, ...)')
        return (fd: number, cmd: number, arg: number): number => fcntl(fd, cmd, 'int', arg) as number
      })(),
      if_nametoindex: lib.func('unsigned int if_nametoindex(const char *ifname)'),
      strerror: lib.func('const char *strerror(int errnum)'),
      errno: () => koffi.errno(),
      // _Inout_: recvmsg shortens msg_namelen/msg_controllen and sets msg_flags.
      recvmsg: lib.func('intptr_t recvmsg(int fd, _Inout_ vrrpd_msghdr *msg, int flags)'),
      sendmsg: lib.func('intptr_t sendmsg(int fd, const vrrpd_msghdr *msg, int flags)'),
      poll: lib.func('int poll(_Inout_ uint8_t *fds, unsigned long nfds, int timeout)') as unknown as PollFn,
      eventfd: lib.func('int eventfd(unsigned int initval, int flags)'),
      read: lib.func('intptr_t read(int fd, _Out_ uint8_t *buf, size_t len)'),
      write: lib.func('intptr_t write(int fd, const uint8_t *buf, size_t len)'),
      address: (buf) => koffi.address(buf),
    }
  } catch (error) {
    return new Error(`koffi/libc could not be loaded: ${(error as Error).message}`)
  }
}
