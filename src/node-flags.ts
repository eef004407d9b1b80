/**
 * The V8 flags vrrpd runs with: on bin/vrrpd's shebang (`env -S`, so the
 * installed command and the systemd unit get them) and on the lab's daemon
 * command (src/lab/daemon.ts), which starts dist/main.js directly. V8 reads
 * them only at start (v8.setFlagsFromString afterwards does not resize the heap).
 *
 * --max-semi-space-size=1: V8 sizes its young generation (2 semi-spaces, up to
 * 16 MB each by default) for the allocation rate it sees, and a flood of hostile
 * packets grew it by 30-35 MB of RSS that stayed after the flood (issue 12,
 * bench/results/flood-2026-11-30-libc.md). Capped at 1 MB, the same 1M-packet
 * flood leaves RSS flat, at no measured CPU cost: the receive path's garbage
 * dies young, and a scavenge costs what survives, not the space's size.
 */
export const VRRPD_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1']
