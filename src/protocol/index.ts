/**
 * src/protocol: pure bytes. VRRPv2/v3 adverts, the IPv4 header, checksums,
 * addresses, gratuitous ARP and unsolicited NA frames. No I/O.
 */
export * from './types.js'
export * from './constants.js'
export * from './address.js'
export * from './mac.js'
export * from './checksum.js'
export * from './advert-encode.js'
export * from './advert-decode.js'
export * from './ipv4-header.js'
export * from './garp.js'
export * from './ndisc.js'
