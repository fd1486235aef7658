package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/connkit/connkit/sdk/store/memory"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"strings"
	"time"

	urfave "github.com/urfave/cli/v2"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk"
	"github.com/connkit/connkit/sdk/oauth"
	"github.com/connkit/connkit/sdk/tokens"
)

// defaultCallbackPath is the redirect path when neither the manifest nor
// --listen gives one.
const defaultCallbackPath = "/callback"

// authorizeCommand runs the authorization-code grant from the terminal.
func (a *App) authorizeCommand() *urfave.Command {
	flags := append(connectFlags(),
		&urfave.StringFlag{Name: "listen", Usage: "receive the redirect on the loopback `ADDR` (127.0.0.1:PORT, port 0 picks one) instead of the manifest's redirect_url"},
		&urfave.BoolFlag{Name: "no-browser", Usage: "print the authorize URL without opening a browser"},
		&urfave.DurationFlag{Name: "timeout", Value: 5 * time.Minute, Usage: "how long to wait for the user to authorize"},
	)
	return &urfave.Command{
		Name:  "authorize",
		Usage: "authorize an account in the browser (OAuth 2.0 authorization code with PKCE)",
		UsageText: "connkit authorize --manifest FILE --values FILE [--listen 127.0.0.1:PORT] [--no-browser]\n" +
			"   [--timeout 5m] [--format json] [--allow-private-networks]",
		Description: "Listens on the loopback redirect URL, prints the authorize URL (and opens it in a\n" +
			"browser unless --no-browser), waits for the provider's redirect, exchanges the code,\n" +
			"runs the test call and prints the connection's label and identity.\n\n" +
			"The redirect URL is the manifest's auth.authorize.redirect_url, which must then be\n" +
			"http://127.0.0.1:PORT/PATH (or localhost, [::1]); --listen replaces its host and port.\n" +
			"Exit 0 on success, 1 on failure.",
		Flags:  flags,
		Action: a.authorize,
	}
}

func (a *App) authorize(c *urfave.Context) error {
	s, err := a.openSession(c)
	if err != nil {
		return err
	}
	defer s.close()
	if c.Duration("timeout") <= 0 {
		return usageErrorf(c, "--timeout must be positive, got %s", c.Duration("timeout"))
	}
	plan, err := planRedirect(manifestRedirect(s.conn.Manifest(), s.method), c.String("listen"))
	var f *failure
	if errors.As(err, &f) {
		return a.writeFailure(s.jsonOut, f)
	} else if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", plan.addr)
	if err != nil {
		return a.writeFailure(s.jsonOut, &failure{kind: sdk.KindNetwork, err: fmt.Errorf("listen on %s for the redirect: %w", plan.addr, err),
			hint: "another program uses the port: stop it, or pass --listen 127.0.0.1:0 if the provider accepts any loopback port"})
	}
	defer func() { _ = ln.Close() }()
	redirect := plan.redirectURL(ln.Addr())
	ar, err := s.conn.Authorize(c.Context, s.values, sdk.AuthorizeOptions{Method: s.method, RedirectURL: redirect})
	if err != nil {
		return a.writeFailure(s.jsonOut, err)
	}

	// Instructions go to stdout, or to stderr when stdout carries JSON.
	info := a.stdout()
	if s.jsonOut {
		info = a.stderr()
	}
	if plan.manifest != "" && redirect != plan.manifest {
		fmt.Fprintf(a.stderr(), "note: the redirect URL sent is %s, not the manifest's %s: the provider must accept it (most accept any port on a loopback redirect URL, RFC 8252 section 7.3) or have it registered\n", redirect, plan.manifest)
	}
	timeout := c.Duration("timeout")
	if _, err := fmt.Fprintf(info, "Open this URL in a browser to authorize %s:\n\n    %s\n\nWaiting up to %s for the redirect to %s ...\n",
		s.conn.Manifest().Name, ar.URL, timeout, redirect); err != nil {
		return ioErrorf(err, "write the output")
	}
	if !c.Bool("no-browser") {
		openBrowser(ar.URL)
	}

	callbacks := make(chan callback)
	srv := &http.Server{Handler: callbackHandler(plan.path, callbacks), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	tok, err := a.awaitCallback(c.Context, s, callbacks, timeout, redirect)
	if err != nil {
		return a.writeFailure(s.jsonOut, err)
	}
	conn, err := s.conn.Connect(c.Context, s.values, sdk.ConnectOptions{Method: s.method, Token: tok})
	if err != nil {
		return a.writeFailure(s.jsonOut, err)
	}
	if _, inMemory := s.store.(*memory.Store); s.store == nil || inMemory {
		fmt.Fprintln(a.stderr(), "note: no lasting store (--store or CONNKIT_STORE, or a config directory): the tokens were not kept, so connkit call and connkit revoke cannot use this authorization")
	} else {
		fmt.Fprintf(a.stderr(), "stored as connection %s: connkit call and connkit revoke with the same values use it\n", conn.ID())
	}
	return a.writeConnected(s.jsonOut, conn)
}

// callback is one request to the redirect URL, waiting for the verdict to
// show in the browser.
type callback struct {
	query url.Values
	reply chan<- error
}

// awaitCallback waits for the provider's redirect and exchanges its code.
// A request that does not carry the pending state (a stale tab, a probe) is
// refused in the browser and the wait goes on.
func (a *App) awaitCallback(ctx context.Context, s *session, callbacks <-chan callback, timeout time.Duration, redirect string) (*tokens.Token, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case cb := <-callbacks:
			tok, err := s.conn.Exchange(ctx, cb.query)
			cb.reply <- err
			var se *oauth.StateError
			if errors.As(err, &se) && (se.Problem == oauth.StateMissing || se.Problem == oauth.StateUnknown) {
				fmt.Fprintf(a.stderr(), "ignored a request to the redirect URL: %v\n", err)
				continue
			}
			return tok, err
		case <-timer.C:
			return nil, &failure{kind: sdk.KindTimeout, err: fmt.Errorf("no authorization arrived within %s", timeout),
				hint: fmt.Sprintf("run connkit authorize again and approve in the browser; if the provider showed an error about the redirect URL, register exactly %s for the app", redirect)}
		case <-ctx.Done():
			return nil, &failure{kind: sdk.KindCanceled, err: fmt.Errorf("waiting for the authorization: %w", ctx.Err())}
		}
	}
}

