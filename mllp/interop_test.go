package mllp

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Interoperability with MLLP implementations we did not write (see
// ../shared/PEERS.md). Each test skips when its peer is not installed:
// npm simple-hl7@3.3.0 under $LIFEBOAT_NODE_MODULES, and Debian python3-hl7's
// mllp_send.

// hl7Ack acknowledges an HL7 message with AA, echoing MSH-10.
var hl7Ack = HandlerFunc(func(_ context.Context, _ *Conn, msg []byte) []byte {
	seg, _, _ := strings.Cut(string(msg), "\r")
	f := strings.Split(seg, "|")
	if len(f) < 10 || f[0] != "MSH" {
		return []byte("MSH|^~\\&|LIFEBOAT|TEST|||20240719||ACK|NAK|P|2.5.1\rMSA|AR|\r")
	}
	return fmt.Appendf(nil, "MSH|^~\\&|LIFEBOAT|TEST|%s|%s|20240719101500||ACK|A%s|P|2.5.1\rMSA|AA|%s\r", f[2], f[3], f[9], f[9])
})

// simpleHL7 returns the node_modules folder holding simple-hl7, or skips.
func simpleHL7(t *testing.T) string {
	dir := os.Getenv("LIFEBOAT_NODE_MODULES")
	if dir == "" {
		t.Skip("LIFEBOAT_NODE_MODULES is not set")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "simple-hl7", "package.json")); err != nil {
		t.Skipf("simple-hl7 is not installed in %s", dir)
	}
	return dir
}

// runNode runs a Node.js script with simple-hl7 on its module path.
func runNode(t *testing.T, ctx context.Context, modules, script string, args ...string) *exec.Cmd {
	path := filepath.Join(t.TempDir(), "peer.js")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "node", append([]string{path}, args...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	return cmd
}

const nodeSender = `
const hl7 = require('simple-hl7');
const [port, count] = process.argv.slice(2).map(Number);
const client = hl7.Server.createTcpClient({host: '127.0.0.1', port, keepalive: true});
let i = 0;
function next() {
  if (i === count) { client.close(); return; }
  const id = 'CTRL' + i;
  const msg = 'MSH|^~\\&|NODE|PEER|LIFEBOAT|TEST|20240719101500||ADT^A01|' + id + '|P|2.5.1\rPID|1||' + i + '^^^PEER^MR||DOE^JANE\r';
  i++;
  client.send(msg, (err, ack) => {
    if (err) { console.error(err.message); process.exit(1); }
    console.log(ack.toString().split('\r').find((s) => s.startsWith('MSA|')));
    setImmediate(next); // simple-hl7 clears its busy flag after the callback
  });
}
next();
`

// TestInteropSimpleHL7Sender: simple-hl7's client sends 20 messages on one
// connection to our Server and gets each acknowledgement.
func TestInteropSimpleHL7Sender(t *testing.T) {
	modules := simpleHL7(t)
	r := start(t, &Server{Handler: hl7Ack})
	_, port, _ := net.SplitHostPort(r.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := runNode(t, ctx, modules, nodeSender, port, "20").CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	lines := strings.Fields(string(out))
	if len(lines) != 20 {
		t.Fatalf("got %d acknowledgements:\n%s", len(lines), out)
	}
	for i, l := range lines {
		if want := fmt.Sprintf("MSA|AA|CTRL%d", i); l != want {
			t.Fatalf("acknowledgement %d: %q, want %q", i, l, want)
		}
	}
	if st := r.srv.Stats(); st.Frames != 20 || st.ConnsTotal != 1 {
		t.Fatalf("stats %+v", st)
	}
}

const nodeReceiver = `
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function(port) { return listen.call(this, port, '127.0.0.1'); };
const hl7 = require('simple-hl7');
const srv = hl7.Server.createTcpServer((err, req, res) => { if (!err) res.end(); });
srv.start(0);
srv.server.on('listening', () => console.log(srv.server.address().port));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`

// TestInteropSimpleHL7Receiver: our Client sends to simple-hl7's server
// and reads its acknowledgements.
func TestInteropSimpleHL7Receiver(t *testing.T) {
	modules := simpleHL7(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := runNode(t, ctx, modules, nodeReceiver)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	port, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		t.Fatalf("peer did not report its port: %q, %v", line, err)
	}
	c := &Client{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	c.Logger, _ = newLogger(t)
	defer c.Close()
	for i := range 10 {
		msg := fmt.Sprintf("MSH|^~\\&|LIFEBOAT|TEST|PEER|PEER|20240719101500||ADT^A01|GO%d|P|2.5.1\rPID|1||%d^^^T^MR||DOE^JANE\r", i, i)
		got, err := c.Send(ctx, []byte(msg))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if want := fmt.Sprintf("\rMSA|AA|GO%d", i); !strings.Contains(string(got), want) {
			t.Fatalf("message %d: acknowledgement %q lacks %q", i, got, want)
		}
	}
	if c.Stats().Dials != 1 {
		t.Fatalf("client stats %+v", c.Stats())
	}
}

// TestInteropMLLPSend: python3-hl7's mllp_send sends a file of messages on
// one connection and gets each acknowledgement.
func TestInteropMLLPSend(t *testing.T) {
	bin, err := exec.LookPath("mllp_send")
	if err != nil {
		t.Skip("mllp_send (Debian python3-hl7) is not installed")
	}
	r := start(t, &Server{Handler: hl7Ack})
	_, port, _ := net.SplitHostPort(r.addr)
	var file strings.Builder
	for i := range 5 {
		fmt.Fprintf(&file, "MSH|^~\\&|PY|PEER|LIFEBOAT|TEST|20240719101500||ADT^A01|PY%d|P|2.5.1\r\nPID|1||%d^^^PEER^MR||DOE^JANE\r\n", i, i)
	}
	path := filepath.Join(t.TempDir(), "msgs.hl7")
	if err := os.WriteFile(path, []byte(file.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--loose", "--port", port, "--file", path, "127.0.0.1").CombinedOutput()
	if err != nil {
		t.Fatalf("mllp_send: %v\n%s", err, out)
	}
	for i := range 5 {
		if want := fmt.Sprintf("MSA|AA|PY%d", i); !strings.Contains(string(out), want) {
			t.Fatalf("output lacks %q:\n%q", want, out)
		}
	}
	if st := r.srv.Stats(); st.Frames != 5 {
		t.Fatalf("stats %+v", st)
	}
}
