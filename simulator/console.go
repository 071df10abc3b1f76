package simulator

import (
	"context"
	_ "embed"
	"net/http"
)

//go:embed console.html
var consoleHTML []byte

// console serves the one-page console: mounted networks, recent exchanges
// and fault rules, read live from the admin API by the page itself.
func (a *admin) console(context.Context, *Request) (*Response, error) {
	return &Response{Status: http.StatusOK, Raw: consoleHTML, ContentType: "text/html; charset=utf-8"}, nil
}