// callbackHandler passes the requests to path to the waiting command and
// shows its verdict; other paths are not found.
func callbackHandler(path string, callbacks chan<- callback) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path || (r.Method != http.MethodGet && r.Method != http.MethodPost) {
			http.NotFound(w, r)
			return
		}
		query := r.URL.Query()
		if r.Method == http.MethodPost { // response_mode=form_post
			if err := r.ParseForm(); err != nil {
				http.Error(w, "unreadable form", http.StatusBadRequest)
				return
			}
			query = r.PostForm
		}
		reply := make(chan error, 1)
		select {
		case callbacks <- callback{query: query, reply: reply}:
		case <-r.Context().Done():
			return
		}
		err := <-reply
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		msg := "Authorization complete: you can close this tab and return to the terminal."
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			msg = "Authorization failed: " + err.Error() + ". See the terminal."
		}
		_, _ = io.WriteString(w, "<!doctype html><title>connkit</title><p>connkit: "+html.EscapeString(msg)+"</p>\n")
	})
}

// redirectPlan is where the command listens and the redirect URL it sends.
type redirectPlan struct {
	// addr is the listen address, host:port (port 0 picks a free one).
	addr string
	// host and path build the redirect URL once the port is known.
	host, path string
	// manifest is the manifest's redirect URL, if it has one.
	manifest string
	// exact is the manifest's redirect URL when it is sent unchanged.
	exact string
}

// redirectURL returns the redirect URL for the address actually listened on.
func (p *redirectPlan) redirectURL(addr net.Addr) string {
	if p.exact != "" {
		return p.exact
	}
	port := "0"
	if ta, ok := addr.(*net.TCPAddr); ok {
		port = fmt.Sprint(ta.Port)
	}
	return "http://" + net.JoinHostPort(p.host, port) + p.path
}

// planRedirect chooses the listen address and redirect URL from the
// manifest's redirect_url and --listen, and explains what does not fit.
func planRedirect(fromManifest, listen string) (*redirectPlan, error) {
	p := &redirectPlan{manifest: fromManifest, path: defaultCallbackPath}
	var mu *url.URL
	if fromManifest != "" {
		var err error
		if mu, err = url.Parse(fromManifest); err != nil || mu.Host == "" {
			mu = nil
		} else if mu.Path != "" {
			p.path = mu.EscapedPath()
		}
	}
	if listen != "" {
		host, port, err := net.SplitHostPort(listen)
		if err != nil || !isLoopback(host) {
			return nil, &usageError{command: "authorize", msg: fmt.Sprintf("--listen %q must be a loopback address and port, such as 127.0.0.1:8976 (the redirect comes back to this machine)", listen)}
		}
		p.addr, p.host = net.JoinHostPort(host, port), host
		if mu != nil && mu.Scheme == "http" && mu.Host == p.addr && mu.RawQuery == "" {
			p.exact = fromManifest
		}
		return p, nil
	}
	switch {
	case fromManifest == "":
		return nil, &usageError{command: "authorize", msg: "the manifest has no auth.authorize.redirect_url: pass --listen 127.0.0.1:PORT, and register http://127.0.0.1:PORT" + defaultCallbackPath + " at the provider"}
	case strings.Contains(fromManifest, "{{"):
		return nil, &usageError{command: "authorize", msg: "the manifest's redirect_url is a template: pass --listen 127.0.0.1:PORT to say where to receive the redirect"}
	case mu == nil || mu.Scheme != "http" || !isLoopback(mu.Hostname()) || mu.Port() == "":
		return nil, &failure{kind: sdk.KindConfig,
			err:  fmt.Errorf("redirect_url %s is not a loopback http URL with a port, so connkit authorize cannot receive the redirect on this machine", fromManifest),
			hint: "register a development redirect URL such as http://127.0.0.1:8976/callback at the provider and pass --listen 127.0.0.1:8976, or set redirect_url to it"}
	}
	p.addr, p.host, p.exact = mu.Host, mu.Hostname(), fromManifest
	return p, nil
}

// isLoopback reports whether host is localhost or a loopback IP.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// manifestRedirect returns the redirect_url of the chosen auth method, or "".
func manifestRedirect(m *manifest.Manifest, method string) string {
	auth := methodAuth(m, method)
	if auth == nil || auth.Authorize == nil {
		return ""
	}
	return string(auth.Authorize.RedirectURL)
}

// methodAuth returns the auth section of the chosen method (the only one
// when method is empty), or nil when there is no such method.
func methodAuth(m *manifest.Manifest, method string) *manifest.Auth {
	if m.Auth != nil && (method == "" || method == sdk.DefaultMethod) {
		return m.Auth
	}
	for i := range m.AuthMethods {
		if m.AuthMethods[i].Key == method || (method == "" && len(m.AuthMethods) == 1) {
			return &m.AuthMethods[i].Auth
		}
	}
	return nil
}

// openBrowser opens url in the user's browser; failures are ignored (the
// URL is printed anyway). Tests replace it.
var openBrowser = func(url string) {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if cmd.Start() == nil {
		go func() { _ = cmd.Wait() }()
	}
}
