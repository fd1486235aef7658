package cli

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// codeProvider is an authorization server whose authorize endpoint approves
// at once (or refuses, with deny) and redirects to the redirect URL.
type codeProvider struct {
	*httptest.Server
	deny bool
	mu   sync.Mutex
	// challenges maps issued codes to their PKCE challenge and redirect URL.
	challenges map[string][2]string
}

func newCodeProvider(t *testing.T) *codeProvider {
	p := &codeProvider{challenges: map[string][2]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		cb := url.Values{"state": {q.Get("state")}}
		if p.deny {
			cb.Set("error", "access_denied")
		} else {
			p.mu.Lock()
			code := fmt.Sprintf("code-%d", len(p.challenges)+1)
			p.challenges[code] = [2]string{q.Get("code_challenge"), q.Get("redirect_uri")}
			p.mu.Unlock()
			cb.Set("code", code)
		}
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+cb.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		p.mu.Lock()
		c, ok := p.challenges[r.PostForm.Get("code")]
		delete(p.challenges, r.PostForm.Get("code"))
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		w.Header().Set("Content-Type", "application/json")
		if id, sec, _ := r.BasicAuth(); !ok || id != "cli-client" || sec != canary ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != c[0] || r.PostForm.Get("redirect_uri") != c[1] {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant"}`)
			return
		}
		fmt.Fprint(w, `{"access_token":"tok-`+canary+`","refresh_token":"rt","token_type":"Bearer","expires_in":3600}`)
	})
	mux.HandleFunc("GET /v2/me", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-"+canary {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"id":"user-9","name":"Grace"}`)
	})
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

