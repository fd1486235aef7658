package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/validator"
	"github.com/connkit/connkit/validator/format"
)

// goodManifest has no findings; warnManifest only warnings (it has no
// test call, label or identity); badManifest errors (an unknown key).
const (
	goodManifest = `connkit: v1
id: weatherly
name: Weatherly
fields:
  - {key: api_key, label: API key, type: secret, required: true}
base_url: https://api.weatherly.example/v1
auth:
  type: api_key
  apply:
    headers:
      X-Api-Key: "{{ fields.api_key }}"
whitelist:
  - https://api.weatherly.example/v1/
test:
  request: {method: GET, path: /account}
label: "{{ response.name }}"
identity: "{{ response.id }}"
`
	warnManifest = `connkit: v1
id: weatherly
name: Weatherly
fields:
  - {key: api_key, label: API key, type: secret, required: true}
base_url: https://api.weatherly.example/v1
auth:
  type: api_key
  apply:
    headers:
      X-Api-Key: "{{ fields.api_key }}"
whitelist:
  - https://api.weatherly.example/v1/
`
	badManifest = "connkit: v1\nid: weatherly\nnmae: Weatherly\n"
)

// goodJSON is goodManifest in JSON.
var goodJSON = func() string {
	b, err := json.Marshal(map[string]any{"connkit": "v1", "id": "weatherly", "name": "Weatherly",
		"fields":   []any{map[string]any{"key": "api_key", "label": "API key", "type": "secret", "required": true}},
		"base_url": "https://api.weatherly.example/v1",
		"auth": map[string]any{"type": "api_key",
			"apply": map[string]any{"headers": map[string]any{"X-Api-Key": "{{ fields.api_key }}"}}},
		"whitelist": []any{"https://api.weatherly.example/v1/"},
		"test":      map[string]any{"request": map[string]any{"method": "GET", "path": "/account"}},
		"label":     "{{ response.name }}", "identity": "{{ response.id }}"})
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// tree writes files (slash-separated path to content) under dir.
func tree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// workspace makes a temporary directory the working directory and fills
// it: the manifests, and files a directory walk must skip.
func workspace(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	tree(t, dir, map[string]string{
		"good.yaml":               goodManifest,
		"warn.yaml":               warnManifest,
		"bad.yaml":                badManifest,
		"dir/b-bad.yml":           badManifest,
		"dir/a-good.JSON":         goodJSON,
		"dir/sub/warn.yaml":       warnManifest,
		"dir/README.md":           "# not a manifest\n",
		"dir/.hidden.yaml":        "\x00 skipped",
		"dir/.git/config.yaml":    "\x00 skipped",
		"dir/node_modules/x.json": "\x00 skipped",
	})
	if err := os.Mkdir("empty", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("dir", "linked"); err != nil {
		t.Fatal(err)
	}
}

// runStdin runs connkit with stdin and args, with buffers for its streams.
func runStdin(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	app := &App{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" }}
	code := app.Main(append([]string{"connkit"}, args...))
	return result{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}
}

// oracle is what connkit validate must print: the validator's diagnostics
// of each file, in the given (sorted) order, rendered by the format
// package; and the numbers of errors and warnings. A name "<stdin>" is
// read from stdin.
func oracle(t *testing.T, formatName, stdin string, names ...string) (out string, errs, warns int) {
	t.Helper()
	v, err := validator.New()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	info, ok := debug.ReadBuildInfo()
	o, err := format.New(formatName, &buf, format.Options{Version: version(info, ok)})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		data := []byte(stdin)
		if name != stdinName {
			if data, err = os.ReadFile(name); err != nil {
				t.Fatal(err)
			}
		}
		diags := v.Validate(name, data)
		for _, d := range diags {
			if d.Severity == validator.SeverityError {
				errs++
			} else {
				warns++
			}
		}
		if err := o.Write(name, data, diags); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), errs, warns
}

func TestValidateFixtures(t *testing.T) {
	// The tests below rely on what the validator finds in the fixtures.
	workspace(t)
	tests := []struct {
		name         string
		errs, warns  bool
		wantFindings bool
	}{
		{"good.yaml", false, false, false},
		{"dir/a-good.JSON", false, false, false},
		{"warn.yaml", false, true, false},
		{"bad.yaml", true, false, true},
	}
	for _, tt := range tests {
		_, errs, warns := oracle(t, "json", "", tt.name)
		if (errs > 0) != tt.errs || (warns > 0) != tt.warns {
			t.Errorf("%s: the validator finds %d errors and %d warnings; the tests need errors %v, warnings %v",
				tt.name, errs, warns, tt.errs, tt.warns)
		}
	}
}

func TestValidate(t *testing.T) {
	workspace(t)
	dirFiles := []string{"dir/a-good.JSON", "dir/b-bad.yml", "dir/sub/warn.yaml"}
	tests := []struct {
		name  string
		stdin string
		args  []string
		files []string // what connkit validates, in order
		code  int
	}{
		{"clean file", "", []string{"good.yaml"}, []string{"good.yaml"}, ExitOK},
		{"warnings pass", "", []string{"warn.yaml", "good.yaml"}, []string{"good.yaml", "warn.yaml"}, ExitOK},
		{"warnings fail with --strict", "", []string{"--strict", "warn.yaml"}, []string{"warn.yaml"}, ExitFindings},
		{"errors fail", "", []string{"good.yaml", "bad.yaml"}, []string{"bad.yaml", "good.yaml"}, ExitFindings},
		{"directory", "", []string{"dir"}, dirFiles, ExitFindings},
		{"directory with a trailing slash", "", []string{"dir/"}, dirFiles, ExitFindings},
		{"working directory", "", []string{"."}, append([]string{"bad.yaml"}, append(dirFiles, "good.yaml", "warn.yaml")...), ExitFindings},
		{"duplicates checked once", "", []string{"dir/sub", "./dir/sub/warn.yaml", "dir/sub/warn.yaml"}, []string{"dir/sub/warn.yaml"}, ExitOK},
		{"stdin", goodManifest, []string{"-"}, []string{stdinName}, ExitOK},
		{"stdin json", goodJSON, []string{"-"}, []string{stdinName}, ExitOK},
		{"stdin with files", badManifest, []string{"warn.yaml", "-"}, []string{stdinName, "warn.yaml"}, ExitFindings},
		{"one job", "", []string{"--jobs", "1", "dir"}, dirFiles, ExitFindings},
		{"many jobs", "", []string{"-j", "64", "dir"}, dirFiles, ExitFindings},
		{"dash dash", "", []string{"--", "good.yaml"}, []string{"good.yaml"}, ExitOK},
		{"empty directory", "", []string{"empty"}, nil, ExitOK},
		{"symbolic link to a directory", "", []string{"linked"},
			[]string{"linked/a-good.JSON", "linked/b-bad.yml", "linked/sub/warn.yaml"}, ExitFindings},
	}
	for _, tt := range tests {
		for _, f := range format.Names() {
			t.Run(tt.name+"/"+f, func(t *testing.T) {
				args := append([]string{"validate", "--format", f}, tt.args...)
				got := runStdin(t, tt.stdin, args...)
				out, _, _ := oracle(t, f, tt.stdin, tt.files...)
				want := result{Code: tt.code, Stdout: out}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("connkit %s (-want +got):\n%s", strings.Join(args, " "), diff)
				}
			})
		}
	}
}

func TestValidateJSONCounts(t *testing.T) {
	workspace(t)
	got := runStdin(t, "", "validate", "--format", "json", "dir", "good.yaml")
	var report struct {
		Files       int               `json:"files"`
		Errors      int               `json:"errors"`
		Warnings    int               `json:"warnings"`
		Diagnostics []json.RawMessage `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(got.Stdout), &report); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, got.Stdout)
	}
	_, errs, warns := oracle(t, "json", "", "dir/a-good.JSON", "dir/b-bad.yml", "dir/sub/warn.yaml", "good.yaml")
	if report.Files != 4 || report.Errors != errs || report.Warnings != warns || len(report.Diagnostics) != errs+warns {
		t.Errorf("files %d, errors %d, warnings %d, %d diagnostics; want 4, %d, %d, %d",
			report.Files, report.Errors, report.Warnings, len(report.Diagnostics), errs, warns, errs+warns)
	}
}

func TestValidateErrors(t *testing.T) {
	workspace(t)
	tree(t, ".", map[string]string{
		"nul.yaml":       "connkit: v1\nid: a\x00b\n",
		"latin1.yaml":    "connkit: v1\nname: caf\xe9\n",
		"utf16.yaml":     "\xff\xfec\x00o\x00",
		"bin/image.json": "\x89PNG\r\n\x1a\n\x00\x00",
	})
	if err := os.Symlink("missing.yaml", filepath.Join("dir", "sub", "broken.yaml")); err != nil {
		t.Fatal(err)
	}
	usage := func(msg string) string {
		return "connkit: " + msg + "\nRun 'connkit validate --help' for usage.\n"
	}
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stderr string
	}{
		{"missing file", "", []string{"good.yaml", "nope.yaml"}, ExitUsage,
			"connkit: nope.yaml: no such file or directory\n"},
		{"NUL byte", "", []string{"nul.yaml"}, ExitUsage,
			"connkit: nul.yaml: binary input: a NUL byte at line 2, column 6; a manifest is UTF-8 text\n"},
		{"binary file in a directory", "", []string{"bin"}, ExitUsage,
			"connkit: bin/image.json: binary input: a NUL byte at line 3, column 1; a manifest is UTF-8 text\n"},
		{"invalid UTF-8", "", []string{"latin1.yaml"}, ExitUsage,
			"connkit: latin1.yaml: not UTF-8 text: an invalid byte at line 2, column 10; save the manifest as UTF-8\n"},
		{"UTF-16", "", []string{"utf16.yaml"}, ExitUsage,
			"connkit: utf16.yaml: UTF-16 text: save the manifest as UTF-8\n"},
		{"binary stdin", "\x00", []string{"-"}, ExitUsage,
			"connkit: <stdin>: binary input: a NUL byte at line 1, column 1; a manifest is UTF-8 text\n"},
		{"unreadable file in a directory", "", []string{"dir/sub"}, ExitUsage,
			"connkit: dir/sub/broken.yaml: no such file or directory\n"},
		{"no path", "", nil, ExitUsage,
			usage("no path given: name manifest files, directories, or - for standard input")},
		{"unknown flag", "", []string{"--bogus", "good.yaml"}, ExitUsage,
			usage("flag provided but not defined: -bogus")},
		{"flag after a path", "", []string{"good.yaml", "--strict"}, ExitUsage,
			usage("flag --strict comes after the argument \"good.yaml\": put flags before arguments")},
		{"unknown format", "", []string{"--format", "xml", "good.yaml"}, ExitUsage,
			usage("--format: unknown format \"xml\": use one of text, json, github, sarif")},
		{"no jobs", "", []string{"--jobs", "0", "good.yaml"}, ExitUsage,
			usage("--jobs must be at least 1, got 0")},
		{"jobs not a number", "", []string{"--jobs", "many", "good.yaml"}, ExitUsage,
			usage("invalid value \"many\" for flag -jobs: parse error")},
		{"stdin twice", "", []string{"-", "-"}, ExitUsage,
			usage("- (standard input) is given twice")},
		{"list rules with a path", "", []string{"--list-rules", "good.yaml"}, ExitUsage,
			usage("--list-rules takes no paths, got \"good.yaml\"")},
		{"list rules as sarif", "", []string{"--list-rules", "--format", "sarif"}, ExitUsage,
			usage("--list-rules prints text or json, not \"sarif\"")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"validate"}, tt.args...)
			got := runStdin(t, tt.stdin, args...)
			want := result{Code: tt.code, Stderr: tt.stderr}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("connkit %s (-want +got):\n%s", strings.Join(args, " "), diff)
			}
		})
	}
}

func TestValidateUnreadableDirectory(t *testing.T) {
	workspace(t)
	// Root reads any directory, so the walk is told that dir/sub is not
	// readable, as filepath.WalkDir tells it.
	saved := walkDir
	t.Cleanup(func() { walkDir = saved })
	walkDir = func(root string, fn fs.WalkDirFunc) error {
		return saved(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() && d.Name() == "sub" {
				if err := fn(path, d, nil); err != nil {
					return err
				}
				return fn(path, d, &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission})
			}
			return fn(path, d, err)
		})
	}
	got := runStdin(t, "", "validate", "dir")
	want := result{Code: ExitUsage, Stderr: "connkit: dir/sub: permission denied\n"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestValidateOutputError(t *testing.T) {
	workspace(t)
	for _, f := range format.Names() {
		t.Run(f, func(t *testing.T) {
			var stderr bytes.Buffer
			app := &App{Stdout: failingWriter{}, Stderr: &stderr}
			code := app.Main([]string{"connkit", "validate", "--format", f, "bad.yaml"})
			if code != ExitUsage {
				t.Errorf("exit %d, want %d (an I/O error)", code, ExitUsage)
			}
			if got := stderr.String(); !strings.HasPrefix(got, "connkit: write the output: ") ||
				!strings.HasSuffix(got, errClosed.Error()+"\n") || strings.Count(got, "\n") != 1 {
				t.Errorf("stderr = %q, want one line about the failed write", got)
			}
		})
	}
}

func TestValidateListRules(t *testing.T) {
	rules := validator.Rules()
	if len(rules) == 0 {
		t.Fatal("validator.Rules() is empty")
	}
	t.Run("text", func(t *testing.T) {
		got := run(t, "validate", "--list-rules")
		if got.Code != ExitOK || got.Stderr != "" {
			t.Fatalf("exit %d, stderr %q", got.Code, got.Stderr)
		}
		lines := strings.Split(strings.TrimSuffix(got.Stdout, "\n"), "\n")
		if len(lines) != len(rules)+1 {
			t.Fatalf("%d lines, want a header and %d rules:\n%s", len(lines), len(rules), got.Stdout)
		}
		sevCol := strings.Index(lines[0], "SEVERITY")
		docCol := strings.Index(lines[0], "DESCRIPTION")
		if !strings.HasPrefix(lines[0], "RULE ") || sevCol < 0 || docCol < 0 {
			t.Fatalf("header %q", lines[0])
		}
		for i, r := range rules {
			line := lines[i+1]
			want := []string{r.ID, string(r.Severity), r.Doc}
			got := []string{strings.TrimSpace(line[:sevCol]), strings.TrimSpace(line[sevCol:docCol]), line[docCol:]}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("line %d, %q, is not aligned with the header (-want +got):\n%s", i+2, line, diff)
			}
		}
	})
	t.Run("json", func(t *testing.T) {
		got := run(t, "validate", "--list-rules", "--format", "json")
		var list []map[string]string
		if err := json.Unmarshal([]byte(got.Stdout), &list); err != nil || got.Code != ExitOK {
			t.Fatalf("exit %d, %v:\n%s", got.Code, err, got.Stdout)
		}
		want := make([]map[string]string, len(rules))
		for i, r := range rules {
			want[i] = map[string]string{"id": r.ID, "severity": string(r.Severity), "doc": r.Doc}
		}
		if diff := cmp.Diff(want, list); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

func TestValidateHelp(t *testing.T) {
	got := run(t, "validate", "--help")
	for _, w := range []string{"connkit validate [command options] PATH...", "--format", "--strict",
		"--list-rules", "--jobs", "Exit status", "Flags go before the paths"} {
		if !strings.Contains(got.Stdout, w) {
			t.Errorf("help lacks %q:\n%s", w, got.Stdout)
		}
	}
}

func TestColorOutput(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, a := range []*App{{}, {Stdout: &bytes.Buffer{}}, {Stdout: f}} {
		if a.colorOutput() {
			t.Errorf("colors on %T, which is not a terminal", a.Stdout)
		}
	}
}

func TestValidateRestoresGCPercent(t *testing.T) {
	workspace(t)
	saved := debug.SetGCPercent(123)
	defer debug.SetGCPercent(saved)
	if got := run(t, "validate", "good.yaml"); got.Code != ExitOK {
		t.Fatalf("exit %d: %s", got.Code, got.Stderr)
	}
	if got := debug.SetGCPercent(123); got != 123 {
		t.Errorf("GC percent after validate = %d, want 123 as before", got)
	}
}

// FuzzCheckManifestText checks that any input is either accepted as UTF-8
// text, or refused with one line that names the file, never a panic.
func FuzzCheckManifestText(f *testing.F) {
	f.Add([]byte("connkit: v1\n"))
	f.Add([]byte("a\nb\x00"))
	f.Add([]byte("caf\xe9\n\xff"))
	f.Add([]byte("\xff\xfe{\x00"))
	f.Add([]byte("\xef\xbb\xbfid: x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkManifestText("f.yaml", data)
		text := utf8.Valid(data) && !bytes.Contains(data, []byte{0})
		if (err == nil) != text {
			t.Fatalf("checkManifestText(%q) = %v; UTF-8 text without NUL: %v", data, err, text)
		}
		if err != nil && (!strings.HasPrefix(err.Error(), "f.yaml: ") || strings.Contains(err.Error(), "\n")) {
			t.Errorf("error %q is not one line about f.yaml", err)
		}
	})
}

// TestReadManifestFile reads files of every size around the limit: a
// manifest whole, an oversized one cut one byte past the limit so that
// the validator reports it.
func TestReadManifestFile(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 3000, manifest.MaxSize, manifest.MaxSize + 1, manifest.MaxSize + 4096} {
		content := bytes.Repeat([]byte("a"), size)
		path := filepath.Join(dir, "m.yaml")
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readManifestFile(path)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		want := content[:min(size, manifest.MaxSize+1)]
		if !bytes.Equal(got, want) {
			t.Errorf("size %d: read %d bytes, want %d", size, len(got), len(want))
		}
	}
	if data, err := readManifestFile(os.DevNull); err != nil || len(data) != 0 {
		t.Errorf("%s: read %q, %v; want nothing", os.DevNull, data, err)
	}
	if _, err := readManifestFile(dir); err == nil {
		t.Error("a directory was read as a manifest")
	}
	if _, err := readManifestFile(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist", err)
	}
}
