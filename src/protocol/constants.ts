/** IP protocol number assigned to VRRP (RFC 9568 5.1.1.3). */
export const VRRP_IP_PROTOCOL = 112
