//go:build !unix

package mllp

import "net"

// peerGone cannot look at the socket on this platform: a closed connection
// is found when the next message is sent.
func peerGone(net.Conn) bool { return false }