// writeCodeFiles writes an authorization-code manifest for srv with the
// given redirect_url, and its values.
func writeCodeFiles(t *testing.T, srvURL, redirect string) (manifestPath, valuesPath string) {
	t.Helper()
	dir := t.TempDir()
	m := `connkit: v1
id: cli-code
name: Code App
fields:
  - {key: client_id, label: Client ID, type: string, required: true}
  - {key: client_secret, label: Client Secret, type: secret, required: true}
base_url: ` + srvURL + `/v2
auth:
  type: oauth2_authorization_code
  authorize:
    url: ` + srvURL + `/authorize
    scope: read
    redirect_url: "` + redirect + `"
  token:
    url: ` + srvURL + `/token
    client_id: "{{ fields.client_id }}"
    client_secret: "{{ fields.client_secret }}"
whitelist: ["` + srvURL + `/"]
test:
  request: {method: GET, path: /me}
label: "{{ response.name }}"
identity: "{{ response.id }}"
`
	manifestPath, valuesPath = filepath.Join(dir, "m.yaml"), filepath.Join(dir, "values.yaml")
	if err := os.WriteFile(manifestPath, []byte(m), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(valuesPath, []byte("client_id: cli-client\nclient_secret: env:SECRET\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return manifestPath, valuesPath
}

// running is connkit authorize running in a goroutine with its stdout and
// stderr on pipes.
type running struct {
	// URL is the authorize URL the command printed.
	URL    string
	done   chan int
	code   int
	exited bool
	wg     sync.WaitGroup
	mu     sync.Mutex
	out    bytes.Buffer
	stderr bytes.Buffer
}

// startAuthorize runs connkit authorize ARGS and returns once it printed the
// authorize URL (on stdout, or on stderr with --format json) or exited.
// testStoreKey is a store encryption key (32 bytes, base64) for tests.
const testStoreKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func startAuthorize(t *testing.T, args ...string) *running {
	t.Helper()
	r := &running{done: make(chan int, 1)}
	outR, outW := io.Pipe()
	errR, errW := io.Pipe()
	urls := make(chan string, 2)
	scan := func(rd io.Reader, buf *bytes.Buffer) {
		defer r.wg.Done()
		sc := bufio.NewScanner(rd)
		for sc.Scan() {
			r.mu.Lock()
			buf.WriteString(sc.Text() + "\n")
			r.mu.Unlock()
			if u := strings.TrimSpace(sc.Text()); strings.HasPrefix(u, "http") {
				select {
				case urls <- u:
				default:
				}
			}
		}
	}
	r.wg.Add(2)
	go scan(outR, &r.out)
	go scan(errR, &r.stderr)
	a := &App{Stdout: outW, Stderr: errW, Getenv: func(k string) string {
		return map[string]string{"SECRET": canary, "CONNKIT_STORE_KEY": testStoreKey}[k]
	}}
	go func() {
		code := a.Main(append([]string{"connkit", "authorize"}, args...))
		_ = outW.Close()
		_ = errW.Close()
		r.done <- code
	}()
	select {
	case r.URL = <-urls:
	case r.code = <-r.done:
		r.exited = true
	}
	return r
}

// wait returns the exit code, stdout and stderr.
func (r *running) wait() (int, string, string) {
	if !r.exited {
		r.code, r.exited = <-r.done, true
	}
	r.wg.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.code, r.out.String(), r.stderr.String()
}

// browse opens u like a browser: following redirects, to the command's
// loopback listener.
func browse(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestAuthorizeCommand(t *testing.T) {
	p := newCodeProvider(t)
	mf, vf := writeCodeFiles(t, p.URL, "http://127.0.0.1:8976/callback")
	r := startAuthorize(t, "--manifest", mf, "--values", vf, "--listen", "127.0.0.1:0", "--no-browser")
	if !strings.HasPrefix(r.URL, p.URL+"/authorize?") {
		code, out, errOut := r.wait()
		t.Fatalf("no authorize URL printed: exit %d\n%s\n%s", code, out, errOut)
	}
	// A request without the pending state is refused and the wait goes on.
	redirect := mustQuery(t, r.URL).Get("redirect_uri")
	if status, page := browse(t, redirect+"?code=x&state=forged"); status != http.StatusBadRequest || !strings.Contains(page, "state") {
		t.Errorf("forged callback: %d %s", status, page)
	}
	status, page := browse(t, r.URL)
	if status != http.StatusOK || !strings.Contains(page, "Authorization complete") {
		t.Errorf("callback page: %d %s", status, page)
	}
	code, out, errOut := r.wait()
	if code != ExitOK || !strings.Contains(out, `ok: connected "Grace" (identity user-9)`) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"Open this URL in a browser to authorize Code App", "Waiting up to 5m0s for the redirect to " + redirect} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{"ignored a request to the redirect URL", "not the manifest's http://127.0.0.1:8976/callback", "the tokens were not kept"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(out+errOut, canary) {
		t.Errorf("a secret leaked into the output")
	}
}

func TestAuthorizeCommandManifestPort(t *testing.T) {
	p := newCodeProvider(t)
	port := freePort(t)
	redirect := "http://127.0.0.1:" + port + "/oauth/cb"
	mf, vf := writeCodeFiles(t, p.URL, redirect)
	r := startAuthorize(t, "--manifest", mf, "--values", vf, "--no-browser", "--format", "json", "--timeout", "1m")
	if got := mustQuery(t, r.URL).Get("redirect_uri"); got != redirect {
		t.Fatalf("redirect_uri = %q, want the manifest's %q", got, redirect)
	}
	browse(t, r.URL)
	code, out, errOut := r.wait()
	// With --format json, the instructions go to stderr and stdout is one
	// JSON object.
	if code != ExitOK || !strings.Contains(out, `"identity":"user-9"`) || !strings.Contains(errOut, "Waiting up to 1m0s") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestAuthorizeCommandDenied(t *testing.T) {
	p := newCodeProvider(t)
	p.deny = true
	mf, vf := writeCodeFiles(t, p.URL, "http://127.0.0.1:8976/callback")
	r := startAuthorize(t, "--manifest", mf, "--values", vf, "--listen", "127.0.0.1:0", "--no-browser", "--format", "json")
	if status, page := browse(t, r.URL); status != http.StatusBadRequest || !strings.Contains(page, "access_denied") {
		t.Errorf("callback page: %d %s", status, page)
	}
	code, out, _ := r.wait()
	if code != ExitFindings || !strings.Contains(out, `"kind":"auth"`) || !strings.Contains(out, "access_denied") || !strings.Contains(out, "approve") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestAuthorizeCommandTimeout(t *testing.T) {
	p := newCodeProvider(t)
	mf, vf := writeCodeFiles(t, p.URL, "http://127.0.0.1:8976/callback")
	r := startAuthorize(t, "--manifest", mf, "--values", vf, "--listen", "127.0.0.1:0", "--no-browser", "--timeout", "1ms")
	code, _, errOut := r.wait()
	if code != ExitFindings || !strings.Contains(errOut, "timeout: no authorization arrived within 1ms") || !strings.Contains(errOut, "register exactly http://127.0.0.1:") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestAuthorizeCommandOpensBrowser(t *testing.T) {
	p := newCodeProvider(t)
	mf, vf := writeCodeFiles(t, p.URL, "http://127.0.0.1:8976/callback")
	opened := make(chan string, 1)
	orig := openBrowser
	openBrowser = func(u string) { opened <- u }
	t.Cleanup(func() { openBrowser = orig })
	r := startAuthorize(t, "--manifest", mf, "--values", vf, "--listen", "127.0.0.1:0")
	if got := <-opened; got != r.URL {
		t.Errorf("opened %q, printed %q", got, r.URL)
	}
	browse(t, r.URL)
	if code, out, errOut := r.wait(); code != ExitOK {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
}

func TestAuthorizeCommandUsage(t *testing.T) {
	p := newCodeProvider(t)
	for _, tc := range []struct {
		name, redirect string
		args           []string
		code           int
		says           string
	}{
		{"not a loopback redirect", "https://app.example/callback", nil, ExitFindings, "not a loopback http URL"},
		{"no port", "http://127.0.0.1/callback", nil, ExitFindings, "with a port"},
		{"listen elsewhere", "http://127.0.0.1:8976/callback", []string{"--listen", "0.0.0.0:8976"}, ExitUsage, "loopback"},
		{"bad timeout", "http://127.0.0.1:8976/callback", []string{"--timeout", "0s"}, ExitUsage, "--timeout"},
		// The registry validates the manifest first: no redirect URL is a
		// grant-consistency error.
		{"no redirect", "", nil, ExitFindings, "[grant-consistency]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mf, vf := writeCodeFiles(t, p.URL, tc.redirect)
			code, out, errOut := runApp(map[string]string{"SECRET": canary},
				append([]string{"authorize", "--manifest", mf, "--values", vf, "--no-browser"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.says) {
				t.Errorf("exit %d (want %d)\nstdout %s\nstderr %s", code, tc.code, out, errOut)
			}
		})
	}
}

func TestPlanRedirect(t *testing.T) {
	for _, tc := range []struct {
		manifest, listen string
		addr, redirect   string
	}{
		{"http://127.0.0.1:8976/callback", "", "127.0.0.1:8976", "http://127.0.0.1:8976/callback"},
		{"http://localhost:8976/cb/", "", "localhost:8976", "http://localhost:8976/cb/"},
		{"http://[::1]:8976/cb", "", "[::1]:8976", "http://[::1]:8976/cb"},
		{"http://127.0.0.1:8976/callback", "127.0.0.1:8976", "127.0.0.1:8976", "http://127.0.0.1:8976/callback"},
		{"http://127.0.0.1:8976/callback", "127.0.0.1:9000", "127.0.0.1:9000", "http://127.0.0.1:9000/callback"},
		{"https://app.example/oauth/callback", "127.0.0.1:9000", "127.0.0.1:9000", "http://127.0.0.1:9000/oauth/callback"},
		{"", "127.0.0.1:9000", "127.0.0.1:9000", "http://127.0.0.1:9000/callback"},
	} {
		p, err := planRedirect(tc.manifest, tc.listen)
		if err != nil {
			t.Errorf("planRedirect(%q, %q): %v", tc.manifest, tc.listen, err)
			continue
		}
		_, port, _ := net.SplitHostPort(tc.addr)
		got := []string{p.addr, p.redirectURL(&net.TCPAddr{Port: atoi(port)})}
		if diff := cmp.Diff([]string{tc.addr, tc.redirect}, got); diff != "" {
			t.Errorf("planRedirect(%q, %q) (-want +got):\n%s", tc.manifest, tc.listen, diff)
		}
	}
}

func atoi(s string) int {
	n := 0
	_, _ = fmt.Sscan(s, &n)
	return n
}

func mustQuery(t *testing.T, u string) url.Values {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatalf("URL %q: %v", u, err)
	}
	return p.Query()
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}
