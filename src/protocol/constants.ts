/** IP protocol number assigned to VRRP (RFC 9568 5.1.1.3). */
export const VRRP_IP_PROTOCOL = 112

/** RFC 9568 5.1.1.2: the IPv4 multicast group adverts are sent to. */
export const VRRP_MULTICAST_IPV4 = '224.0.0.18'
/** RFC 9568 5.1.2.2: the IPv6 multicast group adverts are sent to. */
export const VRRP_MULTICAST_IPV6 = 'ff02::12'

/** RFC 3768 5.2.3 / RFC 9568 5.1.1.3: TTL (IPv6 hop limit) of every advert. */
export const VRRP_TTL = 255
/** IPv4 TOS keepalived sends with: IPTOS_PREC_INTERNETCONTROL. */
export const VRRP_IPV4_TOS = 0xc0

/** RFC 3768 5.3.2 / RFC 9568 5.2.2: the only VRRP packet type, ADVERTISEMENT. */
export const VRRP_TYPE_ADVERTISEMENT = 1

/** Fixed part of a VRRP message, both versions (RFC 3768 5.1, RFC 9568 5.1). */
export const VRRP_HEADER_LENGTH = 8
/** RFC 3768 5.3.10: VRRPv2 carries 8 bytes of authentication data. */
export const VRRP_V2_AUTH_DATA_LENGTH = 8
/** RFC 9568 5.2.7: Max Adver Int is a 12-bit count of centiseconds. */
export const VRRP_V3_MAX_ADVER_INT_CS = 0x0fff
/** RFC 3768 5.3.7: Adver Int is one byte of seconds. */
export const VRRP_V2_MAX_ADVER_INT_S = 0xff
/** The Count IPvX Addr field is one byte. */
export const VRRP_MAX_ADDRESSES = 0xff

/** Length of an IPv4 header without options. */
export const IPV4_HEADER_LENGTH = 20
/** Length of the fixed IPv6 header (RFC 8200 3). */
export const IPV6_HEADER_LENGTH = 40
/** Length of an Ethernet II header. */
export const ETHERNET_HEADER_LENGTH = 14

export const ETHERTYPE_IPV4 = 0x0800
export const ETHERTYPE_ARP = 0x0806
export const ETHERTYPE_IPV6 = 0x86dd

/** RFC 9568 7.3: virtual MAC prefixes; the last byte is the VRID. */
export const VMAC_PREFIX_IPV4 = '00:00:5e:00:01'
export const VMAC_PREFIX_IPV6 = '00:00:5e:00:02'

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff'
/** RFC 4291 2.7.1: all-nodes link-local multicast, where unsolicited NAs go. */
export const IPV6_ALL_NODES = 'ff02::1'
/** IPv6 next header value of ICMPv6. */
export const ICMPV6_NEXT_HEADER = 58
/** RFC 4861 4.4: ICMPv6 Neighbor Advertisement. */
export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136
/** RFC 4861 4.6.1: Target Link-Layer Address option. */
export const ND_OPT_TARGET_LINK_LAYER_ADDRESS = 2
