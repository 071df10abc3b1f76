package simulator_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
)

// A declared Content-Length past the limit is answered 413 before any of
// the body is read: the simulator never asks for it (no 100 Continue), so a
// client that announces a huge body is not held until a read timeout.
func TestDeclaredOversizeBodyIsRefusedAtOnce(t *testing.T) {
	srv := start(t, &artNet{}) // MaxBodyBytes 4096
	for _, path := range []string{"/art/api/v1/art", "/_admin/faults"} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-Test-Key: k\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n", path)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		conn.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
			t.Errorf("%s: first answer %d (close %v), want 413 and the connection closed", path, resp.StatusCode, resp.Close)
		}
	}
}
