//go:build unix

package mllp

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// peerGone reports, without blocking, whether the peer has closed the
// connection or sent bytes nobody asked for, either of which makes the
// connection unfit for the next message. It looks at the socket itself
// (under TLS too, where a close_notify alert counts as unasked bytes).
func peerGone(nc net.Conn) bool {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	gone := false
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// EAGAIN: nothing to read, the connection is fit. Otherwise the
		// stream ended (0 bytes), bytes came unasked, or the socket failed.
		gone = !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR)
		return true
	})
	return gone || err != nil
}
